"""Replay: recorded liquidations and mark prices pushed through a heatmap as if live.

Events are merged in time order and fed to ``add_liquidation`` / ``update_price`` while a
``ManualClock`` (the heatmap's clock) follows their times, so clusters decay exactly as they
did live. ``speed`` scales time: 1 is real time, 60 a minute per second, 0 as fast as
possible. ``on_tick`` is called about every ``tick_seconds`` of wall time (a display).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot.domain import Liquidation, LiquidationSide, from_epoch_ms
from bot.heatmap import LiveLiquidationHeatmap
from bot.history.clock import ManualClock
from bot.history.store import LiquidationEvent, MarkPoint

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
                                            from_epoch_ms(event.time_ms)))
    else:
        heatmap.update_price(event.symbol, event.price)
