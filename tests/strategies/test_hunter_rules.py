"""Table tests for each pure rule of the liquidation hunter, boundaries included."""

from __future__ import annotations

import math

import pytest

from bot.domain import LiquidationCluster, LiquidationSide, PositionSide
from strategies.base import OpenPosition
from strategies.hunter_rules import (
    ExitReason,
    HunterParams,
    candidate_score,
    distance_pct,
    distance_score,
    entry_exits_at_once,
    exit_levels,
    exit_reason,
    is_candidate,
    select_target,
    signal_strength,
    trade_direction,
)
from tests.strategies.fakes import cluster

DEFAULTS = HunterParams()


@pytest.mark.parametrize(
    ("level", "price", "expected"),
    [
        (110.0, 100.0, 10.0),
        (90.0, 100.0, 10.0),
        (103.5, 100.0, 3.5),
        (100.0, 100.0, 0.0),
        (99_000.0, 90_000.0, 10.0),
    ],
)
def test_distance_pct_is_unsigned_percent_of_the_price(
    level: float, price: float, expected: float
) -> None:
    assert distance_pct(level, price) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("side", "level", "expected"),
    [
        ("short", 103.0, 1),  # short liquidations above: long toward them
        ("long", 97.0, -1),  # long liquidations below: short toward them
        ("long", 103.0, 0),  # long liquidations above: not tradable
        ("short", 97.0, 0),  # short liquidations below: not tradable
        ("short", 100.0, 0),  # at the price: nowhere to go
        ("long", 100.0, 0),
    ],
)
def test_trade_direction_by_side_and_position(
    side: LiquidationSide, level: float, expected: int
) -> None:
    assert trade_direction(cluster(level, side, 0.9), 100.0) == expected


@pytest.mark.parametrize(
    ("level", "side", "strength", "expected"),
    [
        # strength threshold: 0.6 exactly is accepted, a hair below is refused
        (103.0, "short", 0.6, True),
        (103.0, "short", 0.5999, False),
        (103.0, "short", 1.0, True),
        (97.0, "long", 0.6, True),
        (97.0, "long", 0.5999, False),
        # tradable side
        (103.0, "long", 0.9, False),
        (97.0, "short", 0.9, False),
        (100.0, "short", 0.9, False),
        # 10 % distance boundary, both directions
        (110.0, "short", 0.9, True),
        (110.001, "short", 0.9, False),
        (90.0, "long", 0.9, True),
        (89.999, "long", 0.9, False),
        (150.0, "short", 1.0, False),
    ],
)
def test_is_candidate(level: float, side: LiquidationSide, strength: float, expected: bool) -> None:
    assert is_candidate(cluster(level, side, strength), 100.0, DEFAULTS) is expected


@pytest.mark.parametrize(
    ("params", "level", "strength", "expected"),
    [
        (HunterParams(min_strength=0.8), 103.0, 0.79, False),
        (HunterParams(min_strength=0.8), 103.0, 0.8, True),
        (HunterParams(max_distance_pct=5.0), 105.0, 0.9, True),
        (HunterParams(max_distance_pct=5.0), 105.01, 0.9, False),
    ],
)
def test_is_candidate_follows_configured_thresholds(
    params: HunterParams, level: float, strength: float, expected: bool
) -> None:
    assert is_candidate(cluster(level, "short", strength), 100.0, params) is expected


def test_the_ten_percent_boundary_holds_at_real_prices() -> None:
    assert is_candidate(cluster(81_000.0, "long", 0.7), 90_000.0, DEFAULTS)
    assert is_candidate(cluster(99_000.0, "short", 0.7), 90_000.0, DEFAULTS)


