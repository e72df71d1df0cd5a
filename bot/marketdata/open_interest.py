"""Recorded open interest: the store, the download (``bot data download-oi``) and the bars a
backtest feeds the projected levels.

Open interest is kept per symbol every 5 minutes (``recorded_open_interest``); the periods
already downloaded are noted in ``price_downloads`` under the timeframe ``oi-5m``, so a period
is fetched once (one the exchange had nothing for is not asked again either). Binance serves
the last 30 days only.

``interval_bars`` joins stored open interest with the recorded mark prices of each 5-minute
interval (its open, high, low and close) into the projection model's bars: the entry stamped
``t`` closes the interval ``[t − 5 min, t)``, and only entries stamped at or before the asked
moment are returned, so a backtest never sees the future.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, Table, insert, select

from bot.domain import from_epoch_ms, to_epoch_ms
from bot.marketdata.downloads import Period, aligned_period, missing_periods
from bot.marketdata.models import RecordedOpenInterestRow
from bot.marketdata.store import HistoryStore, PriceSeries, mark_downloaded
from bot.symbols import to_exchange_id

log = logging.getLogger(__name__)

PERIOD_MS = 300_000
DOWNLOAD_TIMEFRAME = "oi-5m"
CHUNK_MS = 7 * 86_400_000  # a week of entries per fetch-and-store step (2,016 entries)
_OI: Table = RecordedOpenInterestRow.__table__  # type: ignore[assignment]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class _Point(Protocol):
    @property
    def time(self) -> datetime: ...

    @property
    def amount(self) -> float: ...

    @property
    def value(self) -> float | None: ...


class OpenInterestSource(Protocol):
    """Where open interest comes from (``bot.exchange.BinanceGateway``)."""

    def fetch_open_interest_history(self, symbol: str, since: datetime,
                                    until: datetime) -> Sequence[_Point]:
        """5-minute open interest stamped in ``[since, until)``, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class OpenInterestSeries:
    """One symbol's stored open interest in time order."""

    times_ms: IntArray
    amounts: FloatArray


class OpenInterestStore:
    """Reads and writes ``recorded_open_interest`` through an engine the caller owns
    (migrated to head)."""

    def __init__(self, engine: Engine) -> None:
        """Keep the engine."""
        self._engine = engine

    def add(self, symbol: str, points: Sequence[_Point],
            downloaded: Period | None = None) -> int:
        """Store ``points`` of ``symbol`` (repeats of a stored time are skipped) and, with
        ``downloaded``, mark that period as downloaded, in one transaction; returns the new
        rows."""
        key = to_exchange_id(symbol)
        with self._engine.begin() as conn:
            known = {int(t) for (t,) in conn.execute(select(_OI.c.time_ms).where(
                _OI.c.symbol == key, _OI.c.time_ms.in_([to_epoch_ms(p.time) for p in points])))}
            rows = {to_epoch_ms(p.time): p for p in points}
            fresh = [{"symbol": key, "time_ms": t, "amount": p.amount, "value": p.value}
                     for t, p in sorted(rows.items()) if t not in known]
            if fresh:
                conn.execute(insert(_OI), fresh)
            if downloaded is not None:
                mark_downloaded(conn, key, DOWNLOAD_TIMEFRAME, *downloaded)
            return len(fresh)

    def downloaded_periods(self, symbol: str) -> list[Period]:
        """The periods of ``symbol`` already downloaded, in time order."""
        return HistoryStore(self._engine).downloaded_periods(to_exchange_id(symbol),
                                                             DOWNLOAD_TIMEFRAME)

    def series(self, symbols: Sequence[str], start_ms: int | None = None,
               end_ms: int | None = None) -> dict[str, OpenInterestSeries]:
        """Stored open interest of ``symbols`` with ``start_ms <= time_ms < end_ms``."""
        result: dict[str, OpenInterestSeries] = {}
        with self._engine.connect() as conn:
            for symbol in symbols:
                query = select(_OI.c.time_ms, _OI.c.amount).where(
                    _OI.c.symbol == to_exchange_id(symbol))
                if start_ms is not None:
                    query = query.where(_OI.c.time_ms >= start_ms)
                if end_ms is not None:
                    query = query.where(_OI.c.time_ms < end_ms)
                rows = conn.execute(query.order_by(_OI.c.time_ms)).all()
                if rows:
                    table = np.array(rows, dtype=np.float64)
                    result[to_exchange_id(symbol)] = OpenInterestSeries(
                        table[:, 0].astype(np.int64), table[:, 1])
        return result


@dataclass(frozen=True, slots=True)
class OpenInterestDownload:
    """What one symbol's download did: the period asked, the parts fetched, rows new."""

    symbol: str
    period: Period
    fetched: tuple[Period, ...]
    points: int
    inserted: int


def download_open_interest(store: OpenInterestStore, source: OpenInterestSource,
                           symbols: Sequence[str], start: datetime, end: datetime,
                           now: datetime) -> list[OpenInterestDownload]:
    """Download what ``store`` lacks of ``[start, end)`` for each symbol (closed 5-minute
    periods only), a week per request-and-store step so an interruption resumes."""
    period = aligned_period(start, end, now, PERIOD_MS)
    results = []
    for symbol in (to_exchange_id(s) for s in symbols):
        missing = missing_periods(store.downloaded_periods(symbol), period)
        points = inserted = 0
        for gap_start, gap_end in missing:
            for chunk_start in range(gap_start, gap_end, CHUNK_MS):
                chunk_end = min(gap_end, chunk_start + CHUNK_MS)
                got = source.fetch_open_interest_history(
                    symbol, from_epoch_ms(chunk_start), from_epoch_ms(chunk_end))
                inserted += store.add(symbol, got, (chunk_start, chunk_end))
                points += len(got)
        log.info("%s: %d open-interest entries downloaded in %d period(s), %d new", symbol,
                 points, len(missing), inserted)
        results.append(OpenInterestDownload(symbol, period, tuple(missing), points, inserted))
    return results


def interval_bars(interest: OpenInterestSeries, prices: PriceSeries,
                  until_ms: int) -> tuple[IntArray, FloatArray, FloatArray, FloatArray,
                                          FloatArray, FloatArray]:
    """Stamps (≤ ``until_ms``), open interest and the open / high / low / close of the
    recorded prices of each entry's interval; entries whose interval holds no price are
    left out (nothing to price them at)."""
    stamps = interest.times_ms
    keep = stamps <= until_ms
    stamps, amounts = stamps[keep], interest.amounts[keep]
    times, values = prices.times_ms, prices.prices
    lo = np.searchsorted(times, stamps - PERIOD_MS, side="left")
    hi = np.searchsorted(times, stamps, side="left")
    has = hi > lo
    stamps, amounts, lo, hi = stamps[has], amounts[has], lo[has], hi[has]
    opens, closes = values[lo], values[hi - 1]
    highs = np.array([values[a:b].max() for a, b in zip(lo, hi, strict=True)], np.float64)
    lows = np.array([values[a:b].min() for a, b in zip(lo, hi, strict=True)], np.float64)
    return stamps, amounts, opens, highs, lows, closes
