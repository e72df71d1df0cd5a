"""The liquidation hunter: trade toward strong liquidation clusters near the price.

Price tends to be drawn toward clusters of resting liquidations: short liquidations above the
price (buy-stops that squeeze it up) and long liquidations below (sell-stops that flush it
down). The hunter goes long toward the first kind and short toward the second, choosing the
cluster that best combines strength and a comfortable distance. The rules themselves are the
pure functions of :mod:`strategies.hunter_rules`; this module wires them to a cluster source.

Usage::

    hunter = LiquidationHunter()
    hunter.set_data_source(source="live_binance", symbols=["BTCUSDT", "ETHUSDT"])
    signal, strength, cluster = hunter.generate_signal("BTC/USDT:USDT", 90000.0)
    hunter.close()
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Protocol

from bot.domain import EntryIntent, EntryRefusal, LiquidationCluster
from bot.errors import BotError
from bot.symbols import to_exchange_id
from strategies.base import MarketSnapshot, OpenPosition, Strategy
from strategies.hunter_rules import (
    ClusterSourceName,
    ExitReason,
    HunterParams,
    combine_layers,
    entry_exits_at_once,
    exit_levels,
    exit_reason,
    reward_risk_refusal,
    select_target,
)

logger = logging.getLogger(__name__)

SOURCE_LIVE_BINANCE = "live_binance"
SOURCE_HEATMAP = "heatmap"


class ClusterSource(Protocol):
    """Anything that hands out a symbol's clusters, strongest first (a heatmap, a fake)."""

    def get_clusters(self, symbol: str) -> Sequence[LiquidationCluster]:
        """Return the clusters of ``symbol`` (Binance id form, e.g. ``BTCUSDT``)."""
        ...


class StreamingClusterSource(ClusterSource, Protocol):
    """A cluster source the hunter can start and stop itself (``LiveLiquidationHeatmap``)."""

    def start_stream(self, symbols: list[str] | None) -> object:
        """Start receiving data for ``symbols`` (``None`` = all) and return at once."""
        ...

    def stop_stream(self) -> object:
        """Stop receiving data and release threads and sockets."""
        ...


HeatmapFactory = Callable[..., StreamingClusterSource]
"""Builds a heatmap from keyword options (``LiveLiquidationHeatmap`` itself, or a fake)."""


class NoDataSourceError(BotError, RuntimeError):
    """``generate_signal`` was called before ``set_data_source``."""