@pytest.mark.parametrize(
    ("distance", "optimal", "expected"),
    [
        (0.0, 3.5, 0.0),
        (1.75, 3.5, 0.5),
        (3.5, 3.5, 1.0),
        (5.25, 3.5, 0.5),
        (7.0, 3.5, 0.0),
        (8.0, 3.5, 0.0),
        (10.0, 3.5, 0.0),
        (2.0, 2.0, 1.0),
        (4.0, 2.0, 0.0),
        (1.0, 2.0, 0.5),
    ],
)
def test_distance_score(distance: float, optimal: float, expected: float) -> None:
    assert distance_score(distance, optimal) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("strength", "dist_score", "params", "expected"),
    [
        (1.0, 1.0, DEFAULTS, 1.0),
        (0.6, 0.0, DEFAULTS, 0.42),
        (0.8, 0.5, DEFAULTS, 0.71),
        (0.8, 0.5, HunterParams(strength_weight=0.5, distance_weight=0.5), 0.65),
        (0.8, 0.5, HunterParams(strength_weight=1.0, distance_weight=0.0), 0.8),
    ],
)
def test_candidate_score(
    strength: float, dist_score: float, params: HunterParams, expected: float
) -> None:
    assert candidate_score(strength, dist_score, params) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("cluster_strength", "distance", "max_distance", "expected"),
    [
        (0.8, 0.0, 10.0, 0.8),
        (0.8, 5.0, 10.0, 0.4),
        (0.6, 3.5, 10.0, 0.39),
        (1.0, 10.0, 10.0, 0.0),
        (0.9, 12.0, 10.0, 0.0),  # beyond the maximum: clamped, never negative
        (1.5, 0.0, 10.0, 1.0),  # a source's out-of-range strength: clamped to 1
        (0.8, 2.5, 5.0, 0.4),
    ],
)
def test_signal_strength(
    cluster_strength: float, distance: float, max_distance: float, expected: float
) -> None:
    assert signal_strength(cluster_strength, distance, max_distance) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("clusters", "expected_level"),
    [
        # a strong cluster at 7 % (distance score 0: 0.63) loses to a weaker one at 3.5 % (0.79)
        ([cluster(107.0, "short", 0.9), cluster(103.5, "short", 0.7)], 103.5),
        # same distance: the stronger wins
        ([cluster(96.5, "long", 0.7), cluster(103.5, "short", 0.8)], 103.5),
        # a perfect score on the wrong side is ignored
        ([cluster(103.5, "long", 1.0), cluster(95.0, "long", 0.6)], 95.0),
        # a tie goes to the one listed first (the heatmap lists strongest first)
        ([cluster(103.5, "short", 0.8), cluster(96.5, "long", 0.8)], 103.5),
        ([cluster(96.5, "long", 0.8), cluster(103.5, "short", 0.8)], 96.5),
    ],
)
def test_select_target_picks_the_best_candidate(
    clusters: list[LiquidationCluster], expected_level: float
) -> None:
    target = select_target(clusters, 100.0, DEFAULTS)

    assert target is not None
    assert target.cluster.price_level == expected_level


@pytest.mark.parametrize(
    "clusters",
    [
        [],
        [cluster(103.0, "long", 0.9), cluster(97.0, "short", 0.9)],
        [cluster(103.0, "short", 0.59), cluster(120.0, "short", 1.0)],
    ],
)
def test_select_target_without_candidates_is_none(clusters: list[LiquidationCluster]) -> None:
    assert select_target(clusters, 100.0, DEFAULTS) is None


@pytest.mark.parametrize(
    ("target_cluster", "direction", "side", "strength", "distance"),
    [
        (cluster(105.0, "short", 0.8), 1, PositionSide.LONG, 0.4, 5.0),
        (cluster(96.5, "long", 0.6), -1, PositionSide.SHORT, 0.39, 3.5),
    ],
)
def test_select_target_reports_direction_strength_and_distance(
    target_cluster: LiquidationCluster,
    direction: int,
    side: PositionSide,
    strength: float,
    distance: float,
) -> None:
    target = select_target([target_cluster], 100.0, DEFAULTS)

    assert target is not None
    assert (target.direction, target.side) == (direction, side)
    assert target.strength == pytest.approx(strength)
    assert target.distance_pct == pytest.approx(distance)


