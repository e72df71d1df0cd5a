"""Signals, risk events, equity snapshots and durable state flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.domain import Signal
from bot.journal import (
    JournalRepository,
    NewRiskEvent,
    RiskEventKind,
    SignalOutcome,
    TradeMode,
    create_engine_for,
    make_session_factory,
)

from .builders import T0, FakeClock, cluster, new_trade


def test_signal_round_trip(repo: JournalRepository) -> None:
    trade_id = repo.open_trade(new_trade())
    acted = Signal("BTC/USDT:USDT", 1, 0.42, cluster(), 90_000.0, T0)
    idle = Signal("ETHUSDT", 0, 0.0, None, 3_000.0, T0 + timedelta(seconds=5))

    first = repo.record_signal(
        acted, mode=TradeMode.PAPER, outcome=SignalOutcome.ENTERED, trade_id=trade_id
    )
    repo.record_signal(idle, mode=TradeMode.PAPER, outcome="rejected", reason="max_positions")

    stored = repo.list_signals()
    assert stored[0].id == first
    assert (stored[0].symbol, stored[0].direction, stored[0].strength) == ("BTCUSDT", 1, 0.42)
    assert (stored[0].cluster_price, stored[0].cluster_side) == (95_000.0, "short")
    assert (stored[0].cluster_strength, stored[0].cluster_distance_pct) == (0.8, 5.5)
    assert (stored[0].outcome, stored[0].trade_id, stored[0].time) == ("entered", trade_id, T0)
    assert (stored[1].cluster_price, stored[1].outcome) == (None, "rejected")
    assert (stored[1].reason, stored[1].mark_price) == ("max_positions", 3_000.0)
    assert [s.symbol for s in repo.list_signals(symbol="ETH/USDT:USDT")] == ["ETHUSDT"]
    assert [s.id for s in repo.list_signals(since=T0 + timedelta(seconds=1))] == [first + 1]


def test_risk_event_round_trip(repo: JournalRepository, clock: FakeClock) -> None:
    repo.record_risk_event(RiskEventKind.REJECTION, "max_leverage", symbol="BTC/USDT:USDT")
    later = clock.advance(60)
    repo.record_risk_event(
        RiskEventKind.DAILY_LOSS_LOCK,
        "daily loss 3.2% >= 3%",
        detail="pnl=-320",
        mode=TradeMode.LIVE,
    )

    events = repo.list_risk_events()
    locks = repo.list_risk_events(kind="daily_loss_lock")

    assert [(e.kind, e.symbol, e.time) for e in events] == [
        ("rejection", "BTCUSDT", T0),
        ("daily_loss_lock", None, later),
    ]
    assert (locks[0].reason, locks[0].detail, locks[0].mode) == (
        "daily loss 3.2% >= 3%",
        "pnl=-320",
        TradeMode.LIVE,
    )
    assert repo.list_risk_events(since=later) == locks


def test_equity_snapshot_round_trip(repo: JournalRepository) -> None:
    at = T0 + timedelta(minutes=1)
    repo.record_equity_snapshot(
        mode=TradeMode.PAPER,
        equity=10_050.0,
        balance=10_000.0,
        unrealised_pnl=50.0,
        open_positions=1,
        at=at,
    )
    repo.record_equity_snapshot(mode=TradeMode.LIVE, equity=500.0, balance=500.0)

    paper = repo.list_equity_snapshots(mode=TradeMode.PAPER)

    assert len(repo.list_equity_snapshots()) == 2
    assert [(s.time, s.equity, s.balance) for s in paper] == [(at, 10_050.0, 10_000.0)]
    assert (paper[0].unrealised_pnl, paper[0].open_positions) == (50.0, 1)
    assert len(repo.list_equity_snapshots(since=at)) == 1


def test_state_set_overwrite_delete(repo: JournalRepository) -> None:
    assert repo.get_state("reduce_only_lock") is None

    repo.set_state("reduce_only_lock", "2026-01-02")
    repo.set_state("reduce_only_lock", "2026-01-03")
    assert repo.get_state("reduce_only_lock") == "2026-01-03"

    repo.delete_state("reduce_only_lock")
    repo.delete_state("reduce_only_lock")
    assert repo.get_state("reduce_only_lock") is None


def test_state_and_writes_survive_a_restart(migrated_url: str, repo: JournalRepository) -> None:
    repo.set_state("daily_loss_lock", "on")
    trade_id = repo.open_trade(new_trade())

    restarted = create_engine_for(migrated_url)  # a new process would build a new engine
    try:
        again = JournalRepository(make_session_factory(restarted), FakeClock())
        assert again.get_state("daily_loss_lock") == "on"
        assert [t.id for t in again.open_trades()] == [trade_id]
    finally:
        restarted.dispose()


def test_a_decision_writes_its_signal_and_risk_event_together(
    repo: JournalRepository, clock: FakeClock,
) -> None:
    refused = Signal("BTC/USDT:USDT", 1, 0.42, cluster(), 90_000.0, T0)
    signal_id = repo.record_decision(
        refused, mode=TradeMode.LIVE, outcome=SignalOutcome.REJECTED,
        reason="max_positions: 3 open", risk_event=NewRiskEvent(
            RiskEventKind.REJECTION, "max_positions", detail="3 open, key=abc signature=s3cr3t"))
    ignored_id = repo.record_decision(
        refused, mode=TradeMode.LIVE, outcome=SignalOutcome.IGNORED, reason="entries paused")

    signals = repo.list_signals()
    assert [(s.id, s.outcome, s.reason) for s in signals] == [
        (signal_id, "rejected", "max_positions: 3 open"), (ignored_id, "ignored", "entries paused")]
    assert (signals[0].symbol, signals[0].cluster_price, signals[0].mode) == (
        "BTCUSDT", 95_000.0, TradeMode.LIVE)
    [event] = repo.list_risk_events()
    assert (event.kind, event.reason, event.symbol, event.mode, event.time) == (
        "rejection", "max_positions", "BTCUSDT", TradeMode.LIVE, T0)
    assert event.detail == "3 open, key=abc signature=***"  # redacted as record_risk_event does


def test_a_decision_whose_risk_event_fails_leaves_no_signal(repo: JournalRepository) -> None:
    refused = Signal("BTCUSDT", 1, 0.42, None, 90_000.0, T0)
    with pytest.raises(IntegrityError):  # a NULL reason breaks the risk event's NOT NULL
        repo.record_decision(refused, mode=TradeMode.PAPER, outcome=SignalOutcome.REJECTED,
                             risk_event=NewRiskEvent(RiskEventKind.REJECTION, None))  # type: ignore[arg-type]

    assert repo.list_signals() == []
    assert repo.list_risk_events() == []
