"""Replay: recorded liquidations and mark prices pushed through a heatmap as if live.

Events are merged in time order and fed to ``add_liquidation`` / ``update_price`` while a
``ManualClock`` (the heatmap's clock) follows their times, so clusters decay exactly as they
did live. ``speed`` scales time: 1 is real time, 60 a minute per second, 0 as fast as
possible. ``on_tick`` is called about every ``tick_seconds`` of wall time (a display).

``replay_bulk`` is the full-speed form: whole chunks of events go in as numpy columns (see
``columns.py``) and prices are looked up, several times faster, with the same end state.
"""

from __future__ import annotations

import heapq
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.clock import ManualClock
from bot.domain import Liquidation, LiquidationSide, from_epoch_ms
from bot.heatmap import EventColumns, LiveLiquidationHeatmap
from bot.marketdata.store import LiquidationEvent, MarkPoint

_MIN_SLEEP = 0.02  # seconds: shorter waits are batched (sleep's own overhead dominates)


@dataclass(frozen=True, slots=True)
class ReplayStats:
    """What a replay pushed."""

    liquidations: int
    mark_prices: int
    first_ms: int | None
    last_ms: int | None


def replay(liquidations: Iterable[LiquidationEvent], marks: Iterable[MarkPoint],
           heatmap: LiveLiquidationHeatmap, clock: ManualClock, *, speed: float = 0.0,
           sleep: Callable[[float], None] = time.sleep,
           monotonic: Callable[[], float] = time.monotonic,
           on_tick: Callable[[], None] | None = None, tick_seconds: float = 0.5) -> ReplayStats:
    """Feed ``liquidations`` and ``marks`` (each in time order) to ``heatmap`` on ``clock``.

    Args:
        liquidations: recorded liquidations, oldest first.
        marks: recorded mark prices, oldest first.
        heatmap: the heatmap to feed (built with ``clock``).
        clock: moved to each event's time before it is fed.
        speed: simulated seconds per wall second; 0 = no waiting.
        sleep: waits (injected for tests).
        monotonic: wall seconds (injected for tests).
        on_tick: called about every ``tick_seconds`` of wall time, and once at the end.
        tick_seconds: see ``on_tick``.
    """
    counts = [0, 0]
    first: int | None = None
    last: int | None = None
    wall_start = monotonic()
    next_tick = wall_start + tick_seconds
    for time_ms, kind, event in _merged(liquidations, marks):
        if first is None:
            first = time_ms
        if speed > 0:
            lag = (time_ms - first) / 1000 / speed - (monotonic() - wall_start)
            if lag >= _MIN_SLEEP:
                sleep(lag)
        clock.set_ms(max(time_ms, clock.now_ms))
        _feed(heatmap, kind, event)
        counts[kind] += 1
        last = time_ms
        if on_tick is not None and monotonic() >= next_tick:
            on_tick()
            next_tick = monotonic() + tick_seconds
    if on_tick is not None:
        on_tick()
    return ReplayStats(counts[0], counts[1], first, last)


class LatestPrices(Protocol):
    """A period's mark prices as a full-speed replay needs them: the newest ones by time."""

    def latest(self, until_ms: int) -> Mapping[str, float]:
        """Each symbol's newest price at or before ``until_ms``."""
        ...

    def summary(self) -> tuple[int, int | None, int | None]:
        """How many prices the period holds, the first and the last time (None if none)."""
        ...


class MarksInMemory:
    """``LatestPrices`` over a list of mark prices (a file's, a test's)."""

    def __init__(self, marks: Iterable[MarkPoint]) -> None:
        times: dict[str, list[int]] = {}
        prices: dict[str, list[float]] = {}
        for mark in sorted(marks, key=lambda m: (m.symbol, m.time_ms)):
            times.setdefault(mark.symbol, []).append(mark.time_ms)
            prices.setdefault(mark.symbol, []).append(mark.price)
        self._times, self._prices = times, prices

    def latest(self, until_ms: int) -> dict[str, float]:
        """Each symbol's newest price at or before ``until_ms``."""
        out: dict[str, float] = {}
        for symbol, times in self._times.items():
            index = bisect_right(times, until_ms)
            if index:
                out[symbol] = self._prices[symbol][index - 1]
        return out

    def summary(self) -> tuple[int, int | None, int | None]:
        """How many prices there are, the first and the last time."""
        if not self._times:
            return 0, None, None
        return (sum(len(t) for t in self._times.values()),
                min(t[0] for t in self._times.values()),
                max(t[-1] for t in self._times.values()))


