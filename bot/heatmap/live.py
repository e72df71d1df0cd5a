"""``LiveLiquidationHeatmap``: the public heatmap, wiring stream → parser → store → clusters.

The stream thread parses each frame and stores its liquidations and mark prices; a separate
updater thread recomputes every symbol's clusters each ``update_interval`` seconds and
publishes them by swapping one reference, so ``get_clusters`` never waits for clustering.
Without a running updater (no ``start_stream``: replays, tests, scripts), ``get_clusters``
recomputes a symbol on demand when its data changed or its clusters are older than
``update_interval``.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bot.clock import utc_now
from bot.domain import Liquidation, LiquidationCluster, MarkPrice, to_epoch_ms
from bot.heatmap.clustering import (
    ClusterParams,
    ClusterRow,
    ClusterTable,
    cluster_table,
    clusters_from_rows,
    price_order,
)
from bot.heatmap.parse import parse_frame
from bot.heatmap.sanity import (
    MAX_PRICE,
    MAX_SYMBOLS,
    MIN_PRICE,
    MarketGuard,
    Reason,
    plausible_columns,
    symbol_problem,
    value_problem,
)
from bot.heatmap.store import EventColumns, LiquidationStore
from bot.heatmap.stream import MarketStream, ReconnectPolicy
from bot.heatmap.urls import DEFAULT_WS_BASE_URL, stream_names, stream_url
from bot.symbols import to_exchange_id

log = logging.getLogger(__name__)

WS_URL_ENV = "BOT_EXCHANGE__WS_URL"

# Binance allows 200 streams per connection; beyond that, take the all-market streams.
_MAX_NAMED_SYMBOLS = 100
_MAX_WAIT_SECONDS = 86_400




@dataclass(frozen=True, slots=True)
class HeatmapHealth:
    """A snapshot of the heatmap's connection and data counters."""

    connected: bool
    messages: int
    parse_errors: int
    reconnects: int
    last_message_at: datetime | None
    control_messages: int
    liquidations: int
    duplicates: int
    mark_prices: int
    last_refresh_at: datetime | None
    url: str | None
    rejected: Mapping[str, int] = field(default_factory=dict)
    """Well-formed events refused as implausible, by reason (``bot.heatmap.sanity.Reason``)."""


@dataclass(slots=True)
class _Published:
    """One symbol's latest clusters: numeric table, and objects built on first request."""

    table: ClusterTable
    version: int
    computed_at: datetime
    clusters: tuple[LiquidationCluster, ...] | None = None
    price: float | None = None
    rows: list[ClusterRow] | None = None


@dataclass(slots=True)
class _Counters:
    messages: int = 0
    parse_errors: int = 0
    control: int = 0
    liquidations: int = 0
    duplicates: int = 0
    mark_prices: int = 0
    last_message_at: float | None = None  # epoch seconds


class HeatmapListener(Protocol):
    """Told of each symbol's news as it happens (the trading loop's event-driven decisions).

    Called on the heatmap's own threads (stream, updater): keep it quick, hand work off.
    """

    def mark_price(self, mark: MarkPrice) -> None:
        """A mark price from the stream was admitted."""

    def clusters_changed(self, symbol: str) -> None:
        """``symbol``'s clusters were recomputed by a refresh (``refresh()``, the updater)."""


