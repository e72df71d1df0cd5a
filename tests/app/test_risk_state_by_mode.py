"""Case 3 of issue 11: paper, live and backtest keep their own risk state in one journal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.bootstrap import build_risk
from bot.journal import open_journal
from bot.risk import RiskEngine
from bot.settings import load_settings

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _engine(url: str, mode: str) -> RiskEngine:
    settings = load_settings(overrides={"journal.url": url, "run.mode": mode})
    return build_risk(settings, open_journal(url, lambda: NOW), lambda: NOW)


def test_a_live_daily_loss_lock_and_kill_switch_do_not_reach_paper(tmp_path: Path) -> None:
    # Arrange: one journal file, a paper engine and a live engine
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    paper, live = _engine(url, "paper"), _engine(url, "live")
    paper.record_equity(NOW, 10_000.0)

    # Act: live falls 69 % and trips its lock; paper switches its kill switch on
    live.record_equity(NOW, 10_000.0)
    assert live.record_equity(NOW + timedelta(minutes=1), 3_100.0)
    paper.set_kill_switch(True, "paper stopped by hand")
    live.record_exit("BTCUSDT", NOW)

    # Assert: each mode sees only its own state, also from a fresh engine on the same file
    for fresh_live in (live, _engine(url, "live")):
        assert fresh_live.is_daily_loss_locked(NOW)
        assert not fresh_live.kill_switch.on
    for fresh_paper in (paper, _engine(url, "paper")):
        assert not fresh_paper.is_daily_loss_locked(NOW)
        assert fresh_paper.kill_switch.on
    # (a backtest's engine keeps its state in memory: it never reads the journal's)


def test_a_kill_switch_stored_before_modes_were_kept_apart_still_stops_every_mode(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    journal = open_journal(url, lambda: NOW)
    journal.set_state("risk.kill_switch",
                      '{"on": true, "reason": "old", "changed_at": null}')

    assert _engine(url, "live").kill_switch.on
    assert _engine(url, "paper").kill_switch.on
