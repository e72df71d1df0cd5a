"""Case 6 of issue 11: entries stay paused while the exchange bans the bot's requests."""

from __future__ import annotations

from pathlib import Path

from bot.errors import IpBanned
from bot.exchange import RequestGate
from tests.app.helpers import SYMBOL, build_rig, short_cluster_above


def test_entries_stay_paused_for_the_whole_ban_and_resume_after_it(tmp_path: Path) -> None:
    # Arrange: a healthy loop whose exchange has just banned the IP for 25 s
    holder: list[RequestGate] = []
    rig = build_rig(tmp_path, exchange_blocked=lambda: holder[0].blocked_reason())
    gate = RequestGate(rig.clock)
    holder.append(gate)
    gate.observe(IpBanned("418 I'm a teapot", retry_after=25.0))
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)

    # Act: ticks through the ban
    for _ in range(12):
        rig.tick(100.0)
        rig.clock.advance(2.0)

    # Assert: no entry, one pause, never "resumed" during the ban
    assert rig.venue.positions() == []
    reasons = [(e.reason, e.detail) for e in rig.journal.list_risk_events(kind="health")]
    assert reasons[-1][0] == "entries paused"
    assert "IP ban" in (reasons[-1][1] or "")
    assert all(r != "entries resumed" for r, _ in reasons[1:])

    # Act again: the ban is over
    rig.clock.advance(2.0)
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)

    assert rig.journal.list_risk_events(kind="health")[-1].reason == "entries resumed"
    assert [p.symbol for p in rig.venue.positions()] == [SYMBOL]
