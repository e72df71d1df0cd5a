"""``LiveLiquidationHeatmap``: the public heatmap, wiring streams → parsers → store → clusters.

Each configured venue (``bot.heatmap.sources``) gets its own stream thread, with its own
backoff, silence watchdog, heartbeat and counters; all venues feed one store, so clusters mix
venues. The stream threads parse each frame and stores its liquidations and mark prices; a separate
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
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from bot.clock import utc_now
from bot.domain import VENUES, Liquidation, LiquidationCluster, MarkPrice, to_epoch_ms
from bot.heatmap.clustering import (
    ClusterParams,
    ClusterRow,
    ClusterTable,
    cluster_tables,
    clusters_from_rows,
    price_order,
    reference_notional,
)
from bot.heatmap.parse import ParsedFrame
from bot.heatmap.projected import (
    GatewayIntervals,
    IntervalSource,
    ProjectedLayer,
    ProjectionRefresher,
)
from bot.heatmap.projection import BarColumns, ProjectionModel
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
from bot.heatmap.sources import (
    DEFAULT_BYBIT_WS_URL,
    DEFAULT_OKX_REST_URL,
    DEFAULT_OKX_WS_URL,
    BinanceSource,
    VenueSource,
    build_sources,
    venue_stream,
)
from bot.heatmap.store import EventColumns, LiquidationStore
from bot.heatmap.stream import MarketStream, ReconnectPolicy
from bot.heatmap.urls import DEFAULT_WS_BASE_URL
from bot.symbols import to_exchange_id

if TYPE_CHECKING:
    from bot.exchange import RequestGate

log = logging.getLogger(__name__)

WS_URL_ENV = "BOT_EXCHANGE__WS_URL"
REST_URL_ENV = "BOT_EXCHANGE__REST_URL"
DEFAULT_REST_BASE_URL = "https://fapi.binance.com"

# Binance allows 200 streams per connection; beyond that, take the all-market streams.
_MAX_NAMED_SYMBOLS = 100
_MAX_WAIT_SECONDS = 86_400
_MAX_LOOKBACK_HOURS = 720  # Binance keeps 30 days of open-interest history




@dataclass(frozen=True, slots=True)
class VenueHealth:
    """One venue's connection state and counters."""

    connected: bool
    messages: int
    parse_errors: int
    reconnects: int
    last_message_at: datetime | None
    liquidations: int
    duplicates: int
    url: str | None


@dataclass(frozen=True, slots=True)
class HeatmapHealth:
    """A snapshot of the heatmap's connection and data counters (sums over the venues).

    ``connected`` is true while every configured venue's socket is open; ``venues`` holds
    each venue's own figures.
    """

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
    venues: Mapping[str, VenueHealth] = field(default_factory=dict)
    """Per venue: ``connected``, ``messages``, ``parse_errors``, ``reconnects``..."""


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
    reconnects: int = 0  # of streams already stopped, so health() keeps counting
    connected: bool = False


class HeatmapListener(Protocol):
    """Told of each symbol's news as it happens (the trading loop's event-driven decisions).

    Called on the heatmap's own threads (stream, updater): keep it quick, hand work off.
    """

    def mark_price(self, mark: MarkPrice) -> None:
        """A mark price from the stream was admitted."""

    def clusters_changed(self, symbol: str) -> None:
        """``symbol``'s clusters were recomputed by a refresh (``refresh()``, the updater)."""


