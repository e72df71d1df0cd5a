"""Two bots on one journal database (SQLite and PostgreSQL): neither sees the other's
positions, orders, signals, limits, daily loss, kill switch, client order ids or run lock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.run_lock import AlreadyRunning, RunLock
from bot.clock import utc_now
from bot.execution.client_ids import MAX_CLIENT_ID
from bot.journal import TradeMode, TradeStatus
from bot.risk import RiskLimits
from tests.app.helpers import SYMBOL, Rig, build_rig, short_cluster_above


def _two_bots(tmp_path: Path, url: str, **options: object) -> tuple[Rig, Rig]:
    alpha = build_rig(tmp_path / "a", url=url, bot_id="alpha", **options)  # type: ignore[arg-type]
    beta = build_rig(tmp_path / "b", url=url, bot_id="beta", **options)  # type: ignore[arg-type]
    beta.clock.now = alpha.clock.now  # the same decision at the same millisecond
    return alpha, beta


def _enter(rig: Rig) -> None:
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)


def test_two_bots_keep_their_own_trades_orders_signals_and_client_ids(
    tmp_path: Path, journal_url: str
) -> None:
    alpha, beta = _two_bots(tmp_path, journal_url)

    _enter(alpha)
    _enter(beta)  # the same setup: without bot ids, the same client order id

    [trade_a] = alpha.journal.open_trades(mode=TradeMode.PAPER)
    [trade_b] = beta.journal.open_trades(mode=TradeMode.PAPER)
    assert trade_a.id != trade_b.id
    assert trade_a.client_order_id != trade_b.client_order_id
    for cid in (trade_a.client_order_id, trade_b.client_order_id):
        assert cid is not None
        assert len(cid) <= MAX_CLIENT_ID
        assert SYMBOL in cid
    assert [o.client_order_id for o in alpha.journal.orders_for_trade(trade_a.id)] == [
        trade_a.client_order_id]
    assert alpha.journal.orders_for_trade(trade_b.id) == []
    assert alpha.journal.get_trade(trade_b.id) is None
    assert alpha.journal.find_order(trade_b.client_order_id or "") is None
    assert {s.trade_id for s in alpha.journal.list_signals()} == {trade_a.id}
    assert {s.trade_id for s in beta.journal.list_signals()} == {trade_b.id}


def test_one_bots_daily_loss_lock_and_kill_switch_leave_the_other_trading(
    tmp_path: Path, journal_url: str
) -> None:
    alpha, beta = _two_bots(tmp_path, journal_url, limits=RiskLimits(cooldown_seconds=0))
    now = alpha.clock()
    alpha.risk.record_equity(now, 10_000.0)
    assert alpha.risk.record_equity(now + timedelta(seconds=1), 9_000.0)  # -10 %: locked
    alpha.risk.set_kill_switch(True, "operator")

    beta.risk.record_equity(now, 500.0)
    _enter(alpha)
    _enter(beta)

    assert alpha.risk.is_daily_loss_locked(now)
    assert alpha.risk.kill_switch.on
    assert not beta.risk.is_daily_loss_locked(now)
    assert not beta.risk.kill_switch.on
    assert alpha.journal.open_trades() == []
    assert [t.status for t in beta.journal.list_trades()] == [TradeStatus.OPEN]
    refusals = [e for e in alpha.journal.list_risk_events() if e.kind == "rejection"]
    assert refusals  # alpha's refused entry is journaled, and is alpha's alone
    assert [e for e in beta.journal.list_risk_events() if e.kind == "rejection"] == []


def test_the_run_lock_is_per_bot_id(tmp_path: Path, journal_url: str) -> None:
    alpha, beta = _two_bots(tmp_path, journal_url)
    alpha_again = build_rig(tmp_path / "c", url=journal_url, bot_id="alpha")
    first = RunLock(alpha.journal, utc_now, where="db")
    first.acquire()
    try:
        other = RunLock(beta.journal, utc_now, where="db")
        other.acquire()  # another bot id on the same database: runs beside it
        other.release()
        with pytest.raises(AlreadyRunning):
            RunLock(alpha_again.journal, utc_now, where="db").acquire()
    finally:
        first.release()