class LiquidationHunter(Strategy):
    """Trades toward strong liquidation clusters; thresholds default to the seed's values.

    Two ways to use it: :meth:`generate_signal` reads clusters from its data source (set with
    :meth:`set_data_source`), and :meth:`decide` (from :class:`Strategy`) turns a snapshot
    into entry and exit intents without touching any source.
    """

    # Exits follow the position's own levels (stop, target cluster price, take profit).
    exit_reads_clusters = False

    def __init__(
        self,
        *,
        min_strength: float = 0.6,
        max_distance_pct: float = 10.0,
        optimal_distance_pct: float = 3.5,
        strength_weight: float = 0.7,
        distance_weight: float = 0.3,
        stop_loss_pct: float = 3.0,
        take_profit_pct: float = 5.0,
        target_buffer_pct: float = 0.5,
        exit_near_cluster_pct: float = 0.5,
        min_reward_pct: float = 0.3,
        min_reward_risk: float = 1.0,
        cluster_source: ClusterSourceName = "realized",
        coincidence_pct: float = 0.5,
        heatmap_factory: HeatmapFactory | None = None,
    ) -> None:
        """Create a hunter with no data source yet.

        Args:
            min_strength: Least cluster strength (0..1) for a candidate.
            max_distance_pct: Farthest a candidate may be from the price, in percent.
            optimal_distance_pct: Distance scoring best; the score is 0 at 0 and twice this.
            strength_weight: Weight of strength in the candidate score.
            distance_weight: Weight of the distance score in the candidate score.
            stop_loss_pct: Stop distance against the entry, in percent.
            take_profit_pct: Farthest take profit from the entry, in percent.
            target_buffer_pct: Take profit at least this many percent before the cluster.
            exit_near_cluster_pct: Exit once the price is this close to the cluster, percent.
            min_reward_pct: No entry with a take profit nearer than this, percent.
            min_reward_risk: No entry whose take-profit distance is below this multiple of
                its stop distance (0 = off); refused entries are journaled with the reason.
            cluster_source: ``realized`` (the seed's), ``projected`` or ``both``
                (``hunter_rules.combine_layers`` documents how coinciding ones count).
            coincidence_pct: With ``both``, how close (percent) a projected level and a
                realised cluster must be to coincide.
            heatmap_factory: Builds the heatmap for ``set_data_source("live_binance")``;
                ``None`` uses ``bot.heatmap.LiveLiquidationHeatmap``.

        Raises:
            ValueError: A threshold is out of range (the message names it).
        """
        self.params = HunterParams(
            min_strength=min_strength,
            max_distance_pct=max_distance_pct,
            optimal_distance_pct=optimal_distance_pct,
            strength_weight=strength_weight,
            distance_weight=distance_weight,
            stop_loss_pct=stop_loss_pct,
            take_profit_pct=take_profit_pct,
            target_buffer_pct=target_buffer_pct,
            exit_near_cluster_pct=exit_near_cluster_pct,
            min_reward_pct=min_reward_pct,
            min_reward_risk=min_reward_risk,
            cluster_source=cluster_source,
            coincidence_pct=coincidence_pct,
        )
        self._heatmap_factory = heatmap_factory
        self._source: ClusterSource | None = None
        self._owned: StreamingClusterSource | None = None

    # -- data source -----------------------------------------------------------------------

    @property
    def heatmap(self) -> ClusterSource | None:
        """The current cluster source (owned or passed in), or ``None`` before one is set."""
        return self._source

    def set_data_source(
        self,
        source: str,
        *,
        heatmap: ClusterSource | None = None,
        symbols: Sequence[str] | None = None,
        **heatmap_options: object,
    ) -> None:
        """Choose where clusters come from.

        ``"live_binance"`` builds a heatmap (with ``heatmap_options`` such as ``ws_base_url``
        or ``cluster_window_pct``, passed to its constructor), starts its stream for
        ``symbols`` (``None`` or ``[]`` = all) and owns it: :meth:`close` stops it.
        ``"heatmap"`` uses ``heatmap``, which the caller runs and stops. A heatmap the hunter
        owned before is stopped once the new source is in place.

        Args:
            source: ``"live_binance"`` or ``"heatmap"``.
            heatmap: The cluster source for ``"heatmap"``.
            symbols: Symbols to stream for ``"live_binance"``, in either form.
            **heatmap_options: Constructor options for the built heatmap.

        Raises:
            ValueError: Unknown source, or arguments that do not fit the source.
        """
        if source == SOURCE_HEATMAP:
            if heatmap is None:
                raise ValueError('set_data_source("heatmap") needs heatmap=<a running heatmap>')
            if symbols is not None or heatmap_options:
                raise ValueError(
                    'set_data_source("heatmap") takes only heatmap=; symbols and heatmap '
                    'options apply to "live_binance"'
                )
            self._replace_source(heatmap, owned=None)
        elif source == SOURCE_LIVE_BINANCE:
            if heatmap is not None:
                raise ValueError(
                    'set_data_source("live_binance") builds its own heatmap; '
                    'use source="heatmap" to pass one in'
                )
            built = self._start_heatmap(symbols, heatmap_options)
            self._replace_source(built, owned=built)
        else:
            raise ValueError(
                f"unknown data source {source!r}: expected "
                f"{SOURCE_LIVE_BINANCE!r} or {SOURCE_HEATMAP!r}"
            )

    def _start_heatmap(
        self, symbols: Sequence[str] | None, options: dict[str, object]
    ) -> StreamingClusterSource:
        factory = self._heatmap_factory or _live_heatmap_factory()
        built = factory(**options)
        wanted = None if symbols is None else [to_exchange_id(s) for s in symbols]
        try:
            built.start_stream(symbols=wanted)
        except BaseException:
            # A half-started heatmap may hold a thread or a socket: release it before failing.
            built.stop_stream()
            raise
        logger.info("liquidation hunter started its own heatmap for %s", wanted or "all symbols")
        return built

    def _replace_source(
        self, source: ClusterSource, *, owned: StreamingClusterSource | None
    ) -> None:
        previous = self._owned
        self._source, self._owned = source, owned
        if previous is not None and previous is not owned:
            previous.stop_stream()

    def close(self) -> None:
        """Stop the heatmap the hunter built, if any; a passed-in one is left running.

        Safe to call more than once. Once an owned heatmap is stopped the hunter has no source
        until :meth:`set_data_source` is called again; a passed-in one stays its source.
        """
        owned, self._owned = self._owned, None
        if owned is not None:
            # The owned heatmap is always the current source (see _replace_source).
            self._source = None
            owned.stop_stream()
            logger.info("liquidation hunter stopped its heatmap")

    def stop(self) -> None:
        """Alias of :meth:`close`."""
        self.close()

    def __enter__(self) -> LiquidationHunter:
        """Use the hunter in a ``with`` block; :meth:`close` runs at its end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the hunter (see :meth:`close`)."""
        self.close()

    # -- signals ---------------------------------------------------------------------------

    def generate_signal(
        self, symbol: str, current_price: float
    ) -> tuple[int, float, LiquidationCluster | None]:
        """Read ``symbol``'s clusters from the data source and pick the one to trade toward.

        Does not change the data source (the price given is used only for the distances).

        Args:
            symbol: ``"BTC/USDT:USDT"`` or ``"BTCUSDT"``.
            current_price: The price to measure distances from (> 0).

        Returns:
            ``(signal, strength, cluster)``: ``signal`` is ``1`` (long toward short
            liquidations above), ``-1`` (short toward long liquidations below) or ``0``;
            ``strength`` in 0..1; ``cluster`` the target, or ``None`` when ``signal`` is 0.

        Raises:
            NoDataSourceError: No data source was set.
            ValueError: ``current_price`` is not a finite number > 0.
        """
        if self._source is None:
            raise NoDataSourceError(
                "no data source: call set_data_source(source='live_binance', symbols=[...]) "
                "or set_data_source(source='heatmap', heatmap=...) first"
            )
        if not (math.isfinite(current_price) and current_price > 0):
            raise ValueError(f"current_price: expected a finite number > 0, got {current_price!r}")
        key = to_exchange_id(symbol)
        realized = self._source.get_clusters(key) if self.params.cluster_source != (
            "projected") else []
        projected_of = getattr(self._source, "get_projected_levels", None)
        projected = projected_of(key) if self.params.cluster_source != "realized" and (
            projected_of is not None) else []
        clusters = combine_layers(realized, projected, self.params)
        target = select_target(clusters, current_price, self.params)
        if target is None:
            return 0, 0.0, None
        return target.direction, target.strength, target.cluster

    # -- Strategy hooks --------------------------------------------------------------------

    def entry_intent(self, snapshot: MarketSnapshot) -> EntryIntent | EntryRefusal | None:
        """Enter toward the best candidate cluster in ``snapshot``, with stop and take profit.

        The candidates are the snapshot's clusters, its projected levels or both, as
        ``cluster_source`` says. No entry when there is no candidate, when the signal's
        strength is 0 (a cluster at exactly ``max_distance_pct``: nothing for risk to size),
        or when the entry would be closed at once (the cluster already within
        ``exit_near_cluster_pct``, or the take profit not beyond the entry). An entry whose
        take profit is too small against its stop (``min_reward_risk``) comes back as an
        ``EntryRefusal`` with the reason. The reference price is the mark price.
        """
        price = snapshot.mark_price
        clusters = combine_layers(snapshot.clusters, snapshot.projected, self.params)
        target = select_target(clusters, price, self.params)
        if target is None or target.strength <= 0:
            return None
        levels = exit_levels(target.side, price, target.cluster.price_level, self.params)
        if entry_exits_at_once(target, levels, price, self.params):
            return None
        refusal = reward_risk_refusal(levels, price, self.params)
        if refusal is not None:
            return EntryRefusal(symbol=snapshot.symbol, side=target.side, reference_price=price,
                                strength=target.strength, cluster=target.cluster,
                                reason=refusal, created_at=snapshot.now)
        return EntryIntent(
            symbol=snapshot.symbol,
            side=target.side,
            reference_price=price,
            stop_price=levels.stop_price,
            take_profit_price=levels.take_profit_price,
            strength=target.strength,
            cluster=target.cluster,
            created_at=snapshot.now,
        )

    def exit_reason(self, snapshot: MarketSnapshot, position: OpenPosition) -> ExitReason | None:
        """Close on the stop, near the target cluster, or at the take profit (in that order)."""
        return exit_reason(position, snapshot.mark_price, self.params)


def _live_heatmap_factory() -> HeatmapFactory:
    # Imported here, not at the top: the heatmap pulls in numpy and websocket threads that a
    # hunter fed from an existing heatmap (or a backtest) never needs.
    from bot.heatmap import LiveLiquidationHeatmap

    return LiveLiquidationHeatmap
