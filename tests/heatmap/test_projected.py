"""The heatmap's projected layer: levels from open interest, consumed by the price, fetched
in the background from the simulator's REST endpoints."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest

from bot.domain import to_epoch_ms
from bot.heatmap import LiveLiquidationHeatmap
from bot.heatmap.projection import (
    GENERIC_BRACKETS,
    BarColumns,
    LeverageMix,
    ProjectionModel,
    liquidation_price,
)
from bot.sim import SimExchange
from tests.heatmap.conftest import wait_until

MakeHeatmap = Callable[..., LiveLiquidationHeatmap]
NOW = datetime(2026, 1, 2, tzinfo=UTC)
STEP = 300_000


def rising_bars(count: int = 40, price: float = 100.0) -> BarColumns:
    """Open interest rising at a flat price, the bars ending at ``NOW``."""
    end = to_epoch_ms(NOW)
    times = end - STEP * np.arange(count, 0, -1, dtype=np.int64)
    flat = np.full(count, price)
    return BarColumns(times, 1_000.0 + 10.0 * np.arange(count), flat, flat * 1.001,
                      flat * 0.999, flat, np.full(count, np.nan))


class Source:
    """Bars from memory, noting the thread and the window of each read."""

    def __init__(self, bars: BarColumns) -> None:
        self.bars = bars
        self.reads: list[tuple[str, datetime, datetime, str]] = []

    def __call__(self, symbol: str, since: datetime, until: datetime) -> BarColumns:
        self.reads.append((symbol, since, until, threading.current_thread().name))
        keep = (self.bars.time_ms >= to_epoch_ms(since)) & (self.bars.time_ms < to_epoch_ms(
            until))
        return self.bars.rows(int(np.argmax(keep)) if keep.any() else len(self.bars))


def projected(source: Source, **options: object) -> LiveLiquidationHeatmap:
    return LiveLiquidationHeatmap(
        min_cluster_size=1, projected=True, projection_source=source, clock=lambda: NOW,
        projection_model=ProjectionModel(mix=LeverageMix((10.0,), (1.0,))),
        **options)  # type: ignore[arg-type]


def test_levels_are_projected_clusters_longs_below_and_shorts_above() -> None:
    heatmap = projected(Source(rising_bars()))
    heatmap.update_price("XYZUSDT", 100.0)

    assert heatmap.refresh_projection(["XYZ/USDT:USDT"]) == 40
    levels = heatmap.get_projected_levels("XYZUSDT")

    assert {c.kind for c in levels} == {"projected"}
    assert {c.side for c in levels} == {"long", "short"}
    for cluster in levels:
        assert cluster.total_notional > 0
        assert 0 <= cluster.strength <= 1
        assert cluster.distance_from_price is not None
        assert (cluster.distance_from_price < 0) == (cluster.side == "long")
        exact = liquidation_price(cluster.side == "long", 100.0, 10.0, 100.0, GENERIC_BRACKETS)
        assert cluster.price_level == pytest.approx(exact, rel=2e-3)  # 10x: about 9 % away
    assert heatmap.get_clusters("XYZUSDT") == []  # the realised layer is apart


def test_a_level_the_price_trades_through_disappears() -> None:
    heatmap = projected(Source(rising_bars()))
    heatmap.update_price("XYZUSDT", 100.0)
    heatmap.refresh_projection(["XYZUSDT"])
    assert any(c.side == "long" for c in heatmap.get_projected_levels("XYZUSDT"))

    heatmap.update_price("XYZUSDT", 90.0)  # through the longs' level near 91
    heatmap.update_price("XYZUSDT", 100.0)  # and back: consumed stays consumed

    assert [c.side for c in heatmap.get_projected_levels("XYZUSDT")] == ["short"]


def test_a_second_refresh_reads_only_what_is_new() -> None:
    source = Source(rising_bars())
    heatmap = projected(source, projection_lookback_hours=2)

    heatmap.refresh_projection(["XYZUSDT"])
    heatmap.refresh_projection(["XYZUSDT"])

    (first, second) = source.reads
    assert first[1:3] == (datetime(2026, 1, 1, 22, tzinfo=UTC), NOW)  # the 2 h warm start
    assert second[1] == datetime(2026, 1, 1, 23, 55, 0, 1000, tzinfo=UTC)  # after the last bar


def test_the_refresher_reads_on_its_own_thread_and_stops_with_the_stream(
    sim: SimExchange, make_heatmap: MakeHeatmap
) -> None:
    source = Source(rising_bars())
    heatmap = make_heatmap(projected=True, projection_source=source, projection_interval=0.05)
    heatmap.start_stream(["XYZUSDT"])

    assert wait_until(lambda: len(source.reads) >= 2)
    started = time.monotonic()
    heatmap.stop_stream()
    reads = len(source.reads)
    time.sleep(0.2)

    assert time.monotonic() - started < 2.0
    assert {read[3] for read in source.reads} == {"heatmap-projection"}
    assert len(source.reads) == reads


def test_without_projected_there_are_no_levels() -> None:
    heatmap = LiveLiquidationHeatmap()

    assert heatmap.get_projected_levels("BTCUSDT") == []
    assert heatmap.refresh_projection(["BTCUSDT"]) == 0


@pytest.mark.parametrize(("option", "value"), [
    ("projection_interval", 0.0), ("projection_lookback_hours", 0.0),
    ("projection_lookback_hours", 721.0),
])
def test_bad_projection_settings_name_themselves(option: str, value: float) -> None:
    with pytest.raises(ValueError, match=option):
        LiveLiquidationHeatmap(projected=True, **{option: value})  # type: ignore[arg-type]


def test_the_simulators_open_interest_becomes_levels_on_both_sides_of_its_price(
    sim: SimExchange, make_heatmap: MakeHeatmap
) -> None:
    heatmap = make_heatmap(projected=True, rest_base_url=sim.rest_url,
                           projection_lookback_hours=6)
    heatmap.start_stream(["BTCUSDT"])

    assert wait_until(lambda: heatmap.get_price("BTCUSDT") is not None
                      and len(heatmap.get_projected_levels("BTCUSDT")) > 1, timeout=20)
    price = heatmap.get_price("BTCUSDT")
    levels = heatmap.get_projected_levels("BTCUSDT")

    assert price is not None
    assert {c.kind for c in levels} == {"projected"}
    assert all((c.price_level < price) == (c.side == "long") for c in levels)
    assert sim.rest.stats().by_endpoint["GET /futures/data/openInterestHist"] >= 1
