"""The loop journals the hunter's own refusals (reward against risk) and hands it the
projected levels it trades toward."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.domain import LiquidationCluster
from bot.heatmap import LiveLiquidationHeatmap
from strategies.liquidation_hunter import LiquidationHunter
from tests.app.helpers import SYMBOL, build_rig, short_cluster_above


def test_a_target_too_small_for_its_stop_is_journaled_as_the_refusal(tmp_path: Path) -> None:
    rig = build_rig(tmp_path)  # stop 3 %, take profit 0.2 % before the cluster
    short_cluster_above(rig.heatmap, rig.clock(), 102.0)  # take profit about 1.8 % away

    rig.tick(100.0)

    assert rig.journal.open_trades() == []
    (refused,) = rig.journal.list_signals()
    assert refused.outcome == "rejected"
    assert (refused.reason or "").startswith("min_reward_risk: take profit 1.7")


def test_projected_levels_reach_the_hunter_when_it_trades_them(tmp_path: Path) -> None:
    source = LiveLiquidationHeatmap(min_cluster_size=5)
    short_cluster_above(source, build_rig(tmp_path / "a").clock(), 104.0)
    levels = [replace(c, kind="projected") for c in source.get_clusters(SYMBOL)]
    asked: list[str] = []

    def projected(symbol: str) -> list[LiquidationCluster]:
        asked.append(symbol)
        return levels

    rig = build_rig(tmp_path / "b", projected=projected, hunter=LiquidationHunter(
        target_buffer_pct=0.2, cluster_source="projected"))
    rig.tick(100.0)

    (trade,) = rig.journal.open_trades()
    assert trade.target_cluster_price == levels[0].price_level
    assert set(asked) == {SYMBOL}  # entry, then supervision
