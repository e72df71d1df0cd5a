"""Candles from the exchange into the store as mark prices, each period downloaded once.

``bot data download-prices`` asks for a period; only closed bars are wanted (a forming bar
would change), so the period is aligned to whole bars and ends at the last closed one. What
the store's ``price_downloads`` table says was already downloaded for that symbol and
timeframe is not asked for again; the rest is fetched in chunks, each stored with its
period in one transaction, so an interrupted download resumes where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain import from_epoch_ms, to_epoch_ms
from bot.exchange.models import Candle, timeframe_ms
from bot.marketdata.candles import Bar, candle_marks
from bot.marketdata.store import HistoryStore
from bot.symbols import to_exchange_id

log = logging.getLogger(__name__)

Period = tuple[int, int]
"""``[start_ms, end_ms)`` in epoch milliseconds, UTC."""

CHUNK_BARS = 50_000  # bars per fetch-and-store step: bounded memory, resumable progress


class CandleSource(Protocol):
    """Where candles come from (``bot.exchange.BinanceGateway``)."""

    def fetch_candles(self, symbol: str, timeframe: str, since: datetime,
                      until: datetime) -> Sequence[Candle]:
        """Candles opening in ``[since, until)``, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class DownloadResult:
    """What one symbol's download did.

    Attributes:
        symbol: the Binance id.
        timeframe: the bar length (``1m``, ``1h``, ...).
        period: the bar-aligned period of closed bars asked for (empty if none closed yet).
        fetched: the parts that were not cached and went to the exchange.
        candles: candles received.
        inserted: mark prices new to the store.
    """

    symbol: str
    timeframe: str
    period: Period
    fetched: tuple[Period, ...]
    candles: int
    inserted: int

    @property
    def cached(self) -> bool:
        """True when the whole period came from the cache (nothing was fetched)."""
        return not self.fetched


def aligned_period(start: datetime, end: datetime, now: datetime, step_ms: int) -> Period:
    """The bars of ``step_ms`` that open in ``[start, end)`` and have closed by ``now``."""
    first = to_epoch_ms(start) // step_ms * step_ms
    last = min(-(-to_epoch_ms(end) // step_ms) * step_ms, to_epoch_ms(now) // step_ms * step_ms)
    return first, max(first, last)


def missing_periods(covered: Sequence[Period], wanted: Period) -> list[Period]:
    """The parts of ``wanted`` outside every ``covered`` period (these sorted by start)."""
    start, end = wanted
    missing: list[Period] = []
    for cover_start, cover_end in covered:
        if cover_end <= start or cover_start >= end:
            continue
        if cover_start > start:
            missing.append((start, cover_start))
        start = max(start, cover_end)
    if start < end:
        missing.append((start, end))
    return missing


def download_prices(store: HistoryStore, source: CandleSource, symbols: Sequence[str],
                    timeframe: str, start: datetime, end: datetime, now: datetime, *,
                    chunk_bars: int = CHUNK_BARS) -> list[DownloadResult]:
    """Download what the store lacks of ``[start, end)`` for each symbol and store it.

    Args:
        store: holds the prices and the record of downloaded periods.
        source: fetches candles (the exchange gateway).
        symbols: either form (``BTCUSDT`` or ``BTC/USDT:USDT``).
        timeframe: a Binance kline interval (``1m`` ... ``1w``).
        start: the period's start (rounded down to a bar).
        end: its end, exclusive (rounded up to a bar, capped at the last closed bar).
        now: the current time.
        chunk_bars: bars fetched and stored per step.

    Raises:
        ValueError: an unknown timeframe or a non-positive ``chunk_bars``.
    """
    step = timeframe_ms(timeframe)
    if chunk_bars < 1:
        raise ValueError("chunk_bars must be positive")
    period = aligned_period(start, end, now, step)
    return [_download_symbol(store, source, to_exchange_id(s), timeframe, step, period,
                             chunk_bars) for s in symbols]


def _download_symbol(store: HistoryStore, source: CandleSource, symbol: str, timeframe: str,
                     step: int, period: Period, chunk_bars: int) -> DownloadResult:
    missing = missing_periods(store.downloaded_periods(symbol, timeframe), period)
    candles = inserted = 0
    for gap_start, gap_end in missing:
        for chunk_start in range(gap_start, gap_end, chunk_bars * step):
            chunk_end = min(gap_end, chunk_start + chunk_bars * step)
            got = source.fetch_candles(symbol, timeframe, from_epoch_ms(chunk_start),
                                       from_epoch_ms(chunk_end))
            bars = [Bar(to_epoch_ms(c.open_time), c.open, c.high, c.low, c.close) for c in got]
            points = candle_marks(symbol, bars, step)
            inserted += store.add_downloaded_prices(points, symbol, timeframe, chunk_start,
                                                    chunk_end)
            candles += len(bars)
    log.info("%s %s: %d candles downloaded in %d period(s), %d new prices", symbol,
             timeframe, candles, len(missing), inserted)
    return DownloadResult(symbol, timeframe, period, tuple(missing), candles, inserted)


__all__ = ["CandleSource", "DownloadResult", "Period", "aligned_period", "download_prices",
           "missing_periods"]
