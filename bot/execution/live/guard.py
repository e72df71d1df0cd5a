"""The live venue's brakes: Retry-After back-off after a 429 and a halt after a 418.

Kept apart from the venue so the rule reads in one place: after a 429 no request leaves
before its Retry-After has elapsed; after a 418 (an IP ban) nothing leaves until the ban's
end (its Retry-After; without one, until a restart). The gateway's ``RequestGate`` holds
back the bot's other requests (the public mark-price feed) the same way.
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
    """Trading stopped while an IP ban (HTTP 418) is in force."""


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
        self._halted_until: datetime | None = None

    @property
    def halted(self) -> str | None:
        """Why trading is halted (an IP ban still in force), or ``None``."""
        if (self._halted is not None and self._halted_until is not None
                and self._clock() >= self._halted_until):
            log.warning("the exchange's IP ban is over: requests resume")
            self._halted = self._halted_until = None
        return self._halted

    def check(self) -> None:
        """Raise unless a request may leave now.

        Raises:
            TradingHalted: while an IP ban is in force.
            RateLimited: a Retry-After has not elapsed yet (``retry_after`` = what is left).
        """
        halted = self.halted
        if halted is not None:
            raise TradingHalted(halted)
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
        """Stop every further request until the ban is over (continuing would lengthen it);
        a ban of unknown length holds until a restart."""
        if self.halted is not None:
            return
        seconds = cause.retry_after
        self._halted_until = None if seconds is None else self._clock() + timedelta(
            seconds=seconds)
        until = "" if self._halted_until is None else (
            f" until {self._halted_until:%Y-%m-%d %H:%M:%S} UTC")
        self._halted = (
            f"TRADING HALTED: the exchange banned this IP{until} (HTTP 418) after too many "
            "requests. No request is sent meanwhile; protective orders already on the "
            "exchange stay in force."
        )
        log.critical("%s", self._halted)
        self._on_halt(self._halted)
