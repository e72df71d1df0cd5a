"""Reward against risk (``min_reward_risk``) and the cluster source (realized / projected /
both) of the liquidation hunter."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.domain import EntryIntent, EntryRefusal, LiquidationCluster, PositionSide
from strategies.base import MarketSnapshot
from strategies.hunter_rules import HunterParams, combine_layers
from strategies.liquidation_hunter import LiquidationHunter
from tests.strategies.fakes import NOW, FakeClusterSource, cluster


def projected(price_level: float, side: str, strength: float) -> LiquidationCluster:
    return replace(cluster(price_level, side, strength), kind="projected")  # type: ignore[arg-type]


def snapshot(*clusters: LiquidationCluster, levels: tuple[LiquidationCluster, ...] = (),
             price: float = 100.0) -> MarketSnapshot:
    return MarketSnapshot(symbol="BTCUSDT", clusters=clusters, mark_price=price, now=NOW,
                          projected=levels)


def test_a_target_smaller_than_the_stop_is_refused_with_its_reason() -> None:
    # cluster 2.5 % above: take profit 0.5 % before it, 1.99 % away, against a 3 % stop
    decision = LiquidationHunter().entry_intent(snapshot(cluster(102.5, "short", 0.9)))

    assert isinstance(decision, EntryRefusal)
    assert decision.side is PositionSide.LONG
    assert decision.reason.startswith("min_reward_risk: take profit 1.99 % away against a stop "
                                      "3.00 % away is 0.66, below 1")
    assert decision.cluster is not None
    assert decision.cluster.price_level == 102.5


@pytest.mark.parametrize(("min_reward_risk", "entered"), [(1.0, True), (1.7, False), (0.0, True)])
def test_the_gate_compares_target_and_stop_distances(min_reward_risk: float,
                                                     entered: bool) -> None:
    # cluster 5.5 % below: take profit at 5 % (the cap), stop 3 %: 1.67
    hunter = LiquidationHunter(min_reward_risk=min_reward_risk, optimal_distance_pct=5.0)

    decision = hunter.entry_intent(snapshot(cluster(94.5, "long", 0.9)))

    assert isinstance(decision, EntryIntent if entered else EntryRefusal)


def test_zero_turns_the_gate_off_for_the_seeds_setups() -> None:
    decision = LiquidationHunter(min_reward_risk=0).entry_intent(
        snapshot(cluster(102.5, "short", 0.9)))

    assert isinstance(decision, EntryIntent)


def test_a_negative_ratio_or_an_unknown_source_is_refused() -> None:
    with pytest.raises(ValueError, match="min_reward_risk"):
        HunterParams(min_reward_risk=-1.0)
    with pytest.raises(ValueError, match="cluster_source"):
        HunterParams(cluster_source="guess")  # type: ignore[arg-type]


def test_the_source_picks_the_layer_traded_toward() -> None:
    realized, level = cluster(96.0, "long", 0.7), projected(104.5, "short", 0.9)
    seen = snapshot(realized, levels=(level,))

    by_source = {source: LiquidationHunter(cluster_source=source, min_reward_risk=0)
                 .entry_intent(seen) for source in ("realized", "projected", "both")}

    assert isinstance(by_source["realized"], EntryIntent)
    assert by_source["realized"].cluster is realized
    assert isinstance(by_source["projected"], EntryIntent)
    assert by_source["projected"].cluster is level
    assert isinstance(by_source["both"], EntryIntent)
    assert by_source["both"].cluster is level  # the stronger of the two


def test_with_both_a_coinciding_pair_is_worth_more_than_either() -> None:
    params = HunterParams(cluster_source="both")
    realized = [cluster(96.0, "long", 0.6), cluster(90.0, "long", 0.65)]
    levels = [projected(96.3, "long", 0.5), projected(104.0, "short", 0.5)]

    combined = combine_layers(realized, levels, params)

    strengths = {(c.kind, c.price_level): c.strength for c in combined}
    assert strengths[("realized", 96.0)] == pytest.approx(1 - 0.4 * 0.5)  # 0.8
    assert strengths[("projected", 96.3)] == pytest.approx(0.8)
    assert strengths[("realized", 90.0)] == 0.65  # nothing projected near it
    assert strengths[("projected", 104.0)] == 0.5  # a short level: no long cluster counts
    assert [c.strength for c in combined] == sorted((c.strength for c in combined),
                                                    reverse=True)


def test_generate_signal_reads_projected_levels_from_the_heatmap() -> None:
    class Heatmap(FakeClusterSource):
        def get_projected_levels(self, symbol: str) -> list[LiquidationCluster]:
            return [projected(95.0, "long", 0.9)]

    hunter = LiquidationHunter(cluster_source="projected")
    hunter.set_data_source(source="heatmap", heatmap=Heatmap({"BTCUSDT": []}))

    signal, strength, target = hunter.generate_signal("BTCUSDT", 100.0)

    assert signal == -1
    assert strength > 0
    assert target is not None
    assert target.kind == "projected"
