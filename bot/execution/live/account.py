"""The live account's balance, fetched from the exchange and reused for a few seconds.

The trading loop asks for equity on every entry decision and the status display every
second; one ``fetch_balance`` per few seconds answers them all without spending weight.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.errors import BotError
from bot.exchange import Balance, BinanceGateway
from bot.execution.live.guard import ExchangeGuard

log = logging.getLogger(__name__)


class LiveAccount:
    """A cached view of the USDT futures wallet.

    Args:
        gateway: the exchange door.
        guard: the back-off / halt brake every request passes.
        clock: aware UTC time.
        ttl_seconds: how long a fetched balance is reused.
    """

    def __init__(self, gateway: BinanceGateway, guard: ExchangeGuard,
                 clock: Callable[[], datetime], ttl_seconds: float) -> None:
        """Nothing fetched yet."""
        self._gateway = gateway
        self._guard = guard
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._lock = threading.Lock()
        self._cached: tuple[Balance, datetime] | None = None

    def balance(self) -> Balance:
        """The latest balance; the last known one when a refresh fails (if there is one).

        Raises:
            BotError: the first fetch failed.
        """
        with self._lock:
            now = self._clock()
            if self._cached is not None and now - self._cached[1] < self._ttl:
                return self._cached[0]
            try:
                fresh = self._guard.call(self._gateway.fetch_balance)
            except BotError as exc:
                if self._cached is None:
                    raise
                log.warning("balance refresh failed, using the last one: %s", exc)
                return self._cached[0]
            self._cached = (fresh, now)
            return fresh