def test_select_target_ignores_the_clusters_own_distance() -> None:
    stale = cluster(103.5, "short", 0.8, distance_from_price=-40.0)
    unknown = cluster(103.5, "short", 0.8, distance_from_price=None)

    for candidate in (stale, unknown):
        target = select_target([candidate], 100.0, DEFAULTS)
        assert target is not None
        assert target.distance_pct == pytest.approx(3.5)


@pytest.mark.parametrize(
    ("side", "cluster_price", "params", "stop", "take_profit"),
    [
        # far cluster: the fixed 5 % comes first
        (PositionSide.LONG, 110.0, DEFAULTS, 97.0, 105.0),
        (PositionSide.SHORT, 90.0, DEFAULTS, 103.0, 95.0),
        # near cluster: 0.5 % before it comes before 5 %
        (PositionSide.LONG, 103.5, DEFAULTS, 97.0, 102.9825),
        (PositionSide.SHORT, 96.5, DEFAULTS, 103.0, 96.9825),
        # a cluster just beyond 5 %: 0.5 % before it is still nearer
        (PositionSide.LONG, 105.2, DEFAULTS, 97.0, 104.674),
        (PositionSide.SHORT, 94.8, DEFAULTS, 103.0, 95.274),
        # configured levels
        (
            PositionSide.LONG,
            110.0,
            HunterParams(stop_loss_pct=2.0, take_profit_pct=4.0),
            98.0,
            104.0,
        ),
        (PositionSide.SHORT, 97.0, HunterParams(target_buffer_pct=1.0), 103.0, 97.97),
    ],
)
def test_exit_levels(
    side: PositionSide,
    cluster_price: float,
    params: HunterParams,
    stop: float,
    take_profit: float,
) -> None:
    levels = exit_levels(side, 100.0, cluster_price, params)

    assert levels.stop_price == pytest.approx(stop)
    assert levels.take_profit_price == pytest.approx(take_profit)


@pytest.mark.parametrize(
    ("level", "side", "expected"),
    [
        (103.5, "short", False),
        (96.5, "long", False),
        (100.4, "short", True),  # within exit_near_cluster_pct: would exit at once
        (100.5, "short", True),  # exactly 0.5 %
        (99.5, "long", True),
        (100.5001, "short", True),  # take profit 0.5 % before it lies behind the entry
        (100.51, "short", True),  # take profit 0.007 % away: inside min_reward_pct (0.3 %)
        (100.81, "short", False),  # take profit 100.806: 0.306 % away
        (99.19, "long", False),
        (99.3, "long", True),
    ],
)
def test_entry_exits_at_once(level: float, side: LiquidationSide, expected: bool) -> None:
    target = select_target([cluster(level, side, 0.9)], 100.0, DEFAULTS)
    assert target is not None
    levels = exit_levels(target.side, 100.0, level, DEFAULTS)

    assert entry_exits_at_once(target, levels, 100.0, DEFAULTS) is expected


def test_min_reward_zero_allows_any_take_profit_beyond_the_entry() -> None:
    params = HunterParams(min_reward_pct=0.0)
    target = select_target([cluster(100.51, "short", 0.9)], 100.0, params)
    assert target is not None
    levels = exit_levels(target.side, 100.0, 100.51, params)
    assert entry_exits_at_once(target, levels, 100.0, params) is False


LONG = OpenPosition(
    symbol="BTCUSDT",
    side=PositionSide.LONG,
    entry_price=100.0,
    quantity=1.0,
    stop_price=97.0,
    take_profit_price=102.9825,
    target_cluster_price=103.5,
)
SHORT = OpenPosition(
    symbol="BTCUSDT",
    side=PositionSide.SHORT,
    entry_price=100.0,
    quantity=1.0,
    stop_price=103.0,
    take_profit_price=96.9825,
    target_cluster_price=96.5,
)
NO_TARGET = OpenPosition(
    symbol="BTCUSDT",
    side=PositionSide.LONG,
    entry_price=100.0,
    quantity=1.0,
    stop_price=97.0,
    take_profit_price=103.0,
)
FAR_TAKE_PROFIT = OpenPosition(
    symbol="BTCUSDT",
    side=PositionSide.LONG,
    entry_price=97.0,
    quantity=1.0,
    stop_price=95.0,
    take_profit_price=110.0,
    target_cluster_price=100.5,
)
FAR_TAKE_PROFIT_SHORT = OpenPosition(
    symbol="BTCUSDT",
    side=PositionSide.SHORT,
    entry_price=103.0,
    quantity=1.0,
    stop_price=106.0,
    take_profit_price=90.0,
    target_cluster_price=99.5,
)


