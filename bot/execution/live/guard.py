"""The live venue's brakes: Retry-After back-off after a 429 and a halt after a 418.

Kept apart from the venue so the rule reads in one place: after a 429 no request leaves
before its Retry-After has elapsed; after a 418 (an IP ban) nothing leaves at all until a
person restarts the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from bot.errors import ExchangeError, IpBanned, RateLimited

log = logging.getLogger(__name__)

T = TypeVar("T")

_DEFAULT_BACKOFF_SECONDS = 1.0


class TradingHalted(ExchangeError):
    """Trading stopped after an IP ban (HTTP 418): restart once the ban is over."""


class ExchangeGuard:
    """Runs exchange calls unless a back-off or a halt forbids them, and learns from errors.

    Args:
        clock: the aware UTC clock the back-off deadline is kept in.
        on_halt: called once with the halt message (to journal it).
    """

    def __init__(self, clock: Callable[[], datetime], on_halt: Callable[[str], None]) -> None:
        """No back-off, not halted."""
        self._clock = clock
        self._on_halt = on_halt
        self._not_before: datetime | None = None
        self._halted: str | None = None

    @property
    def halted(self) -> str | None:
        """Why trading is halted, or ``None``."""
        return self._halted

    def check(self) -> None:
        """Raise unless a request may leave now.

        Raises:
            TradingHalted: after an IP ban.
            RateLimited: a Retry-After has not elapsed yet (``retry_after`` = what is left).
        """
        if self._halted is not None:
            raise TradingHalted(self._halted)
        if self._not_before is not None:
            left = (self._not_before - self._clock()).total_seconds()
            if left > 0:
                raise RateLimited(f"rate limited: waiting {left:.1f} s more (Retry-After)", left)
            self._not_before = None

    def call(self, operation: Callable[[], T]) -> T:
        """``operation()`` if allowed; a 429 or 418 it meets sets the back-off or the halt."""
        self.check()
        try:
            return operation()
        except RateLimited as exc:
            seconds = exc.retry_after if exc.retry_after is not None else _DEFAULT_BACKOFF_SECONDS
            self._not_before = self._clock() + timedelta(seconds=seconds)
            log.warning("rate limited by the exchange: no request for %.1f s", seconds)
            raise
        except IpBanned as exc:
            self.halt(exc)
            raise

    def halt(self, cause: IpBanned) -> None:
        """Stop every further request (an IP ban: continuing would lengthen it)."""
        if self._halted is not None:
            return
        until = "" if cause.retry_after is None else f" for {cause.retry_after:g} s"
        self._halted = (
            f"TRADING HALTED: the exchange banned this IP{until} (HTTP 418) after too many "
            "requests. No order will be sent; protective orders already on the exchange "
            "stay in force. Restart the bot once the ban has expired."
        )
        log.critical("%s", self._halted)
        self._on_halt(self._halted)
