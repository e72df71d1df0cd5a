"""A restarted paper run resumes its account from the journal: balance and open positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.bootstrap import build_paper_venue
from bot.settings import load_settings
from tests.app.helpers import SYMBOL, build_rig, short_cluster_above


def test_paper_account_resumes_after_restart(tmp_path: Path) -> None:
    rig = build_rig(tmp_path)
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)  # opens a long
    rig.clock.advance(1)
    position = rig.venue.position(SYMBOL)
    assert position is not None
    settings = load_settings(overrides={"journal.url": f"sqlite:///{tmp_path / 'journal.db'}"})
    resumed = build_paper_venue(settings, rig.journal, rig.clock)
    (held,) = resumed.positions()
    assert held.client_order_id == position.client_order_id
    assert held.entry_price == position.entry_price
    assert resumed.balance() == pytest.approx(rig.venue.balance())
    resumed.on_mark_price(SYMBOL, 96.0, rig.clock())  # the stop still works after the restart
    assert resumed.positions() == []


def _open_long(tmp_path: Path) -> tuple[object, object]:
    rig = build_rig(tmp_path)
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)  # opens a long
    rig.clock.advance(1)
    settings = load_settings(overrides={"journal.url": f"sqlite:///{tmp_path / 'journal.db'}"})
    return rig, settings


def test_a_simulated_session_is_never_resumed_into_another(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rig, settings = _open_long(tmp_path)
    first = build_paper_venue(settings, rig.journal, rig.clock, market="sim:session-1")
    assert len(first.positions()) == 1  # the legacy account (before sessions) is resumed once

    with caplog.at_level("WARNING", logger="bot.app.bootstrap"):
        fresh = build_paper_venue(settings, rig.journal, rig.clock, market="sim:session-2")

    assert fresh.positions() == []
    assert fresh.balance() == pytest.approx(settings.paper.starting_balance)
    (closed,) = rig.journal.list_trades()
    assert closed.status == "closed"
    assert closed.exit_reason == "market_session_changed"
    assert closed.exit_price == closed.entry_price  # no PnL made by the restart
    assert "starting a fresh paper account" in caplog.text


def test_the_same_market_resumes_and_says_so(tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    rig, settings = _open_long(tmp_path)
    build_paper_venue(settings, rig.journal, rig.clock, market="exchange:binance")

    with caplog.at_level("INFO", logger="bot.app.bootstrap"):
        again = build_paper_venue(settings, rig.journal, rig.clock, market="exchange:binance")

    assert len(again.positions()) == 1
    assert "paper account resumed" in caplog.text


def test_after_a_fresh_start_only_the_new_sessions_trades_count(tmp_path: Path) -> None:
    rig, settings = _open_long(tmp_path)
    build_paper_venue(settings, rig.journal, rig.clock, market="sim:a")
    build_paper_venue(settings, rig.journal, rig.clock, market="sim:b")  # fresh: old closed

    later = build_paper_venue(settings, rig.journal, rig.clock, market="sim:b")

    assert later.balance() == pytest.approx(settings.paper.starting_balance)
    assert later.positions() == []
