"""The simulator's liquidation cascades: a move that grinds on, then a rebound, so that a
cluster is left behind the price at a distance the strategy trades toward (issue 13)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.app.bootstrap import build_strategy
from bot.domain import EntryIntent
from bot.heatmap import LiveLiquidationHeatmap
from bot.settings import load_settings
from bot.sim import MarketConfig
from bot.sim.market import SimMarket, _Cascade
from strategies.base import MarketSnapshot

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_cascade_gives_most_of_its_move_early_then_takes_back_its_rebound() -> None:
    config = MarketConfig(cascade_seconds=180, rebound_fraction=0.7, rebound_seconds=30)
    cascade = _Cascade(-0.02)

    first_third = sum(cascade.advance(1.0, config) for _ in range(60))
    rest = sum(cascade.advance(1.0, config) for _ in range(120))
    rebound = sum(cascade.advance(1.0, config) for _ in range(30))

    assert first_third == pytest.approx(-0.02 * (1 - math.exp(-1)) / (1 - math.exp(-3)))
    assert first_third + rest == pytest.approx(-0.02)
    assert rebound == pytest.approx(0.014)
    assert cascade.done


def _seconds_to_first_setup(seed: int, limit_seconds: int = 60) -> float | None:
    """The bot's heatmap and strategy over the default market at ``bot run --sim``'s speed,
    on a simulated clock: seconds until the strategy first wants to enter."""
    settings = load_settings(env={})
    market = SimMarket(MarketConfig(time_acceleration=settings.sim.time_acceleration),
                       rng=random.Random(seed))
    now = T0
    heatmap = LiveLiquidationHeatmap(clock=lambda: now)
    hunter = build_strategy(settings)
    for tick in range(limit_seconds * 10):  # the simulator steps every 100 ms
        now = T0 + timedelta(milliseconds=100 * tick)
        update = market.step(now)
        for order in update.liquidations:
            heatmap.add_liquidation(order.to_liquidation())
        if tick % 10:
            continue
        for mark in update.mark_prices:
            price = float(mark.mark_price)
            heatmap.update_price(mark.symbol, price)
            snapshot = MarketSnapshot(symbol=mark.symbol, clusters=heatmap.get_clusters(
                mark.symbol), mark_price=price, now=now, position=None)
            # A refusal (reward against risk too small) is no setup.
            if isinstance(hunter.decide(snapshot), EntryIntent):
                return tick / 10
    return None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_default_market_offers_a_setup_within_a_minute(seed: int) -> None:
    assert _seconds_to_first_setup(seed) is not None
