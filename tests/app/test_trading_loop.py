"""The trading loop end to end on real parts: heatmap, hunter, risk, paper venue, journal."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.journal import TradeStatus
from bot.risk import RiskLimits
from tests.app.helpers import SYMBOL, build_rig, short_cluster_above


@pytest.mark.parametrize(
    ("exit_price", "reason"),
    [
        (103.4, "take_profit"),      # target = 103.5 × (1 − 0.2 %) = 103.293
        (96.9, "stop_loss"),         # stop = 100 × (1 − 3 %) = 97
        (103.1, "reached_cluster"),  # within 0.5 % of 103.5, short of the target
    ],
)
def test_entry_then_each_kind_of_exit_is_journaled(
    tmp_path: Path, exit_price: float, reason: str
) -> None:
    rig = build_rig(tmp_path)
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)
    (opened,) = rig.journal.open_trades()
    assert opened.side == "long"
    assert opened.symbol == SYMBOL
    assert rig.venue.position(SYMBOL) is not None
    rig.clock.advance(1)
    rig.tick(exit_price)
    (trade,) = rig.journal.list_trades()
    assert trade.status == TradeStatus.CLOSED
    assert trade.exit_reason == reason
    assert (trade.pnl is not None and trade.pnl > 0) == (reason != "stop_loss")
    assert rig.venue.position(SYMBOL) is None
    entered, *later = rig.journal.list_signals()
    assert entered.outcome == "entered"
    assert entered.trade_id == trade.id
    # The cluster is still there after a stop: a new entry is refused by the cooldown.
    assert all(s.outcome == "rejected" and (s.reason or "").startswith("cooldown") for s in later)
    orders = rig.journal.orders_for_trade(trade.id)
    assert sorted(o.purpose for o in orders) == ["entry", "exit"]
    assert all(o.status == "filled" for o in orders)


def test_risk_rejections_are_journaled_with_their_reason(tmp_path: Path) -> None:
    rig = build_rig(tmp_path, limits=RiskLimits(kill_switch=True))
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)
    assert rig.journal.list_trades() == []
    (signal,) = rig.journal.list_signals()
    assert signal.outcome == "rejected"
    assert signal.reason is not None
    assert signal.reason.startswith("kill_switch")
    events = [e for e in rig.journal.list_risk_events() if e.kind == "rejection"]
    assert [e.reason for e in events] == ["kill_switch"]


def test_repeated_rejections_are_journaled_once_a_minute(tmp_path: Path) -> None:
    rig = build_rig(tmp_path, limits=RiskLimits(kill_switch=True))
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    for _ in range(5):
        rig.tick(100.0)
        rig.clock.advance(5)
    assert len(rig.journal.list_signals()) == 1
    assert len([e for e in rig.journal.list_risk_events() if e.kind == "rejection"]) == 1
    rig.clock.advance(60)
    rig.tick(100.0)
    assert len(rig.journal.list_signals()) == 2


def test_entries_pause_while_the_stream_is_silent(tmp_path: Path) -> None:
    rig = build_rig(tmp_path)
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.prices.set(SYMBOL, 100.0)
    rig.heatmap.refresh()
    rig.loop.on_prices()
    rig.loop.check_health()  # no frame ever received
    rig.loop.run_signals()
    assert rig.journal.list_trades() == []
    (signal,) = rig.journal.list_signals()
    assert signal.outcome == "ignored"
    assert "stream silent" in (signal.reason or "")
    kinds = [(e.kind, e.reason) for e in rig.journal.list_risk_events()]
    assert ("health", "entries paused") in kinds


def test_stop_closes_positions_when_asked_and_snapshots_equity(tmp_path: Path) -> None:
    rig = build_rig(tmp_path)
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)
    rig.loop.stop(close_positions=True)
    (trade,) = rig.journal.list_trades()
    assert trade.exit_reason == "shutdown"
    assert rig.journal.list_equity_snapshots()
    rig.tick(100.0)  # stopped: no new entry
    assert len(rig.journal.list_trades()) == 1


def test_a_stale_symbol_pauses_entries_for_itself_only(tmp_path: Path) -> None:
    rig = build_rig(tmp_path, symbols=(SYMBOL, "OTHERUSDT"))  # OTHERUSDT never gets a price
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)

    rig.tick(100.0)

    (opened,) = rig.journal.open_trades()
    assert opened.symbol == SYMBOL
    status = rig.loop.status()
    assert status.entries_paused == "OTHERUSDT: mark price stale"
    events = [(e.kind, e.reason, e.detail) for e in rig.journal.list_risk_events()]
    assert ("health", "entries paused", "OTHERUSDT: mark price stale") in events


def test_a_symbol_whose_price_goes_stale_is_refused_with_that_reason(tmp_path: Path) -> None:
    rig = build_rig(tmp_path, symbols=(SYMBOL, "OTHERUSDT"))
    rig.prices.set("OTHERUSDT", 5.0)
    rig.tick(100.0)  # both fresh: no pause
    assert rig.loop.status().entries_paused is None
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.prices.freeze(SYMBOL)  # SYMBOL's price stops updating, OTHERUSDT's does not
    rig.clock.advance(10)

    rig.tick(100.0)

    assert rig.journal.open_trades() == []
    assert rig.loop.status().entries_paused == f"{SYMBOL}: mark price stale"
    (signal,) = rig.journal.list_signals()
    assert signal.outcome == "ignored"
    assert signal.reason == f"entries paused: {SYMBOL}: mark price stale"
