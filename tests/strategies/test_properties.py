"""Properties of the hunter's choice that hold for any clusters and any price."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain import LiquidationCluster, PositionSide
from strategies.hunter_rules import HunterParams, exit_levels, select_target
from strategies.liquidation_hunter import LiquidationHunter
from tests.strategies.fakes import FakeClusterSource, cluster

PRICE = st.floats(min_value=1e-4, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def clusters_around(draw: st.DrawFn) -> tuple[float, list[LiquidationCluster]]:
    """A price and up to eight clusters within ±20 % of it, any side, any strength."""
    price = draw(PRICE)
    offsets = st.floats(min_value=-0.2, max_value=0.2, allow_nan=False)
    members = draw(
        st.lists(
            st.builds(
                lambda offset, side, strength: cluster(price * (1 + offset), side, strength),
                offsets,
                st.sampled_from(["long", "short"]),
                st.floats(min_value=0.0, max_value=1.0),
            ),
            max_size=8,
        )
    )
    return price, members


@given(clusters_around())
def test_signal_strength_is_always_between_zero_and_one(
    case: tuple[float, list[LiquidationCluster]],
) -> None:
    price, clusters = case
    hunter = LiquidationHunter()
    hunter.set_data_source(source="heatmap", heatmap=FakeClusterSource({"BTCUSDT": clusters}))

    signal, strength, target = hunter.generate_signal("BTC/USDT:USDT", price)

    assert 0.0 <= strength <= 1.0
    assert signal in (-1, 0, 1)
    assert (target is None) is (signal == 0)


@given(clusters_around())
def test_signal_sign_matches_the_clusters_side(
    case: tuple[float, list[LiquidationCluster]],
) -> None:
    price, clusters = case

    target = select_target(clusters, price, HunterParams())

    if target is not None:
        if target.direction == 1:
            assert target.cluster.side == "short"
            assert target.cluster.price_level > price
        else:
            assert target.direction == -1
            assert target.cluster.side == "long"
            assert target.cluster.price_level < price
        assert target.cluster.strength >= 0.6


@given(
    st.sampled_from(list(PositionSide)),
    PRICE,
    st.floats(min_value=0.0, max_value=0.5),
)
def test_stop_is_against_and_take_profit_within_the_cap(
    side: PositionSide, entry: float, cluster_offset: float
) -> None:
    cluster_price = entry * (1 + side.sign * cluster_offset)

    levels = exit_levels(side, entry, cluster_price, HunterParams())

    assert side.sign * (levels.stop_price - entry) < 0
    assert side.sign * (levels.take_profit_price - entry) <= entry * 0.05 * (1 + 1e-12)