class LiveLiquidationHeatmap:
    """Live liquidation clusters per symbol from the venues' public liquidation streams."""

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
        sources: Sequence[str] = ("binance",),
        bybit_ws_url: str = DEFAULT_BYBIT_WS_URL,
        okx_ws_url: str = DEFAULT_OKX_WS_URL,
        okx_rest_url: str = DEFAULT_OKX_REST_URL,
        projected: bool = False,
        rest_base_url: str | None = None,
        projection_interval: float = 300.0,
        projection_lookback_hours: float = 24.0,
        projection_source: IntervalSource | None = None,
        projection_model: ProjectionModel | None = None,
        gate: RequestGate | None = None,
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
            sources: the venues to stream (``bot.domain.VENUES``), each on its own socket.
            bybit_ws_url: Bybit's v5 public linear endpoint, or a simulator's.
            okx_ws_url: OKX's v5 public endpoint, or a simulator's.
            okx_rest_url: OKX's REST base (contract sizes), or a simulator's.
            projected: also keep projected liquidation levels (``get_projected_levels``),
                refreshed by a background thread while the stream runs.
            rest_base_url: Binance's public REST base for open interest and klines, or a
                simulator's. Unset: ``BOT_EXCHANGE__REST_URL`` if set, else Binance's.
            projection_interval: seconds between refreshes of the projected levels.
            projection_lookback_hours: hours of 5-minute open interest read at the start.
            projection_source: reads the bars (tests, backtests); ``None`` reads them
                through ``bot.exchange`` at ``rest_base_url``.
            projection_model: the projection model (leverage mix, brackets); the default's
                when ``None``.
            gate: the bot's shared request brake for those reads (their own if ``None``).
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
        self._sources = build_sources(sources, ws_base_url=self._ws_base_url,
                                      bybit_ws_url=bybit_ws_url, okx_ws_url=okx_ws_url,
                                      okx_rest_url=okx_rest_url)
        self._parsers: dict[str, Callable[[str | bytes], ParsedFrame]] = {
            source.name: source.parse for source in self._sources
        }
        # Replays and tests hand Binance frames to handle_frame whatever the sources are.
        self._parsers.setdefault("binance", BinanceSource(self._ws_base_url).parse)
        self._policy = ReconnectPolicy(silence_timeout=silence_timeout)
        self._clock = clock
        # The wall clock read once per frame for both counters and sanity (no datetime built);
        # an injected clock (tests, replays) is honoured as given.
        self._wall_clock = clock is utc_now
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 - jitter only
        self._store = LiquidationStore(buffer_size)
        self._prices: dict[str, float] = {}
        self._quote_volumes: dict[str, float] = {}
        self._published: dict[str, _Published] = {}
        self._orders: dict[str, npt.NDArray[np.intp]] = {}
        self._refresh_lock = threading.Lock()
        self._counters: dict[str, _Counters] = {
            name: _Counters() for name in (*self._parsers, *(s.name for s in self._sources))
        }
        # Every streamed event passes this gate (bot.heatmap.sanity documents the rules).
        self._guard = MarketGuard(max_symbols=max_symbols)
        self._streams: dict[str, MarketStream] = {}
        self._updater: threading.Thread | None = None
        self._stopping = threading.Event()
        self._last_refresh_at: datetime | None = None
        self._projected: ProjectedLayer | None = None
        self._projection_refresher: ProjectionRefresher | None = None
        self._wanted: list[str] = []
        if projected:
            if not 0 < projection_interval <= _MAX_WAIT_SECONDS:
                raise ValueError("projection_interval: expected seconds in "
                                 f"(0, {_MAX_WAIT_SECONDS}], got {projection_interval!r}")
            if not 0 < projection_lookback_hours <= _MAX_LOOKBACK_HOURS:
                raise ValueError("projection_lookback_hours: expected hours in "
                                 f"(0, {_MAX_LOOKBACK_HOURS}], got {projection_lookback_hours!r}")
            source = projection_source if projection_source is not None else _LazyIntervals(
                rest_base_url or os.environ.get(REST_URL_ENV) or DEFAULT_REST_BASE_URL,
                clock, gate)
            self._projected = ProjectedLayer(
                source, projection_model if projection_model is not None else ProjectionModel(),
                self._params, projection_lookback_hours, clock)
            self._projection_interval = float(projection_interval)
        self._listener: HeatmapListener | None = None

    def set_listener(self, listener: HeatmapListener | None) -> None:
        """Tell ``listener`` of every admitted stream mark price and cluster refresh."""
        self._listener = listener

    # -- streaming -------------------------------------------------------------------------

    def start_stream(self, symbols: Sequence[str] | None = None) -> None:
        """Connect to every venue's liquidation streams of ``symbols`` and return at once.

        ``None`` or ``[]`` subscribes to every symbol. Starts the background cluster updater.
        """
        if self._streams:
            raise RuntimeError("stream already started; call stop_stream() first")
        wanted = list(dict.fromkeys(to_exchange_id(s) for s in symbols or []))
        # A named subscription takes its symbols only, whatever else a frame claims.
        self._guard.subscribe(wanted or None)
        self._stopping.clear()
        for source in self._sources:
            self._streams[source.name] = self._venue_stream(source, wanted)
        for stream in self._streams.values():
            stream.start()
        self._updater = threading.Thread(target=self._update_loop, name="heatmap-updater",
                                         daemon=True)
        self._updater.start()
        self._wanted = wanted
        if self._projected is not None:
            self._projection_refresher = ProjectionRefresher(
                self._projected, self._projection_symbols, self._projection_interval)
            self._projection_refresher.start()

    def _venue_stream(self, source: VenueSource, wanted: list[str]) -> MarketStream:
        name = source.name
        # Binance carries at most 200 streams a connection: beyond, the all-market ones.
        symbols = [] if name == "binance" and len(wanted) > _MAX_NAMED_SYMBOLS else wanted
        counters = self._counters[name]

        def on_state(connected: bool) -> None:
            counters.connected = connected

        return venue_stream(source, symbols, on_frame=lambda frame: self.handle_frame(frame, name),
                            on_state=on_state, policy=self._policy, rng=self._rng)

    def stop_stream(self) -> None:
        """Close every venue's socket and join all threads (within 2 s, whatever the state)."""
        self._stopping.set()
        streams, self._streams = self._streams, {}
        # All sockets are aborted first, then joined: n venues still stop within one budget.
        for stream in streams.values():
            stream.request_stop()
        for name, stream in streams.items():
            if not stream.stop(timeout=1.5):
                log.warning("%s stream threads did not end in time", name)
            counters = self._counters[name]
            counters.reconnects += stream.reconnects
            counters.connected = False
        if self._updater is not None:
            self._updater.join(timeout=0.4)
            self._updater = None
        if self._projection_refresher is not None:
            self._projection_refresher.stop(timeout=0.1)
            self._projection_refresher = None

    def handle_frame(self, frame: str | bytes, venue: str = "binance") -> None:
        """Parse one raw frame of ``venue`` and store what it holds (also replays and tests).

        Raises:
            KeyError: ``venue`` is not one of the configured sources (nor ``binance``).
        """
        parsed = self._parsers[venue](frame)
        counters = self._counters[venue]
        counters.messages += 1
        # Wall time as a float: a datetime per frame costs more than the rest of the counting.
        counters.last_message_at = wall = time.time()
        if parsed.control:
            counters.control += 1
            return
        if parsed.errors:
            counters.parse_errors += parsed.errors
            log.debug("skipped malformed frame: %s", parsed.error_detail)
        rows, marks = parsed.rows, parsed.mark_prices
        if not rows and not marks:
            return
        received_ms = int(wall * 1000) if self._wall_clock else to_epoch_ms(self._clock())
        if marks:
            self._take_marks(marks, received_ms, counters)
        if rows:
            # Parsed symbols are already Binance ids: no need for add_liquidation's rename.
            admitted = self._guard.admit_rows(rows, received_ms, self._prices)
            if admitted:
                stored = self._store.add_rows(admitted, parsed.venue)
                counters.liquidations += stored
                counters.duplicates += len(admitted) - stored

    def _take_marks(self, marks: Sequence[MarkPrice], received_ms: int,
                    counters: _Counters) -> None:
        guard, prices, layer, listener = self._guard, self._prices, self._projected, self._listener
        for mark in marks:
            if guard.admit_mark(mark, received_ms):
                prices[mark.symbol] = mark.price
                counters.mark_prices += 1
                if layer is not None:
                    layer.note_price(mark.symbol, mark.price)
                if listener is not None:
                    listener.mark_price(mark)

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
        counters = self._venue_counters(liquidation.venue)
        if stored:
            counters.liquidations += 1
        else:
            counters.duplicates += 1
        return stored

    def _venue_counters(self, venue: str) -> _Counters:
        counters = self._counters.get(venue)
        if counters is None:
            # A replay may carry venues that are not streamed: count them all the same.
            counters = self._counters.setdefault(venue, _Counters())
        return counters

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
        # Batches are counted under the first venue they hold (replays pass one at a time).
        venue = VENUES[int(kept.venue[0])] if kept.venue is not None and len(kept) else "binance"
        counters = self._venue_counters(venue)
        counters.liquidations += stored
        counters.duplicates += len(kept) - stored
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
        key = to_exchange_id(symbol)
        self._prices[key] = float(price)
        if self._projected is not None:
            self._projected.note_price(key, float(price))

    def set_quote_volumes(self, volumes: Mapping[str, float]) -> None:
        """Set symbols' 24 h quote volumes (USD), the scale of strength's absolute term.

        Symbols left out keep their last volume; unusable values (zero, negative, NaN) are
        ignored. See ``bot.heatmap.clustering`` for the formula and the stand-in.
        """
        for symbol, volume in volumes.items():
            if 0 < volume < float("inf"):
                self._quote_volumes[to_exchange_id(symbol)] = float(volume)

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

    def get_projected_levels(self, symbol: str) -> list[LiquidationCluster]:
        """Projected liquidation levels of ``symbol``, strongest first (``kind``
        ``"projected"``; ``side`` the side that would be liquidated: longs below the price,
        shorts above). Levels the current price has traded through are consumed. Empty
        unless the heatmap was built with ``projected=True``."""
        if self._projected is None:
            return []
        key = to_exchange_id(symbol)
        return self._projected.clusters(key, self._prices.get(key))

    def refresh_projection(self, symbols: Sequence[str] | None = None) -> int:
        """Read and apply new open interest now (what the background refresher runs);
        returns the intervals applied. ``None``: the streamed symbols."""
        if self._projected is None:
            return 0
        wanted = self._projection_symbols() if symbols is None else [
            to_exchange_id(s) for s in symbols]
        return self._projected.refresh(wanted)

    def symbols(self) -> list[str]:
        """Symbols with stored liquidations."""
        return self._store.symbols()

    def refresh(self) -> None:
        """Recompute every symbol's clusters now (what the periodic update runs)."""
        listener = self._listener
        # One batch: the clustering runs its array steps once over every symbol.
        symbols = self._store.symbols()
        self._refresh_symbols(symbols)
        if listener is not None:
            # Told from here only: a refresh on demand (get_clusters) comes from a decision,
            # which must not ask for another.
            for symbol in symbols:
                listener.clusters_changed(symbol)
        self._last_refresh_at = self._clock()

    def health(self) -> HeatmapHealth:
        """Connection state and counters: per venue, and summed at the top level."""
        streams = dict(self._streams)
        counters = dict(self._counters)
        configured_names = {s.name for s in self._sources}
        # The configured venues, and any other that fed data (a replay of Binance frames).
        venues = {name: self._venue_health(c, streams.get(name)) for name, c in counters.items()
                  if name in configured_names or c.messages or c.liquidations or c.duplicates}
        configured = [venues[s.name] for s in self._sources]
        stamps = [v.last_message_at for v in venues.values() if v.last_message_at is not None]
        first = streams.get(self._sources[0].name)
        return HeatmapHealth(
            connected=bool(configured) and all(v.connected for v in configured),
            messages=sum(v.messages for v in venues.values()),
            parse_errors=sum(v.parse_errors for v in venues.values()),
            reconnects=sum(v.reconnects for v in venues.values()),
            last_message_at=max(stamps) if stamps else None,
            control_messages=sum(c.control for c in counters.values()),  # every venue counts
            liquidations=sum(c.liquidations for c in counters.values()),
            duplicates=sum(c.duplicates for c in counters.values()),
            mark_prices=sum(c.mark_prices for c in counters.values()),
            last_refresh_at=self._last_refresh_at,
            url=first.url if first is not None else None,
            rejected=self._guard.rejected,
            venues=venues,
        )

    @staticmethod
    def _venue_health(c: _Counters, stream: MarketStream | None) -> VenueHealth:
        return VenueHealth(
            connected=c.connected,
            messages=c.messages,
            parse_errors=c.parse_errors,
            reconnects=c.reconnects + (stream.reconnects if stream is not None else 0),
            last_message_at=(None if c.last_message_at is None
                             else datetime.fromtimestamp(c.last_message_at, UTC)),
            liquidations=c.liquidations,
            duplicates=c.duplicates,
            url=stream.url if stream is not None else None,
        )

    @property
    def sources(self) -> list[str]:
        """The names of the streamed venues, in order."""
        return [source.name for source in self._sources]

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
        return self._refresh_symbols([symbol])[0]

    def _refresh_symbols(self, symbols: Sequence[str]) -> list[_Published | None]:
        """Recompute and publish ``symbols``' clusters in one batch (None: no buffer)."""
        buffers = [self._store.buffer(symbol) for symbol in symbols]
        with self._refresh_lock:
            held = [(symbol, buffer) for symbol, buffer in zip(symbols, buffers, strict=True)
                    if buffer is not None]
            versions, batch = [], []
            for symbol, buffer in held:
                versions.append(buffer.version)
                events = buffer.snapshot()
                order = price_order(events.price, self._orders.get(symbol))
                self._orders[symbol] = order
                batch.append((events, order,
                              reference_notional(self._quote_volumes.get(symbol))))
            now = self._clock()
            tables = cluster_tables(batch, now=now, params=self._params)
            published: dict[str, _Published] = {}
            for (symbol, _), version, table in zip(held, versions, tables, strict=True):
                published[symbol] = self._published[symbol] = _Published(table, version, now)
        return [published.get(symbol) for symbol in symbols]

    def _projection_symbols(self) -> list[str]:
        # The named subscription, else (all-market stream) the symbols priced so far.
        return list(self._wanted) or sorted(self._prices)[:_MAX_NAMED_SYMBOLS]

    def _update_loop(self) -> None:
        while not self._stopping.wait(self._update_interval):
            try:
                self.refresh()
            except Exception:  # keep updating; a bad refresh must not freeze the heatmap
                log.exception("cluster refresh failed")


class _LazyIntervals:
    """``GatewayIntervals`` over a gateway built on first use (ccxt loads only when the
    projected layer is on, and off the caller's thread)."""

    def __init__(self, rest_base_url: str, clock: Callable[[], datetime],
                 gate: RequestGate | None) -> None:
        self._url, self._clock, self._gate = rest_base_url, clock, gate
        self._intervals: GatewayIntervals | None = None

    def __call__(self, symbol: str, since: datetime, until: datetime) -> BarColumns:
        if self._intervals is None:
            from bot.exchange import ExchangeConfig, build_gateway

            gateway = build_gateway(ExchangeConfig(rest_url=self._url), self._clock,
                                    gate=self._gate)
            self._intervals = GatewayIntervals(gateway)
        return self._intervals(symbol, since, until)
