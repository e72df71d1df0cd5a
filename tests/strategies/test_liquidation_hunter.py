"""LiquidationHunter's public face: data sources, generate_signal, owning a heatmap."""

from __future__ import annotations

import math
import time

import pytest

from bot.domain import LiquidationCluster
from strategies.hunter_rules import HunterParams
from strategies.liquidation_hunter import LiquidationHunter, NoDataSourceError
from tests.strategies.fakes import FakeClusterSource, FakeHeatmap, FakeHeatmapFactory, cluster

BTC_CLUSTERS = {
    "BTCUSDT": [
        cluster(93_150.0, "short", 0.8),  # 3.5 % above 90,000: long
        cluster(86_000.0, "long", 0.65),
        cluster(91_000.0, "long", 1.0),  # above the price: not tradable
    ]
}


def test_default_thresholds_are_the_seeds() -> None:
    assert LiquidationHunter().params == HunterParams()
    assert HunterParams() == HunterParams(
        min_strength=0.6,
        max_distance_pct=10.0,
        optimal_distance_pct=3.5,
        strength_weight=0.7,
        distance_weight=0.3,
        stop_loss_pct=3.0,
        take_profit_pct=5.0,
        target_buffer_pct=0.5,
        exit_near_cluster_pct=0.5,
    )


def test_thresholds_are_keyword_arguments() -> None:
    hunter = LiquidationHunter(min_strength=0.75, stop_loss_pct=2.0)

    assert (hunter.params.min_strength, hunter.params.stop_loss_pct) == (0.75, 2.0)


def test_a_bad_threshold_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="max_distance_pct"):
        LiquidationHunter(max_distance_pct=-1.0)


def test_generate_signal_without_a_data_source_raises() -> None:
    with pytest.raises(NoDataSourceError, match="set_data_source"):
        LiquidationHunter().generate_signal("BTC/USDT:USDT", 90_000.0)


@pytest.mark.parametrize("symbol", ["BTC/USDT:USDT", "BTCUSDT", "btcusdt"])
def test_generate_signal_accepts_both_symbol_forms(symbol: str) -> None:
    source = FakeClusterSource(BTC_CLUSTERS)
    hunter = LiquidationHunter()
    hunter.set_data_source(source="heatmap", heatmap=source)

    signal, strength, target = hunter.generate_signal(symbol, 90_000.0)

    assert signal == 1
    assert strength == pytest.approx(0.8 * (1 - 3.5 / 10))
    assert target is BTC_CLUSTERS["BTCUSDT"][0]
    assert source.calls == [("get_clusters", "BTCUSDT")]


@pytest.mark.parametrize(
    ("clusters", "price", "expected_signal", "expected_strength"),
    [
        ([cluster(96.5, "long", 0.6)], 100.0, -1, 0.39),
        ([cluster(103.5, "short", 0.6)], 100.0, 1, 0.39),
        ([cluster(103.5, "long", 0.9)], 100.0, 0, 0.0),
        ([cluster(103.5, "short", 0.5999)], 100.0, 0, 0.0),
        ([cluster(111.0, "short", 0.9)], 100.0, 0, 0.0),
        ([], 100.0, 0, 0.0),
    ],
)
def test_generate_signal_table(
    clusters: list[LiquidationCluster], price: float, expected_signal: int, expected_strength: float
) -> None:
    hunter = LiquidationHunter()
    hunter.set_data_source(source="heatmap", heatmap=FakeClusterSource({"BTCUSDT": clusters}))

    signal, strength, target = hunter.generate_signal("BTCUSDT", price)

    assert signal == expected_signal
    assert strength == pytest.approx(expected_strength)
    assert (target is None) is (signal == 0)


def test_generate_signal_for_an_unknown_symbol_is_no_signal() -> None:
    hunter = LiquidationHunter()
    hunter.set_data_source(source="heatmap", heatmap=FakeClusterSource(BTC_CLUSTERS))

    assert hunter.generate_signal("ETH/USDT:USDT", 3_000.0) == (0, 0.0, None)


@pytest.mark.parametrize("price", [0.0, -1.0, math.nan, math.inf])
def test_generate_signal_refuses_a_bad_price(price: float) -> None:
    hunter = LiquidationHunter()
    hunter.set_data_source(source="heatmap", heatmap=FakeClusterSource(BTC_CLUSTERS))

    with pytest.raises(ValueError, match="current_price"):
        hunter.generate_signal("BTCUSDT", price)


def test_generate_signal_only_reads_the_heatmap() -> None:
    heatmap = FakeHeatmap(BTC_CLUSTERS)
    hunter = LiquidationHunter()
    hunter.set_data_source(source="heatmap", heatmap=heatmap)

    hunter.generate_signal("BTC/USDT:USDT", 90_000.0)
    hunter.generate_signal("BTC/USDT:USDT", 91_000.0)

    assert heatmap.calls == [("get_clusters", "BTCUSDT"), ("get_clusters", "BTCUSDT")]


def test_set_data_source_heatmap_uses_that_heatmap() -> None:
    source = FakeClusterSource(BTC_CLUSTERS)
    hunter = LiquidationHunter()

    hunter.set_data_source(source="heatmap", heatmap=source)

    assert hunter.heatmap is source


