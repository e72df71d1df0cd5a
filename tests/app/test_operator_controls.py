"""The trading loop's operator controls (what the dashboard's API calls): pause, resume,
kill switch and manual close, each journaled."""

from __future__ import annotations

from pathlib import Path

from bot.journal import TradeStatus
from tests.app.helpers import SYMBOL, build_rig, short_cluster_above


def test_operator_pause_stops_entries_until_resumed(tmp_path: Path) -> None:
    rig = build_rig(tmp_path)
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.loop.pause_entries("lunch")
    rig.tick(100.0)
    assert rig.journal.open_trades() == []
    assert rig.loop.status().entries_paused == "by operator: lunch"
    (ignored,) = rig.journal.list_signals()
    assert ignored.outcome == "ignored"
    assert "by operator: lunch" in (ignored.reason or "")
    rig.loop.resume_entries("back")
    rig.clock.advance(1)
    rig.tick(100.0)
    assert len(rig.journal.open_trades()) == 1
    reasons = [(e.kind, e.reason, e.detail) for e in rig.journal.list_risk_events()]
    assert ("operator", "entries paused", "lunch") in reasons
    assert ("operator", "entries resumed", "back") in reasons


def test_kill_switch_shows_in_the_status_and_refuses_entries(tmp_path: Path) -> None:
    rig = build_rig(tmp_path)
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.loop.set_kill_switch(True, "panic")
    rig.tick(100.0)
    assert rig.loop.kill_switch_on()
    assert rig.loop.status().entries_paused == "kill switch: panic"
    assert rig.journal.open_trades() == []
    (refused,) = rig.journal.list_signals()
    assert refused.outcome == "rejected"
    assert "kill switch" in (refused.reason or "")
    rig.loop.set_kill_switch(False, "calm")
    assert not rig.loop.kill_switch_on()
    kinds = [(e.kind, e.reason) for e in rig.journal.list_risk_events(kind="kill_switch")]
    assert kinds == [("kill_switch", "kill switch on"), ("kill_switch", "kill switch off")]


def test_manual_close_goes_through_the_venue(tmp_path: Path) -> None:
    rig = build_rig(tmp_path)
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)
    assert rig.loop.close_position("BTC/USDT:USDT", "nothing there") == "no_position"
    assert rig.loop.close_position(SYMBOL, "by hand") == "closed"
    (trade,) = rig.journal.list_trades()
    assert trade.status == TradeStatus.CLOSED
    assert trade.exit_reason == "manual"
    assert rig.venue.position(SYMBOL) is None
    assert rig.loop.close_position(SYMBOL, "again") == "no_position"
