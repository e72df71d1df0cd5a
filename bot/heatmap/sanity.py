"""Market-data sanity at the edge: what a parsed event must satisfy before anything stores it.

Every venue's parser turns a frame into typed ``Liquidation`` / ``MarkPrice`` objects that are
well formed (finite, positive numbers; a timestamp). Well formed is not plausible: a hostile
or broken feed can send a liquidation of 1e20 BTC, a price of 5e-324, an event stamped an hour
ahead, a mark price stamped in 1970, or a hundred thousand made-up symbols. The rules here are
venue-agnostic, so each new venue's parser passes its output through the same gate.

Stateless rules (``value_problem``, ``symbol_problem``), applied to every source of events
(streams, replays, CSV imports):

* price within ``[MIN_PRICE, MAX_PRICE]`` (1e-9 .. 1e9 USD): the cheapest perpetual trades
  near 1e-6 and the dearest near 1e5, so anything outside is a unit error or an attack; the
  lower bound also keeps denormal floats (5e-324) out of the clustering's divisions;
* notional (price × quantity) within ``[MIN_NOTIONAL_USD, MAX_NOTIONAL_USD]`` (1e-6 .. 1e10
  USD): ten billion dollars in one liquidation is a hundred times the largest ever reported,
  and a millionth of a dollar keeps the clustering's sums clear of float underflow;
* symbol: 2–40 letters or digits (``SYMBOL_PATTERN``), no control characters, spaces or
  punctuation. Unicode letters are allowed on purpose: Binance lists perpetuals such as
  ``币安人生USDT``.

Stateful rules (``MarketGuard``), applied to live streams where a receive time is meaningful:

* a liquidation more than ``max_mark_deviation`` (50 %) away from the symbol's current mark
  price is refused (no mark known yet: not checked);
* an event stamped more than ``future_tolerance_ms`` (5 s) after its receive time is refused,
  not clamped: a clamped time would invent an age, and the counter makes a skewed local clock
  visible instead of silently re-dating data;
* a mark price older than the newest one already taken for its symbol, or older than
  ``max_mark_age_ms`` (10 minutes) at receipt, never overwrites the current price;
* a symbol outside the subscribed set is refused; on all-market streams (no set) at most
  ``max_symbols`` distinct symbols are taken, so made-up names cannot exhaust memory.

Each refusal is counted by reason (``MarketGuard.rejected``), which ``health()`` shows.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from bot.domain import Liquidation, MarkPrice, to_epoch_ms
from bot.heatmap.store import EventColumns

if TYPE_CHECKING:
    from bot.heatmap.parse import Row

MIN_PRICE = 1e-9
"""Lowest plausible price in USD."""

MAX_PRICE = 1e9
"""Highest plausible price in USD."""

MAX_NOTIONAL_USD = 1e10
"""Largest plausible notional of one liquidation, in USD."""

MIN_NOTIONAL_USD = 1e-6
"""Smallest notional taken: keeps sums away from underflow (Binance's minimum is ~5 USD)."""

MAX_MARK_DEVIATION = 0.5
"""A liquidation further than this fraction from the current mark price is refused."""

FUTURE_TOLERANCE_MS = 5_000
"""How far after its receive time an event may be stamped (clock skew, not data)."""

MAX_MARK_AGE_MS = 600_000
"""A mark price stamped longer ago than this at receipt never becomes the current price."""

MAX_SYMBOLS = 2_000
"""Distinct symbols an all-market stream may create buffers for (Binance lists ~600)."""

SYMBOL_PATTERN = re.compile(r"[^\W_]{2,40}")
"""A valid symbol: 2 to 40 letters or digits (Unicode letters included), nothing else."""


class Reason:
    """The names under which refusals are counted (``health().rejected`` keys)."""

    PRICE = "price_out_of_range"
    NOTIONAL = "notional_out_of_range"
    SYMBOL = "invalid_symbol"
    UNSUBSCRIBED = "unsubscribed_symbol"
    SYMBOL_CAP = "too_many_symbols"
    FAR_FROM_MARK = "price_far_from_mark"
    FUTURE = "timestamp_in_future"
    STALE_MARK = "stale_mark_price"


def value_problem(price: float, quantity: float) -> str | None:
    """The reason a (price, quantity) pair is implausible, or None when it is fine.

    Non-finite and non-positive values are refused too, so callers need no other check.
    """
    if not MIN_PRICE <= price <= MAX_PRICE:  # False for NaN as well
        return Reason.PRICE
    if not 0.0 < quantity < math.inf:
        return Reason.NOTIONAL
    if not MIN_NOTIONAL_USD <= price * quantity <= MAX_NOTIONAL_USD:
        return Reason.NOTIONAL
    return None


def plausible_columns(events: EventColumns) -> tuple[EventColumns, dict[str, int]]:
    """``value_problem`` over a batch: the plausible events, and the refused ones by reason."""
    price, quantity = events.price, events.quantity
    with np.errstate(over="ignore", invalid="ignore"):
        price_ok = (price >= MIN_PRICE) & (price <= MAX_PRICE)
        notional = price * quantity
        notional_ok = (quantity > 0) & (quantity < math.inf)
        notional_ok &= (notional >= MIN_NOTIONAL_USD) & (notional <= MAX_NOTIONAL_USD)
    keep = price_ok & notional_ok
    refused = {Reason.PRICE: int((~price_ok).sum()),
               Reason.NOTIONAL: int((price_ok & ~notional_ok).sum())}
    if bool(keep.all()):
        return events, {}
    venue = events.venue[keep] if events.venue is not None else None
    kept = EventColumns(events.time_ms[keep], price[keep], quantity[keep], events.is_long[keep],
                        venue)
    return kept, {reason: count for reason, count in refused.items() if count}


def symbol_problem(symbol: str) -> str | None:
    """``Reason.SYMBOL`` unless ``symbol`` matches ``SYMBOL_PATTERN``."""
    return None if SYMBOL_PATTERN.fullmatch(symbol) else Reason.SYMBOL


class MarketGuard:
    """The stateful gate of one live connection's events; counts every refusal by reason.

    Thread safety: called from the stream thread; ``rejected`` may be read from any thread
    (a snapshot is taken under a lock).
    """

    def __init__(
        self,
        symbols: Collection[str] | None = None,
        *,
        max_symbols: int = MAX_SYMBOLS,
        max_mark_deviation: float = MAX_MARK_DEVIATION,
        future_tolerance_ms: int = FUTURE_TOLERANCE_MS,
        max_mark_age_ms: int = MAX_MARK_AGE_MS,
    ) -> None:
        """Create a gate.

        Args:
            symbols: the subscribed symbols (Binance ids); None for an all-market stream.
            max_symbols: distinct symbols admitted when ``symbols`` is None (≥ 1).
            max_mark_deviation: fraction a liquidation may lie from the mark (> 0).
            future_tolerance_ms: how far ahead of receipt an event may be stamped (≥ 0).
            max_mark_age_ms: oldest a mark price may be at receipt to be taken (> 0).
        """
        if max_symbols < 1:
            raise ValueError(f"max_symbols: expected at least 1, got {max_symbols!r}")
        self._subscribed = frozenset(symbols) if symbols is not None else None
        self._max_symbols = max_symbols
        self._max_deviation = max_mark_deviation
        self._future_ms = future_tolerance_ms
        self._max_age_ms = max_mark_age_ms
        self._seen: set[str] = set()
        self._mark_ms: dict[str, int] = {}
        self._rejected: Counter[str] = Counter()
        self._lock = threading.Lock()

    def subscribe(self, symbols: Collection[str] | None) -> None:
        """Take only ``symbols`` from now on (None: any valid symbol, up to the cap)."""
        self._subscribed = frozenset(symbols) if symbols is not None else None

    @property
    def rejected(self) -> Mapping[str, int]:
        """Refusals so far, by reason (a copy)."""
        with self._lock:
            return dict(self._rejected)

    def reject(self, reason: str, count: int = 1) -> None:
        """Count ``count`` refusals under ``reason`` (also for checks made elsewhere)."""
        with self._lock:
            self._rejected[reason] += count

    def admit_liquidation(self, liquidation: Liquidation, received_ms: int,
                          mark_price: float | None) -> bool:
        """True when ``liquidation`` may be stored; otherwise the refusal is counted."""
        reason = self._liquidation_refusal(
            liquidation.symbol, liquidation.price, liquidation.quantity,
            to_epoch_ms(liquidation.timestamp), received_ms, mark_price)
        return self._verdict(reason, liquidation.symbol)

    def admit_rows(self, rows: Sequence[Row], received_ms: int,
                   mark_prices: Mapping[str, float]) -> list[Row]:
        """The rows of one frame that may be stored (``admit_liquidation`` for each, in order,
        each checked against its symbol's entry of ``mark_prices``); refusals are counted."""
        admitted: list[Row] = []
        refusal, seen, mark = self._liquidation_refusal, self._seen, mark_prices.get
        for row in rows:
            symbol, _, price, quantity, time_ms = row
            reason = refusal(symbol, price, quantity, time_ms, received_ms, mark(symbol))
            if reason is None:
                seen.add(symbol)  # as _verdict: only admitted events take a symbol slot
                admitted.append(row)
            else:
                self.reject(reason)
        return admitted

    def _liquidation_refusal(self, symbol: str, price: float, quantity: float, time_ms: int,
                             received_ms: int, mark_price: float | None) -> str | None:
        # The rules in the module docstring's order, so the reason counted stays the same.
        reason = self._symbol_refusal(symbol) or value_problem(price, quantity)
        if reason is not None:
            return reason
        if time_ms > received_ms + self._future_ms:
            return Reason.FUTURE
        return _mark_refusal(price, mark_price, self._max_deviation)

    def admit_mark(self, mark: MarkPrice, received_ms: int) -> bool:
        """True when ``mark`` may become its symbol's current price; else counted."""
        stamped = to_epoch_ms(mark.timestamp)
        reason = (
            self._symbol_refusal(mark.symbol)
            or (Reason.PRICE if not MIN_PRICE <= mark.price <= MAX_PRICE else None)
            or (Reason.FUTURE if stamped > received_ms + self._future_ms else None)
            or self._stale_refusal(mark.symbol, stamped, received_ms)
        )
        if reason is None:
            self._mark_ms[mark.symbol] = stamped
        return self._verdict(reason, mark.symbol)

    def _verdict(self, reason: str | None, symbol: str) -> bool:
        if reason is None:
            # Only admitted events take one of the capped symbol slots.
            self._seen.add(symbol)
            return True
        self.reject(reason)
        return False

    def _symbol_refusal(self, symbol: str) -> str | None:
        if symbol in self._seen:
            return None
        if self._subscribed is not None:
            if symbol not in self._subscribed:
                return Reason.UNSUBSCRIBED
        else:
            problem = symbol_problem(symbol)
            if problem is not None:
                return problem
            if len(self._seen) >= self._max_symbols:
                return Reason.SYMBOL_CAP
        return None

    def _stale_refusal(self, symbol: str, stamped_ms: int, received_ms: int) -> str | None:
        if stamped_ms < received_ms - self._max_age_ms:
            return Reason.STALE_MARK
        newest = self._mark_ms.get(symbol)
        return Reason.STALE_MARK if newest is not None and stamped_ms < newest else None


def _mark_refusal(price: float, mark_price: float | None, max_deviation: float) -> str | None:
    if mark_price is None or not mark_price > 0:
        return None
    return Reason.FAR_FROM_MARK if abs(price / mark_price - 1.0) > max_deviation else None
