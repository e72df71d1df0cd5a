"""``MarkPriceFeed``: every symbol's mark price from one ccxt request per tick.

Each price keeps the exchange's timestamp (so consumers can refuse stale prices) and the
local time it arrived. Errors propagate as project errors; the last good prices stay.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.domain import MarkPrice
from bot.symbols import to_exchange_id

PriceListener = Callable[[str, float], None]
"""Told ``(symbol, price)`` for every fresh mark price; e.g. ``heatmap.update_price``."""


class MarkPriceSource(Protocol):
    """What the feed needs from the gateway."""

    def fetch_mark_prices(self) -> dict[str, MarkPrice]:
        """Every symbol's mark price, keyed by Binance id."""
        ...


@dataclass(frozen=True, slots=True)
class ReceivedMark:
    """A mark price and the local time it arrived."""

    mark: MarkPrice
    received_at: datetime


class MarkPriceFeed:
    """Polls all mark prices and keeps the latest of each symbol.

    Args:
        gateway: the source (``BinanceGateway.fetch_mark_prices``).
        clock: the local UTC clock (receive times).
        max_age_seconds: how old (by the exchange's timestamp) a price may be and still
            count as fresh.
        listeners: told of every price each poll brings, in order.

    Thread-safe: the scheduler may poll while other threads read.
    """

    def __init__(
        self,
        gateway: MarkPriceSource,
        clock: Clock,
        max_age_seconds: float,
        listeners: Iterable[PriceListener] = (),
    ) -> None:
        """Keep the collaborators; nothing is fetched until ``poll()``."""
        if not max_age_seconds > 0:
            raise ValueError("max_age_seconds must be positive")
        self._gateway = gateway
        self._clock = clock
        self._max_age = timedelta(seconds=max_age_seconds)
        self._listeners = list(listeners)
        self._lock = threading.Lock()
        self._latest: dict[str, ReceivedMark] = {}
        self._polls = 0

    def add_listener(self, listener: PriceListener) -> None:
        """Tell ``listener`` of every price from the next poll on."""
        with self._lock:
            self._listeners.append(listener)

    def poll(self) -> Mapping[str, MarkPrice]:
        """One ``fetch_mark_prices`` request; store and announce every price it brings.

        Returns:
            This poll's prices, keyed by Binance id.

        Raises:
            BotError: as the gateway raised it (``TemporaryExchangeError`` etc.); the
                prices from earlier polls are kept.
        """
        prices = self._gateway.fetch_mark_prices()
        received_at = self._clock()
        with self._lock:
            for symbol, mark in prices.items():
                self._latest[symbol] = ReceivedMark(mark, received_at)
            self._polls += 1
            listeners = list(self._listeners)
        # Outside the lock: a listener may call back into the feed. A failing listener is
        # a bug and propagates; the prices are already stored.
        for symbol, mark in prices.items():
            for listener in listeners:
                listener(symbol, mark.price)
        return dict(prices)

    def latest(self, symbol: str) -> MarkPrice | None:
        """The newest mark price of ``symbol`` (either form), or ``None``."""
        received = self.received(symbol)
        return received.mark if received is not None else None

    def received(self, symbol: str) -> ReceivedMark | None:
        """The newest mark price of ``symbol`` with its local receive time, or ``None``."""
        with self._lock:
            return self._latest.get(to_exchange_id(symbol))

    def snapshot(self) -> dict[str, MarkPrice]:
        """The newest mark price of every symbol seen so far."""
        with self._lock:
            return {symbol: r.mark for symbol, r in self._latest.items()}

    def is_fresh(self, symbol: str, now: datetime) -> bool:
        """True when ``symbol`` has a price whose exchange timestamp is at most
        ``max_age_seconds`` before ``now``."""
        mark = self.latest(symbol)
        return mark is not None and now - mark.timestamp <= self._max_age

    @property
    def polls(self) -> int:
        """Successful polls so far."""
        with self._lock:
            return self._polls
