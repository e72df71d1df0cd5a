"""Builders and fakes for the strategy tests: fixed clusters, recording heatmaps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from bot.domain import LiquidationCluster, LiquidationSide

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


def cluster(
    price_level: float,
    side: LiquidationSide,
    strength: float,
    *,
    symbol: str = "BTCUSDT",
    distance_from_price: float | None = None,
) -> LiquidationCluster:
    """A cluster with the fields the hunter reads set, the rest plausible."""
    return LiquidationCluster(
        symbol=symbol,
        price_level=price_level,
        side=side,
        liquidation_count=8,
        total_notional=250_000.0,
        strength=strength,
        distance_from_price=distance_from_price,
        last_updated=NOW,
        price_low=price_level * 0.995,
        price_high=price_level * 1.005,
        long_notional=200_000.0 if side == "long" else 50_000.0,
        short_notional=50_000.0 if side == "long" else 200_000.0,
        newest_at=NOW,
    )


class FakeClusterSource:
    """A cluster source holding fixed clusters per Binance id; records every call."""

    def __init__(self, clusters: Mapping[str, Sequence[LiquidationCluster]] | None = None) -> None:
        self.clusters = dict(clusters or {})
        self.calls: list[tuple[str, object]] = []

    def get_clusters(self, symbol: str) -> list[LiquidationCluster]:
        self.calls.append(("get_clusters", symbol))
        return list(self.clusters.get(symbol, []))


class FakeHeatmap(FakeClusterSource):
    """A startable, stoppable source, like ``LiveLiquidationHeatmap`` without the network."""

    def __init__(
        self,
        clusters: Mapping[str, Sequence[LiquidationCluster]] | None = None,
        *,
        fail_on_start: bool = False,
        **options: object,
    ) -> None:
        super().__init__(clusters)
        self.options = options
        self.fail_on_start = fail_on_start
        self.started_with: list[str] | None = None
        self.start_count = 0
        self.stop_count = 0

    def start_stream(self, symbols: list[str] | None = None) -> None:
        self.calls.append(("start_stream", symbols))
        if self.fail_on_start:
            raise ConnectionError("cannot reach the stream")
        self.start_count += 1
        self.started_with = symbols

    def stop_stream(self) -> None:
        self.calls.append(("stop_stream", None))
        self.stop_count += 1


class FakeHeatmapFactory:
    """Builds ``FakeHeatmap``s sharing fixed clusters and remembers each one built."""

    def __init__(
        self,
        clusters: Mapping[str, Sequence[LiquidationCluster]] | None = None,
        *,
        fail_on_start: bool = False,
    ) -> None:
        self.clusters = clusters
        self.fail_on_start = fail_on_start
        self.built: list[FakeHeatmap] = []

    def __call__(self, **options: object) -> FakeHeatmap:
        heatmap = FakeHeatmap(self.clusters, fail_on_start=self.fail_on_start, **options)
        self.built.append(heatmap)
        return heatmap
