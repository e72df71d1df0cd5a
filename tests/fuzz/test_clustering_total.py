"""Clustering is total: nothing the heatmap accepts can produce NaN or infinity."""

from __future__ import annotations

import math
from datetime import timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from bot.domain import Liquidation
from bot.heatmap import LiveLiquidationHeatmap
from tests.fuzz.budget import FUZZ
from tests.heatmap.hostile import NOW

_POSITIVE = st.floats(min_value=0.0, exclude_min=True, allow_infinity=False, allow_nan=False,
                      allow_subnormal=True)
_EVENTS = st.tuples(
    _POSITIVE, _POSITIVE, st.booleans(),
    st.floats(min_value=-1e7, max_value=1e7, allow_nan=False),  # minutes from now
)


@FUZZ
@example(events=[(90_000.0, 1.0, True, 0.0)], window=0.02, decay=60.0, size=1, mark=5e-324)
@example(events=[(5e-324, 1e308, True, 0.0)] * 2, window=1.0, decay=1e300, size=1, mark=None)
@given(events=st.lists(_EVENTS, min_size=1, max_size=60),
       window=st.floats(min_value=1e-9, max_value=1.0),
       decay=st.floats(min_value=1e-9, max_value=1e300),
       size=st.integers(min_value=1, max_value=5),
       mark=st.one_of(st.none(), _POSITIVE))
def test_extreme_floats_give_finite_clusters_or_are_refused(
    events: list[tuple[float, float, bool, float]], window: float, decay: float, size: int,
    mark: float | None,
) -> None:
    heatmap = LiveLiquidationHeatmap(cluster_window_pct=window, time_decay_minutes=decay,
                                     min_cluster_size=size, clock=lambda: NOW)
    for price, quantity, is_long, minutes in events:
        heatmap.add_liquidation(Liquidation(
            symbol="BTCUSDT", side="long" if is_long else "short", price=price,
            quantity=quantity, timestamp=NOW + timedelta(minutes=minutes)))
    health = heatmap.health()
    if mark is not None:
        heatmap.update_price("BTCUSDT", mark)

    clusters = heatmap.get_clusters("BTCUSDT")

    accepted = health.liquidations
    assert accepted + health.duplicates + sum(health.rejected.values()) == len(events)
    assert sum(c.liquidation_count for c in clusters) <= accepted
    for cluster in clusters:
        numbers = [cluster.price_level, cluster.total_notional, cluster.strength,
                   cluster.long_notional, cluster.short_notional]
        assert all(math.isfinite(n) for n in numbers)
        assert cluster.price_low <= cluster.price_level <= cluster.price_high
        assert 0.0 <= cluster.strength <= 1.0
        assert cluster.distance_from_price is None or math.isfinite(cluster.distance_from_price)