@pytest.mark.parametrize(
    ("source", "kwargs", "match"),
    [
        ("coinglass", {}, "unknown data source"),
        ("heatmap", {}, "needs heatmap"),
        ("heatmap", {"heatmap": FakeClusterSource(), "symbols": ["BTCUSDT"]}, "only heatmap"),
        ("heatmap", {"heatmap": FakeClusterSource(), "ws_base_url": "ws://x"}, "only heatmap"),
        ("live_binance", {"heatmap": FakeClusterSource()}, "builds its own"),
    ],
)
def test_set_data_source_refuses_arguments_that_do_not_fit(
    source: str, kwargs: dict[str, object], match: str
) -> None:
    hunter = LiquidationHunter(heatmap_factory=FakeHeatmapFactory())

    with pytest.raises(ValueError, match=match):
        hunter.set_data_source(source=source, **kwargs)  # type: ignore[arg-type]


def test_live_binance_builds_and_starts_its_own_heatmap() -> None:
    factory = FakeHeatmapFactory(BTC_CLUSTERS)
    hunter = LiquidationHunter(heatmap_factory=factory)

    hunter.set_data_source(
        source="live_binance",
        symbols=["BTC/USDT:USDT", "ETHUSDT"],
        ws_base_url="ws://127.0.0.1:9/market",
        cluster_window_pct=0.01,
    )

    [built] = factory.built
    assert hunter.heatmap is built
    assert built.started_with == ["BTCUSDT", "ETHUSDT"]
    assert built.options == {"ws_base_url": "ws://127.0.0.1:9/market", "cluster_window_pct": 0.01}
    assert hunter.generate_signal("BTC/USDT:USDT", 90_000.0)[0] == 1


@pytest.mark.parametrize(("symbols", "expected"), [(None, None), ([], [])])
def test_live_binance_without_symbols_streams_all(
    symbols: list[str] | None, expected: list[str] | None
) -> None:
    factory = FakeHeatmapFactory()
    hunter = LiquidationHunter(heatmap_factory=factory)

    hunter.set_data_source(source="live_binance", symbols=symbols)

    assert factory.built[0].calls == [("start_stream", expected)]


def test_close_stops_an_owned_heatmap_once() -> None:
    factory = FakeHeatmapFactory(BTC_CLUSTERS)
    hunter = LiquidationHunter(heatmap_factory=factory)
    hunter.set_data_source(source="live_binance", symbols=["BTCUSDT"])

    hunter.close()
    hunter.close()

    assert factory.built[0].stop_count == 1
    assert hunter.heatmap is None
    with pytest.raises(NoDataSourceError):
        hunter.generate_signal("BTCUSDT", 90_000.0)


def test_close_leaves_a_passed_in_heatmap_running() -> None:
    heatmap = FakeHeatmap(BTC_CLUSTERS)
    hunter = LiquidationHunter()
    hunter.set_data_source(source="heatmap", heatmap=heatmap)

    hunter.stop()

    assert heatmap.stop_count == 0
    assert hunter.heatmap is heatmap


def test_switching_away_from_an_owned_heatmap_stops_it() -> None:
    factory = FakeHeatmapFactory()
    hunter = LiquidationHunter(heatmap_factory=factory)
    hunter.set_data_source(source="live_binance", symbols=["BTCUSDT"])
    passed_in = FakeHeatmap()

    hunter.set_data_source(source="live_binance", symbols=["ETHUSDT"])
    hunter.set_data_source(source="heatmap", heatmap=passed_in)
    hunter.close()

    assert [heatmap.stop_count for heatmap in factory.built] == [1, 1]
    assert passed_in.stop_count == 0


def test_a_heatmap_that_fails_to_start_is_stopped_and_the_old_source_kept() -> None:
    old = FakeHeatmap(BTC_CLUSTERS)
    factory = FakeHeatmapFactory(fail_on_start=True)
    hunter = LiquidationHunter(heatmap_factory=factory)
    hunter.set_data_source(source="heatmap", heatmap=old)

    with pytest.raises(ConnectionError):
        hunter.set_data_source(source="live_binance", symbols=["BTCUSDT"])

    assert factory.built[0].stop_count == 1
    assert hunter.heatmap is old


def test_with_block_closes_the_owned_heatmap() -> None:
    factory = FakeHeatmapFactory()

    with LiquidationHunter(heatmap_factory=factory) as hunter:
        hunter.set_data_source(source="live_binance", symbols=["BTCUSDT"])

    assert factory.built[0].stop_count == 1


def test_live_binance_defaults_to_the_real_heatmap() -> None:
    from bot.heatmap import LiveLiquidationHeatmap

    hunter = LiquidationHunter()
    # Port 9 (discard) on loopback: nothing listens, so the heatmap only retries quietly.
    hunter.set_data_source(
        source="live_binance", symbols=["BTCUSDT"], ws_base_url="ws://127.0.0.1:9/market"
    )
    try:
        assert isinstance(hunter.heatmap, LiveLiquidationHeatmap)
        assert hunter.generate_signal("BTC/USDT:USDT", 90_000.0) == (0, 0.0, None)
    finally:
        started = time.monotonic()
        hunter.close()
    assert time.monotonic() - started < 3.0
