"""Strength knows absolute size: dust is no cascade, and the contract's monotonicity holds."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import Liquidation
from bot.heatmap.clustering import (
    ABSOLUTE_SHARE,
    STAND_IN_REFERENCE_NOTIONAL,
    ClusterParams,
    compute_clusters,
    reference_notional,
)
from bot.heatmap.live import LiveLiquidationHeatmap
from tests.heatmap.test_clustering import NOW, columns

PARAMS = ClusterParams(min_cluster_size=5)


def _five(total_usd: float, price: float = 100.0) -> list[tuple[float, float, float, bool]]:
    """Five fresh long liquidations within 0.1 % worth ``total_usd`` together."""
    return [(price * (1 + i * 0.0002), total_usd / 5 / price, 1.0, True) for i in range(5)]


def test_59_dollars_of_dust_no_longer_scores_like_a_50_million_cascade() -> None:
    # Arrange: each is its own symbol's only (so biggest) cluster, as in the issue.
    dust, cascade = _five(59.0), _five(50e6)
    # Act
    (small,) = compute_clusters("DUSTUSDT", columns(dust), now=NOW, current_price=None,
                                params=PARAMS)
    (big,) = compute_clusters("BTCUSDT", columns(cascade), now=NOW, current_price=None,
                              params=PARAMS, reference=reference_notional(20e9))
    # Assert: before, both scored 0.5 × 0.63 + 0.5 × 1 = 0.82 (0.73 in the data).
    assert small.strength < 0.45
    assert big.strength > 0.9
    assert big.strength - small.strength > 0.45
    # The strategy's default threshold (0.6) takes the cascade and leaves the dust.
    assert small.strength < 0.6 <= big.strength


def test_the_absolute_term_follows_the_symbols_daily_volume() -> None:
    # Arrange: one $300k cluster on a thin and on a deep market.
    rows = columns(_five(300_000.0))
    # Act
    (thin,) = compute_clusters("X", rows, now=NOW, current_price=None, params=PARAMS,
                               reference=reference_notional(50e6))
    (deep,) = compute_clusters("X", rows, now=NOW, current_price=None, params=PARAMS,
                               reference=reference_notional(20e9))
    # Assert
    assert thin.strength > deep.strength
    assert reference_notional(20e9) == pytest.approx(20e9 * ABSOLUTE_SHARE)
    assert reference_notional(None) == STAND_IN_REFERENCE_NOTIONAL
    assert reference_notional(math.nan) == STAND_IN_REFERENCE_NOTIONAL
    assert reference_notional(0.0) == STAND_IN_REFERENCE_NOTIONAL


@settings(max_examples=150, deadline=None)
@given(
    total=st.floats(min_value=1.0, max_value=1e9),
    boost=st.floats(min_value=1.0, max_value=100.0),
    extra=st.integers(min_value=1, max_value=10),
    volume=st.one_of(st.none(), st.floats(min_value=1e5, max_value=1e11)),
)
def test_more_notional_or_members_never_weaken_a_cluster(
        total: float, boost: float, extra: int, volume: float | None) -> None:
    # Arrange
    reference = reference_notional(volume)
    base_rows = _five(total)
    more_rows = base_rows + [(100.0 * (1 + 0.0001 * i), total / 500, 1.0, False)
                             for i in range(extra)]
    bigger_rows = [(p, q * boost, age, side) for p, q, age, side in base_rows]

    def strength(rows: list[tuple[float, float, float, bool]]) -> float:
        (cluster,) = compute_clusters("X", columns(rows), now=NOW, current_price=None,
                                      params=PARAMS, reference=reference)
        return cluster.strength

    # Act / Assert
    base = strength(base_rows)
    assert 0.0 <= base <= 1.0
    assert strength(more_rows) >= base - 1e-12
    assert strength(bigger_rows) >= base - 1e-12


def test_the_heatmap_uses_quote_volumes_it_is_given() -> None:
    # Arrange: the same $1M cluster in two symbols, one with a known deep market.
    heatmap = LiveLiquidationHeatmap(clock=lambda: NOW)
    for symbol in ("AAAUSDT", "BBBUSDT"):
        for price, quantity, _, _ in _five(1e6):
            heatmap.add_liquidation(Liquidation(symbol=symbol, side="long", price=price,
                                                quantity=quantity,
                                                timestamp=NOW - timedelta(minutes=1)))
    # Act
    heatmap.set_quote_volumes({"AAA/USDT:USDT": 100e9, "BBBUSDT": float("nan")})
    (deep,) = heatmap.get_clusters("AAAUSDT")
    (unknown,) = heatmap.get_clusters("BBBUSDT")
    # Assert: BBB keeps the stand-in; AAA's $1M is small beside $100B a day.
    assert deep.strength < unknown.strength
    assert np.isclose(unknown.strength, compute_clusters(
        "BBBUSDT", columns(_five(1e6)), now=NOW, current_price=None, params=PARAMS,
    )[0].strength, atol=1e-6)
