"""The heatmap's projected layer: open interest fetched in the background, levels clustered.

``ProjectedLayer`` keeps one ``ProjectionModel`` (``bot.heatmap.projection``) current from
an ``IntervalSource`` (5-minute open interest joined with 5-minute klines) and hands out the
levels as ``LiquidationCluster`` objects of ``kind`` ``"projected"``. ``ProjectionRefresher``
is the thread that refreshes it: a warm start over the lookback at once, then every
``interval`` seconds, never on the caller's (the signal loop's) thread.

Joining rule: the open interest Binance stamps ``t`` is the open interest at ``t``; the
interval it closes is the candle opening at ``t − 5 min``. Its change is opened (or closed)
at that candle's prices. An entry without its candle is skipped (nothing to price it at).

Clustering: the realised clustering (``bot.heatmap.clustering``) with the heatmap's window.
Two of its settings differ, because a projected level is not one liquidation: the minimum
size is 1 (one level already merges every position of one interval, tier and price bucket),
and the time decay is the lookback instead of the realised one (a projected level stays at
risk until it is traded through or open interest falls, so a position opened at the start of
the lookback weighs ``e⁻¹`` of a fresh one rather than nothing).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np

from bot.domain import LiquidationCluster, from_epoch_ms, to_epoch_ms
from bot.errors import BotError
from bot.heatmap.clustering import ClusterParams, ClusterRow, cluster_table, clusters_from_rows
from bot.heatmap.projection import BarColumns, ProjectionModel

log = logging.getLogger(__name__)

PERIOD_MS = 300_000  # Binance's finest open-interest period
_PERIOD = timedelta(milliseconds=PERIOD_MS)


class _Point(Protocol):
    @property
    def time(self) -> datetime: ...

    @property
    def amount(self) -> float: ...


class _Candle(Protocol):
    @property
    def open_time(self) -> datetime: ...

    @property
    def open(self) -> float: ...

    @property
    def high(self) -> float: ...

    @property
    def low(self) -> float: ...

    @property
    def close(self) -> float: ...


class OpenInterestGateway(Protocol):
    """The two public reads the layer needs (``bot.exchange.BinanceGateway`` has them)."""

    def fetch_open_interest_history(self, symbol: str, since: datetime,
                                    until: datetime) -> Sequence[_Point]:
        """Open interest every 5 minutes stamped in ``[since, until)``, oldest first."""
        ...

    def fetch_candles(self, symbol: str, timeframe: str, since: datetime,
                      until: datetime) -> Sequence[_Candle]:
        """Klines opening in ``[since, until)``, oldest first."""
        ...


def join_intervals(points: Sequence[_Point], candles: Sequence[_Candle]) -> BarColumns:
    """Open interest and candles as model bars (the module's joining rule)."""
    by_open = {to_epoch_ms(c.open_time): c for c in candles}
    rows = []
    for point in points:
        stamp = to_epoch_ms(point.time)
        candle = by_open.get(stamp - PERIOD_MS)
        if candle is not None:
            rows.append((stamp, point.amount, candle.open, candle.high, candle.low, candle.close))
    if not rows:
        empty = np.empty(0, np.float64)
        return BarColumns(np.empty(0, np.int64), empty, empty, empty, empty, empty, empty)
    table = np.array(rows, dtype=np.float64)
    return BarColumns(table[:, 0].astype(np.int64), table[:, 1], table[:, 2], table[:, 3],
                      table[:, 4], table[:, 5], np.full(len(rows), np.nan))


class GatewayIntervals:
    """Model bars of one symbol over a time range, read through the exchange gateway."""

    def __init__(self, gateway: OpenInterestGateway) -> None:
        """Keep the gateway (its request gate and retries apply to every read)."""
        self._gateway = gateway

    def __call__(self, symbol: str, since: datetime, until: datetime) -> BarColumns:
        """Bars stamped in ``[since, until)`` (two reads: open interest, then klines)."""
        points = self._gateway.fetch_open_interest_history(symbol, since, until)
        if not points:
            return join_intervals(points, [])
        candles = self._gateway.fetch_candles(symbol, "5m", points[0].time - _PERIOD,
                                              points[-1].time)
        return join_intervals(points, candles)


IntervalSource = Callable[[str, datetime, datetime], BarColumns]
"""Returns one symbol's model bars stamped in ``[since, until)`` (``GatewayIntervals``)."""


@dataclass(slots=True)
class _Cached:
    version: int
    rows: list[ClusterRow]
    computed_at: datetime


class ProjectedLayer:
    """Projected liquidation levels per symbol, kept current from an ``IntervalSource``.

    Thread-safe: the refresher thread updates while the signal loop reads.

    Args:
        source: reads the bars.
        model: the projection model (its leverage mix and brackets).
        params: the clustering window (minimum size and decay: see the module docstring).
        lookback_hours: how far back the warm start reads.
        clock: the current UTC time.
    """

    def __init__(self, source: IntervalSource, model: ProjectionModel, params: ClusterParams,
                 lookback_hours: float, clock: Callable[[], datetime]) -> None:
        """Nothing is read until ``refresh``."""
        self._source = source
        self._model = model
        self._params = replace(params, time_decay_minutes=lookback_hours * 60,
                               min_cluster_size=1)
        self._lookback = timedelta(hours=lookback_hours)
        self._clock = clock
        self._lock = threading.Lock()
        self._versions: dict[str, int] = {}
        self._cache: dict[str, _Cached] = {}
        self._ranges: dict[str, list[float]] = {}
        self.last_refresh_at: datetime | None = None
        self.last_error: str | None = None

    def refresh(self, symbols: Sequence[str]) -> int:
        """Read each symbol's bars newer than the model holds (the lookback at first) and
        apply them; returns the bars applied. A symbol whose read fails is logged, kept as
        it was, and tried again next time."""
        now = self._clock()
        applied = 0
        for symbol in symbols:
            with self._lock:
                last = self._model.last_time_ms(symbol)
            since = now - self._lookback if last is None else from_epoch_ms(last + 1)
            try:
                bars = self._source(symbol, since, now)
            except BotError as e:
                self.last_error = f"{symbol}: {e}"
                log.warning("projected levels of %s not refreshed: %s", symbol, e)
                continue
            with self._lock:
                count = self._model.update_columns(symbol, bars)
                if count:
                    self._versions[symbol] = self._versions.get(symbol, 0) + 1
            applied += count
        self.last_refresh_at = now
        return applied

    def note_price(self, symbol: str, price: float) -> None:
        """Widen the range ``symbol`` has traded since the last read (called for every mark;
        plain dict work without the lock: a value lost to a race is the current price,
        which the next read passes anyway)."""
        seen = self._ranges.get(symbol)
        if seen is None:
            self._ranges[symbol] = [price, price]
        elif price < seen[0]:
            seen[0] = price
        elif price > seen[1]:
            seen[1] = price

    def clusters(self, symbol: str, price: float | None) -> list[LiquidationCluster]:
        """The levels of ``symbol`` clustered, strongest first. The prices seen since the
        last read (``note_price``) and ``price`` consume what they traded through;
        ``price`` sets ``distance_from_price``."""
        with self._lock:
            seen = self._ranges.pop(symbol, None)
            low, high = (seen[0], seen[1]) if seen is not None else (np.inf, -np.inf)
            if price is not None:
                low, high = min(low, price), max(high, price)
            if low <= high and self._model.consume(symbol, low, high):
                self._versions[symbol] = self._versions.get(symbol, 0) + 1
            version = self._versions.get(symbol, 0)
            cached = self._cache.get(symbol)
            if cached is None or cached.version != version:
                now = self._clock()
                events = self._model.levels(symbol).to_event_columns()
                rows = cluster_table(events, now=now, params=self._params).rows()
                cached = _Cached(version, rows, now)
                self._cache[symbol] = cached
        # replace() rather than a kind argument: the realised path builds clusters
        # positionally and stays untouched.
        return [replace(c, kind="projected")
                for c in clusters_from_rows(cached.rows, symbol, cached.computed_at, price)]


class ProjectionRefresher:
    """The background thread that refreshes a ``ProjectedLayer`` every ``interval`` s.

    Args:
        layer: what to refresh.
        symbols: the symbols to keep current (read at every round).
        interval: seconds between rounds (the first runs at once: the warm start).
    """

    def __init__(self, layer: ProjectedLayer, symbols: Callable[[], Sequence[str]],
                 interval: float) -> None:
        """Not started yet."""
        self._layer = layer
        self._symbols = symbols
        self._interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Run the warm start and the periodic refreshes on a daemon thread."""
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="heatmap-projection",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 0.4) -> None:
        """Ask the thread to end and wait up to ``timeout`` s (a read in flight finishes
        on its own; the thread is a daemon)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._layer.refresh(self._symbols())
            except Exception:  # a bad round must not end the refresher
                log.exception("projected levels refresh failed")
            if self._stopping.wait(self._interval):
                return
