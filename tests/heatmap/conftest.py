"""Fixtures: a running simulated exchange and heatmaps pointed at it."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator

import pytest

from bot.heatmap import LiveLiquidationHeatmap
from bot.sim import SimExchange, utc_now


@pytest.fixture
def sim() -> Iterator[SimExchange]:
    """The simulated exchange with its synthetic market, mark prices every 0.2 s."""
    exchange = SimExchange(clock=utc_now, rng=random.Random(11), mark_interval_seconds=0.2)
    with exchange:
        yield exchange


@pytest.fixture
def make_heatmap(sim: SimExchange) -> Iterator[Callable[..., LiveLiquidationHeatmap]]:
    """Build heatmaps on the simulator; every one is stopped after the test."""
    made: list[LiveLiquidationHeatmap] = []

    def build(**kwargs: object) -> LiveLiquidationHeatmap:
        kwargs.setdefault("ws_base_url", sim.ws_url)
        heatmap = LiveLiquidationHeatmap(**kwargs)  # type: ignore[arg-type]
        made.append(heatmap)
        return heatmap

    yield build
    for heatmap in made:
        heatmap.stop_stream()


def wait_until(condition: Callable[[], bool], timeout: float = 5.0, period: float = 0.01) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(period)
    return condition()
