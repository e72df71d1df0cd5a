"""Case 12 of issue 11: freshness is measured on the bot's own clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.journal import SignalOutcome
from tests.app.helpers import build_rig, short_cluster_above


def test_a_frozen_price_stamped_an_hour_ahead_goes_stale_and_blocks_entries(
    tmp_path: Path,
) -> None:
    # Arrange: the exchange's clock runs an hour ahead and its price stops changing
    rig = build_rig(tmp_path)
    rig.prices.stamp = rig.clock() + timedelta(hours=1)
    rig.tick(100.0)
    rig.clock.advance(6.0)  # longer than risk.max_price_age_seconds (5 s)

    # Act: a strong signal arrives on the frozen price
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)

    # Assert: no entry; entries paused for stale prices
    assert rig.venue.positions() == []
    [event] = [e for e in rig.journal.list_risk_events(kind="health")
               if e.reason == "entries paused"][-1:]
    assert "XYZUSDT: mark price stale" in (event.detail or "")  # that symbol paused
    signals = rig.journal.list_signals()
    assert all(s.outcome != SignalOutcome.ENTERED for s in signals)


def test_a_price_stamped_ahead_but_moving_stays_fresh(tmp_path: Path) -> None:
    rig = build_rig(tmp_path)
    rig.prices.stamp = rig.clock() + timedelta(hours=1)
    rig.tick(100.0)
    rig.clock.advance(6.0)
    rig.prices.stamp += timedelta(seconds=6)  # a new price: the stamp moves on

    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)

    assert len(rig.venue.positions()) == 1
