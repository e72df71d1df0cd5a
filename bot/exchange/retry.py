"""A bounded retrier for requests that are safe to repeat (reads, cancels, idempotent setters).

Order creation never goes through it: a create that ends without a clear answer is
resolved by looking the order up (see ``BinanceGateway``), never by sending it again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.errors import BotError, TemporaryExchangeError, UnknownOrderOutcome

log = logging.getLogger(__name__)

T = TypeVar("T")

Sleep = Callable[[float], None]
"""Blocks for the given number of seconds (``time.sleep``; tests record instead)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to retry.

    Attributes:
        max_attempts: attempts in all, the first included (1 = no retry).
        base_delay: the first backoff in seconds; doubled on every further retry.
        max_delay: the backoff never exceeds this.
        jitter: each backoff is scaled by a random factor in ``[1 - jitter, 1]``, so
            several clients do not retry in step.
        max_retry_after: a server's ``Retry-After`` is honoured up to this many seconds;
            a longer one is not waited out here, the error goes to the caller.
    """

    max_attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 4.0
    jitter: float = 0.5
    max_retry_after: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError("need 0 <= base_delay <= max_delay")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be within 0..1")
        if self.max_retry_after < 0:
            raise ValueError("max_retry_after must not be negative")


def is_retryable(error: BotError) -> bool:
    """Whether repeating the same safe request may succeed.

    Temporary errors (network, timeouts, 5xx, 429, clock skew) are; an unknown order
    outcome never is (it must be resolved, not repeated), nor is anything permanent:
    ``IpBanned``, authentication, invalid orders, insufficient funds.
    """
    return isinstance(error, TemporaryExchangeError) and not isinstance(
        error, UnknownOrderOutcome
    )


class Retrier:
    """Runs an operation again after temporary errors, a bounded number of times.

    Args:
        policy: attempts and delays.
        sleep: waits between attempts (injected: tests record the waits).
        rng: the jitter's randomness (injected: tests seed it).
    """

    def __init__(self, policy: RetryPolicy, sleep: Sleep, rng: random.Random) -> None:
        """Keep the policy and the injected sleep and randomness."""
        self._policy = policy
        self._sleep = sleep
        self._rng = rng

    @property
    def policy(self) -> RetryPolicy:
        """The policy in force."""
        return self._policy

    def sleep(self, seconds: float) -> None:
        """Wait with the injected sleep (for callers pacing their own loops)."""
        self._sleep(seconds)

    def call(
        self,
        operation: Callable[[], T],
        *,
        description: str,
        before_retry: Callable[[BotError], None] | None = None,
    ) -> T:
        """``operation()``, retried on retryable project errors.

        Args:
            operation: raises project errors (``bot.errors``), not library ones.
            description: names the request in log lines.
            before_retry: called with the error before each retry (e.g. to resync the
                clock after ``ClockSkew``); its own errors propagate.

        Raises:
            BotError: the last error once attempts are used up, at once when it is not
                retryable or its ``Retry-After`` exceeds ``policy.max_retry_after``.
        """
        attempt = 1
        while True:
            try:
                return operation()
            except BotError as error:
                delay = self._delay_before_retry(error, attempt)
                if delay is None:
                    raise
                log.warning(
                    "%s failed (attempt %d/%d), retrying in %.2fs: %s",
                    description, attempt, self._policy.max_attempts, delay, error,
                )
                if before_retry is not None:
                    before_retry(error)
                self._sleep(delay)
                attempt += 1

    def backoff(self, attempt: int) -> float:
        """The jittered exponential delay after failed attempt number ``attempt`` (1-based)."""
        p = self._policy
        raw = min(p.max_delay, p.base_delay * 2.0 ** (attempt - 1))
        return raw * (1 - p.jitter * self._rng.random())

    def _delay_before_retry(self, error: BotError, attempt: int) -> float | None:
        if attempt >= self._policy.max_attempts or not is_retryable(error):
            return None
        delay = self.backoff(attempt)
        retry_after = error.retry_after if isinstance(error, TemporaryExchangeError) else None
        if retry_after is None:
            return delay
        if retry_after > self._policy.max_retry_after:
            return None
        return max(delay, retry_after)
