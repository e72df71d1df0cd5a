"""``RequestGate``: one brake for every request the bot makes, public or signed.

Binance counts request weight and bans per IP, not per key: a 429 on the public mark-price
feed concerns the signed order path as much, and a client that keeps calling during a
418 ban has the ban lengthened (2 minutes up to 3 days). Every gateway of one bot shares
one gate; each request passes ``check`` first and every 429 / 418 answer is ``observe``d,
so after either no request leaves until ``Retry-After`` (429) or the ban's end (418, the
time Binance names in its message, else its ``Retry-After``) has passed.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from bot.clock import Clock
from bot.domain import from_epoch_ms
from bot.errors import BotError, IpBanned, RateLimited

log = logging.getLogger(__name__)

T = TypeVar("T")

_BANNED_UNTIL = re.compile(r"banned until (\d{12,14})")
_DEFAULT_BACKOFF_SECONDS = 1.0
_DEFAULT_BAN_SECONDS = 120.0  # Binance's shortest ban


class RequestGate:
    """Holds every request back while a rate limit or an IP ban is in force. Thread-safe.

    Args:
        clock: aware UTC time (the deadlines are kept in it).
    """

    def __init__(self, clock: Clock) -> None:
        """Open: no back-off, no ban."""
        self._clock = clock
        self._lock = threading.Lock()
        self._until: datetime | None = None
        self._banned = False
        self._blocked = 0

    def check(self) -> None:
        """Return when a request may leave now.

        Raises:
            IpBanned: a 418 ban is in force (``retry_after`` = seconds left).
            RateLimited: a 429's Retry-After has not elapsed (``retry_after`` = seconds left).
        """
        with self._lock:
            left = self._left()
            if left is None:
                return
            self._blocked += 1
            banned = self._banned
        if banned:
            raise IpBanned(f"IP banned by the exchange: no request for {left:.1f} s more", left)
        raise RateLimited(f"rate limited: waiting {left:.1f} s more (Retry-After)", left)

    def run(self, operation: Callable[[], T]) -> T:
        """``operation()`` (one request) once the gate is open; a 429 / 418 it meets closes
        the gate before it propagates."""
        self.check()
        try:
            return operation()
        except (RateLimited, IpBanned) as error:
            self.observe(error)
            raise

    def observe(self, error: BotError) -> None:
        """Learn from a request's error: a 429 or a 418 closes the gate for its time."""
        if isinstance(error, IpBanned):
            seconds = _ban_seconds(error, self._clock())
            banned = True
        elif isinstance(error, RateLimited):
            seconds = error.retry_after if error.retry_after is not None else (
                _DEFAULT_BACKOFF_SECONDS)
            banned = False
        else:
            return
        until = self._clock() + timedelta(seconds=seconds)
        with self._lock:
            current = self._left()
            # The later deadline wins; once banned, the gate says so until it reopens.
            self._banned = banned or (current is not None and self._banned)
            if current is None or seconds > current:
                self._until = until
        log.warning("%s by the exchange: no request for %.1f s",
                    "IP banned" if banned else "rate limited", seconds)

    def blocked_reason(self) -> str | None:
        """Why requests are held back now (``None``: they are not)."""
        with self._lock:
            left = self._left()
            if left is None:
                return None
            kind = "IP ban (HTTP 418)" if self._banned else "rate limit (HTTP 429)"
            until = self._until
        # No countdown in the text: the trading loop journals a pause once per reason.
        return f"exchange {kind}: no request until {until:%H:%M:%S} UTC"

    @property
    def blocked_requests(self) -> int:
        """Requests held back so far (never sent)."""
        with self._lock:
            return self._blocked

    def _left(self) -> float | None:
        if self._until is None:
            return None
        left = (self._until - self._clock()).total_seconds()
        if left <= 0:
            self._until = None
            self._banned = False
            return None
        return left


def _ban_seconds(error: IpBanned, now: datetime) -> float:
    """How long a 418 ban lasts: until the time Binance names, else its Retry-After."""
    named = _BANNED_UNTIL.search(str(error))
    if named is not None:
        left = (from_epoch_ms(int(named.group(1))) - now).total_seconds()
        if left > 0:
            return left
    return error.retry_after if error.retry_after is not None else _DEFAULT_BAN_SECONDS