class LiveLiquidationHeatmap:
    """Live liquidation clusters per symbol from Binance's forceOrder streams."""

    def __init__(
        self,
        cluster_window_pct: float = 0.02,
        min_cluster_size: int = 5,
        time_decay_minutes: float = 60,
        update_interval: float = 5.0,
        buffer_size: int = 10_000,
        ws_base_url: str | None = None,
        *,
        silence_timeout: float = 5.0,
        max_symbols: int = MAX_SYMBOLS,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        """Create a heatmap; nothing connects until ``start_stream``.

        Args:
            cluster_window_pct: max span of a cluster as a fraction, in (0, 1].
            min_cluster_size: fewest members a cluster may have (≥ 1).
            time_decay_minutes: weight = exp(-age_minutes / time_decay_minutes); > 0.
            update_interval: seconds between background cluster updates; > 0.
            buffer_size: liquidations kept per symbol (≥ 1), the oldest dropped first.
            ws_base_url: Binance's market-stream base, or a simulator's. Unset: the
                ``BOT_EXCHANGE__WS_URL`` environment variable if set (the bot's own setting,
                so scripts follow the same switch), else Binance's 2026 ``/market`` base.
            silence_timeout: seconds without any frame before the socket is replaced.
            max_symbols: most distinct symbols an all-market stream may create buffers for.
            clock: returns the current UTC time (tests pass a fake).
            rng: jitter source for reconnect backoff.
        """
        self._params = ClusterParams(cluster_window_pct, min_cluster_size, time_decay_minutes)
        # Bounded above too: a wait of 1e300 s raises OverflowError inside the updater thread,
        # which would end it silently and freeze the clusters.
        if not 0 < update_interval <= _MAX_WAIT_SECONDS:
            raise ValueError(f"update_interval: expected seconds in (0, {_MAX_WAIT_SECONDS}], "
                             f"got {update_interval!r}")
        if not 0 < silence_timeout <= _MAX_WAIT_SECONDS:
            raise ValueError(f"silence_timeout: expected seconds in (0, {_MAX_WAIT_SECONDS}], "
                             f"got {silence_timeout!r}")
        self._update_interval = float(update_interval)
        self._ws_base_url = ws_base_url or os.environ.get(WS_URL_ENV) or DEFAULT_WS_BASE_URL
        self._policy = ReconnectPolicy(silence_timeout=silence_timeout)
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 - jitter only
        self._store = LiquidationStore(buffer_size)
        self._prices: dict[str, float] = {}
        self._published: dict[str, _Published] = {}
        self._orders: dict[str, npt.NDArray[np.intp]] = {}
        self._refresh_lock = threading.Lock()
        self._counters = _Counters()
        self._connected = False
        # Every streamed event passes this gate (bot.heatmap.sanity documents the rules).
        self._guard = MarketGuard(max_symbols=max_symbols)
        self._stream: MarketStream | None = None
        self._updater: threading.Thread | None = None
        self._stopping = threading.Event()
        self._last_refresh_at: datetime | None = None
        self._past_reconnects = 0  # of streams already stopped, so health() keeps counting
        self._listener: HeatmapListener | None = None

    def set_listener(self, listener: HeatmapListener | None) -> None:
        """Tell ``listener`` of every admitted stream mark price and cluster refresh."""
        self._listener = listener

    # -- streaming -------------------------------------------------------------------------

    def start_stream(self, symbols: Sequence[str] | None = None) -> None:
        """Connect to the liquidation and mark-price streams of ``symbols`` and return at once.

        ``None`` or ``[]`` subscribes to every symbol. Starts the background cluster updater.
        """
        if self._stream is not None:
            raise RuntimeError("stream already started; call stop_stream() first")
        wanted = [to_exchange_id(s) for s in symbols or []]
        too_many = len(wanted) > _MAX_NAMED_SYMBOLS
        names = stream_names(None if too_many else wanted)
        # A named subscription takes its symbols only, whatever else a frame claims.
        self._guard.subscribe(wanted or None)
        self._stopping.clear()
        self._stream = MarketStream(
            stream_url(self._ws_base_url, names), self.handle_frame,
            policy=self._policy, rng=self._rng, on_state=self._set_connected,
        )
        self._stream.start()
        self._updater = threading.Thread(target=self._update_loop, name="heatmap-updater",
                                         daemon=True)
        self._updater.start()

    def stop_stream(self) -> None:
        """Close the socket and join the stream, watchdog and updater threads (within 2 s)."""
        self._stopping.set()
        if self._stream is not None:
            if not self._stream.stop(timeout=1.5):
                log.warning("stream threads did not end in time")
            self._past_reconnects += self._stream.reconnects
            self._stream = None
        if self._updater is not None:
            self._updater.join(timeout=0.4)
            self._updater = None
        self._connected = False

    def handle_frame(self, frame: str | bytes) -> None:
        """Parse one raw stream frame and store what it holds (also for replays and tests)."""
        parsed = parse_frame(frame)
        counters = self._counters
        counters.messages += 1
        # Wall time as a float: a datetime per frame costs more than the rest of the counting.
        counters.last_message_at = time.time()
        if parsed.control:
            counters.control += 1
            return
        if parsed.errors:
            counters.parse_errors += parsed.errors
            log.debug("skipped malformed frame: %s", parsed.error_detail)
        received_ms = to_epoch_ms(self._clock())
        guard, prices, listener = self._guard, self._prices, self._listener
        for mark in parsed.mark_prices:
            if guard.admit_mark(mark, received_ms):
                prices[mark.symbol] = mark.price
                counters.mark_prices += 1
                if listener is not None:
                    listener.mark_price(mark)
        store = self._store
        for liquidation in parsed.liquidations:
            # Parsed symbols are already Binance ids: no need for add_liquidation's rename.
            if guard.admit_liquidation(liquidation, received_ms,
                                       prices.get(liquidation.symbol)):
                if store.add(liquidation):
                    counters.liquidations += 1
                else:
                    counters.duplicates += 1

    def _set_connected(self, connected: bool) -> None:
        self._connected = connected

    # -- data in ---------------------------------------------------------------------------

    def add_liquidation(self, liquidation: Liquidation) -> bool:
        """Store one liquidation; False (and nothing stored) if it repeats one already held."""
        if "/" in liquidation.symbol:
            liquidation = replace(liquidation, symbol=to_exchange_id(liquidation.symbol))
        problem = symbol_problem(liquidation.symbol) or value_problem(liquidation.price,
                                                                      liquidation.quantity)
        if problem is not None:
            # Replays and callers get the stateless rules: the clustering never sees
            # values it cannot sum (bot.heatmap.sanity).
            self._guard.reject(problem)
            return False
        stored = self._store.add(liquidation)
        if stored:
            self._counters.liquidations += 1
        else:
            self._counters.duplicates += 1
        return stored

    def add_liquidations(self, symbol: str, events: EventColumns) -> int:
        """Store a batch of one symbol's events at once (replays, imports); returns new count.

        The same result as ``add_liquidation`` per event, with array operations instead.
        """
        key = to_exchange_id(symbol)
        if symbol_problem(key) is not None:
            self._guard.reject(Reason.SYMBOL, len(events))
            return 0
        kept, refused = plausible_columns(events)
        for reason, count in refused.items():
            self._guard.reject(reason, count)
        stored = self._store.add_many(key, kept)
        self._counters.liquidations += stored
        self._counters.duplicates += len(kept) - stored
        return stored

    def update_price(self, symbol: str, price: float) -> None:
        """Set the current (mark) price of ``symbol``; the latest value wins.

        A positive price outside the plausible range (``bot.heatmap.sanity``) is counted as
        rejected and ignored: a distance to a price of 5e-324 would be infinite.
        """
        if not price > 0:
            raise ValueError(f"price must be positive, got {price!r}")
        if not MIN_PRICE <= price <= MAX_PRICE:
            self._guard.reject(Reason.PRICE)
            return
        self._prices[to_exchange_id(symbol)] = float(price)

    def get_price(self, symbol: str) -> float | None:
        """The current price of ``symbol``, or None if none is known yet."""
        return self._prices.get(to_exchange_id(symbol))

    # -- clusters out ----------------------------------------------------------------------

    def get_clusters(self, symbol: str) -> list[LiquidationCluster]:
        """The latest clusters of ``symbol``, strongest first (``distance_from_price`` current)."""
        key = to_exchange_id(symbol)
        published = self._published.get(key)
        if self._updater is None and self._is_stale(key, published):
            published = self._refresh_symbol(key)
        if published is None:
            return []
        price = self._prices.get(key)
        clusters = published.clusters
        if clusters is None or price != published.price:
            # Built lazily (and kept) so a refresh of every symbol is pure array work.
            if published.rows is None:
                published.rows = published.table.rows()
            clusters = tuple(clusters_from_rows(published.rows, key, published.computed_at,
                                                price))
            published.clusters, published.price = clusters, price
        return list(clusters)

    def get_best_cluster(
        self, symbol: str, min_strength: float = 0.6
    ) -> LiquidationCluster | None:
        """The strongest cluster of ``symbol`` if its strength is at least ``min_strength``."""
        clusters = self.get_clusters(symbol)
        if clusters and clusters[0].strength >= min_strength:
            return clusters[0]
        return None

    def symbols(self) -> list[str]:
        """Symbols with stored liquidations."""
        return self._store.symbols()

    def refresh(self) -> None:
        """Recompute every symbol's clusters now (what the periodic update runs)."""
        listener = self._listener
        for symbol in self._store.symbols():
            self._refresh_symbol(symbol)
            # Told from here only: a refresh on demand (get_clusters) comes from a decision,
            # which must not ask for another.
            if listener is not None:
                listener.clusters_changed(symbol)
        self._last_refresh_at = self._clock()

    def health(self) -> HeatmapHealth:
        """Connection state and counters."""
        c = self._counters
        stream = self._stream
        return HeatmapHealth(
            connected=self._connected,
            messages=c.messages,
            parse_errors=c.parse_errors,
            reconnects=self._past_reconnects + (stream.reconnects if stream is not None else 0),
            last_message_at=(
                None if c.last_message_at is None
                else datetime.fromtimestamp(c.last_message_at, UTC)
            ),
            control_messages=c.control,
            liquidations=c.liquidations,
            duplicates=c.duplicates,
            mark_prices=c.mark_prices,
            last_refresh_at=self._last_refresh_at,
            url=stream.url if stream is not None else None,
            rejected=self._guard.rejected,
        )

    def memory_bytes(self) -> int:
        """Bytes held by the liquidation store (all symbols)."""
        return self._store.nbytes()

    # -- internals -------------------------------------------------------------------------

    def _is_stale(self, symbol: str, published: _Published | None) -> bool:
        buffer = self._store.buffer(symbol)
        if buffer is None:
            return False
        if published is None or published.version != buffer.version:
            return True
        age = (self._clock() - published.computed_at).total_seconds()
        return age >= self._update_interval

    def _refresh_symbol(self, symbol: str) -> _Published | None:
        buffer = self._store.buffer(symbol)
        if buffer is None:
            return None
        with self._refresh_lock:
            version = buffer.version
            events = buffer.snapshot()
            order = price_order(events.price, self._orders.get(symbol))
            self._orders[symbol] = order
            now = self._clock()
            table = cluster_table(events, now=now, params=self._params, order=order)
            published = _Published(table, version, now)
            self._published[symbol] = published
            return published

    def _update_loop(self) -> None:
        while not self._stopping.wait(self._update_interval):
            try:
                self.refresh()
            except Exception:  # keep updating; a bad refresh must not freeze the heatmap
                log.exception("cluster refresh failed")
