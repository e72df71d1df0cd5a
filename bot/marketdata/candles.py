"""Candles as mark prices: the one conversion shared by CSV imports and downloads.

A backtest reads mark prices, not candles, so each candle becomes four prices along a
plausible path through it: the open at its start, then the extreme nearer the open, the
farther one, and the close just before the next candle. Stops and targets inside a candle
can then trigger in the order the price most likely reached them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from bot.marketdata.store import MarkPoint

POINTS_PER_CANDLE = 4


class Bar(NamedTuple):
    """One candle's open time (epoch milliseconds, UTC) and prices."""

    start_ms: int
    open: float
    high: float
    low: float
    close: float


def candle_marks(symbol: str, bars: Iterable[Bar], interval_ms: int) -> list[MarkPoint]:
    """The four mark prices of every bar of ``symbol`` (a Binance id), in bar order."""
    points: list[MarkPoint] = []
    for start, open_, high, low, close in bars:
        first, second = (low, high) if open_ - low <= high - open_ else (high, low)
        for offset, price in ((0, open_), (interval_ms // 3, first),
                              (2 * interval_ms // 3, second), (interval_ms - 1, close)):
            points.append(MarkPoint(symbol, start + offset, price))
    return points