def replay_bulk(chunks: Iterable[Mapping[str, EventColumns]], marks: LatestPrices,
                heatmap: LiveLiquidationHeatmap, clock: ManualClock, *,
                monotonic: Callable[[], float] = time.monotonic,
                on_tick: Callable[[], None] | None = None,
                tick_seconds: float = 0.5) -> ReplayStats:
    """``replay`` at speed 0, a chunk of liquidations at a time (``add_liquidations``).

    Ends in the state ``replay`` ends in: the same events held (de-duplication is per event
    either way), every symbol's latest price and the clock at the last event. Between chunks
    the heatmap holds each symbol's newest price up to the chunk's last event; within a chunk
    the order of events is not kept, which nothing can observe, since clusters are computed
    only between chunks (when ``on_tick`` or a reader asks). Prices are looked up rather than
    fed one by one: a day holds 86,400 per symbol, and only the newest is ever seen.

    Args:
        chunks: liquidations in time order, as columns per symbol (``liquidation_columns``).
        marks: the period's mark prices.
        heatmap: the heatmap to feed (built with ``clock``).
        clock: moved to each chunk's last time.
        monotonic: wall seconds (injected for tests).
        on_tick: called about every ``tick_seconds`` of wall time, and once at the end.
        tick_seconds: see ``on_tick``.
    """
    liquidations = 0
    first: int | None = None
    last: int | None = None
    next_tick = monotonic() + tick_seconds
    for given in chunks:
        chunk = {symbol: columns for symbol, columns in given.items() if len(columns)}
        if not chunk:
            continue
        chunk_first = min(int(c.time_ms[0]) for c in chunk.values())
        chunk_last = max(int(c.time_ms[-1]) for c in chunk.values())
        first = chunk_first if first is None else min(first, chunk_first)
        last = chunk_last if last is None else max(last, chunk_last)
        for symbol, columns in chunk.items():
            heatmap.add_liquidations(symbol, columns)
            liquidations += len(columns)
        _set_prices(heatmap, marks.latest(chunk_last))
        clock.set_ms(max(chunk_last, clock.now_ms))
        if on_tick is not None and monotonic() >= next_tick:
            on_tick()
            next_tick = monotonic() + tick_seconds
    mark_count, marks_first, marks_last = marks.summary()
    if marks_first is not None:
        first = marks_first if first is None else min(first, marks_first)
    if marks_last is not None:
        last = marks_last if last is None else max(last, marks_last)
    if last is not None:
        _set_prices(heatmap, marks.latest(last))
        clock.set_ms(max(last, clock.now_ms))
    if on_tick is not None:
        on_tick()
    return ReplayStats(liquidations, mark_count, first, last)


def _set_prices(heatmap: LiveLiquidationHeatmap, prices: Mapping[str, float]) -> None:
    for symbol, price in prices.items():
        heatmap.update_price(symbol, price)


def _merged(liquidations: Iterable[LiquidationEvent],
            marks: Iterable[MarkPoint]) -> Iterator[tuple[int, int, LiquidationEvent | MarkPoint]]:
    # Kind 1 (price) sorts after kind 0 at the same millisecond: a liquidation is reported
    # at the price that caused it, before the next price.
    liq = ((e.time_ms, 0, e) for e in liquidations)
    mark = ((m.time_ms, 1, m) for m in marks)
    return heapq.merge(liq, mark, key=lambda item: (item[0], item[1]))


def _feed(heatmap: LiveLiquidationHeatmap, kind: int, event: LiquidationEvent | MarkPoint) -> None:
    if isinstance(event, LiquidationEvent):
        side: LiquidationSide = "long" if event.side == "long" else "short"
        heatmap.add_liquidation(Liquidation(event.symbol, side, event.price, event.quantity,
                                            from_epoch_ms(event.time_ms), event.venue))
    else:
        heatmap.update_price(event.symbol, event.price)