@pytest.mark.parametrize(
    ("position", "mark", "expected"),
    [
        (LONG, 100.0, None),
        (LONG, 97.01, None),
        (LONG, 97.0, ExitReason.STOP_LOSS),  # touching the stop is enough
        (LONG, 96.0, ExitReason.STOP_LOSS),
        (LONG, 102.9, None),  # 0.58 % from the cluster, take profit not reached
        (LONG, 102.99, ExitReason.REACHED_CLUSTER),  # 0.495 % from it
        (LONG, 103.5, ExitReason.REACHED_CLUSTER),
        (LONG, 104.0, ExitReason.REACHED_CLUSTER),  # just through it
        (LONG, 104.1, ExitReason.TAKE_PROFIT),  # well through it
        (SHORT, 100.0, None),
        (SHORT, 102.99, None),
        (SHORT, 103.0, ExitReason.STOP_LOSS),
        (SHORT, 97.0, None),  # 0.515 % from the cluster, above the take profit
        (SHORT, 96.98, ExitReason.REACHED_CLUSTER),
        (SHORT, 96.0, ExitReason.TAKE_PROFIT),
        (NO_TARGET, 102.9, None),
        (NO_TARGET, 103.0, ExitReason.TAKE_PROFIT),
        (NO_TARGET, 97.0, ExitReason.STOP_LOSS),
        # the 0.5 % boundary on its own, with a take profit far away
        (FAR_TAKE_PROFIT, 100.0, ExitReason.REACHED_CLUSTER),
        (FAR_TAKE_PROFIT, 99.99, None),
        (FAR_TAKE_PROFIT_SHORT, 100.0, ExitReason.REACHED_CLUSTER),
        (FAR_TAKE_PROFIT_SHORT, 100.01, None),
    ],
)
def test_exit_reason(position: OpenPosition, mark: float, expected: ExitReason | None) -> None:
    assert exit_reason(position, mark, DEFAULTS) == expected


def test_exit_near_cluster_threshold_is_configurable() -> None:
    wide = HunterParams(exit_near_cluster_pct=1.0)

    assert exit_reason(LONG, 102.5, DEFAULTS) is None
    assert exit_reason(LONG, 102.5, wide) == ExitReason.REACHED_CLUSTER


def test_exit_reasons_are_the_journal_strings() -> None:
    assert [str(reason) for reason in ExitReason] == ["stop_loss", "take_profit", "reached_cluster"]


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"min_strength": 1.1}, "min_strength"),
        ({"min_strength": -0.1}, "min_strength"),
        ({"min_strength": math.nan}, "min_strength"),
        ({"max_distance_pct": 0.0}, "max_distance_pct"),
        ({"optimal_distance_pct": 0.0}, "optimal_distance_pct"),
        ({"strength_weight": -1.0}, "strength_weight"),
        ({"strength_weight": 0.0, "distance_weight": 0.0}, "distance_weight"),
        ({"stop_loss_pct": 0.0}, "stop_loss_pct"),
        ({"stop_loss_pct": 100.0}, "stop_loss_pct"),
        ({"take_profit_pct": 0.0}, "take_profit_pct"),
        ({"take_profit_pct": math.inf}, "take_profit_pct"),
        ({"target_buffer_pct": -0.5}, "target_buffer_pct"),
        ({"target_buffer_pct": 100.0}, "target_buffer_pct"),
        ({"exit_near_cluster_pct": -0.5}, "exit_near_cluster_pct"),
    ],
)
def test_params_refuse_out_of_range_values_naming_the_key(
    overrides: dict[str, float], key: str
) -> None:
    with pytest.raises(ValueError, match=key):
        HunterParams(**overrides)
