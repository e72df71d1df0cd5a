"""Trades: open, amend, close once, cancel, filter, JSON for ``bot journal``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import EntryIntent, PositionSide
from bot.journal import (
    DuplicateClientOrderId,
    JournalError,
    JournalRepository,
    NewTrade,
    NotInJournal,
    TradeMode,
    TradeStatus,
)

from .builders import T0, FakeClock, cluster, new_trade


def test_trade_open_and_close_round_trip(repo: JournalRepository) -> None:
    trade_id = repo.open_trade(new_trade())
    exit_time = T0 + timedelta(hours=2)

    opened = repo.get_trade(trade_id)
    closed = repo.close_trade(
        trade_id, exit_time=exit_time, exit_price=94_500.0, pnl=44.2, fees=0.8, reason="tp"
    )

    assert opened is not None
    assert (opened.status, opened.exit_time, opened.pnl, opened.fees) == ("open", None, None, 0.36)
    assert (opened.side, opened.mode, opened.client_order_id) == ("long", "paper", "cid-1")
    assert (opened.target_cluster_price, opened.target_cluster_side) == (95_000.0, "short")
    assert closed == repo.get_trade(trade_id)
    assert closed.status is TradeStatus.CLOSED
    assert (closed.exit_time, closed.exit_price, closed.pnl) == (exit_time, 94_500.0, 44.2)
    assert (closed.fees, closed.exit_reason) == (0.8, "tp")
    assert closed.entry_time == T0
    assert closed.entry_time.tzinfo is UTC


def test_a_trade_closes_only_once(repo: JournalRepository) -> None:
    trade_id = repo.open_trade(new_trade())
    repo.close_trade(trade_id, exit_time=T0, exit_price=1.0, pnl=1.0, fees=0.0, reason="x")

    with pytest.raises(JournalError, match="closed, not open"):
        repo.close_trade(trade_id, exit_time=T0, exit_price=2.0, pnl=2.0, fees=0.0, reason="y")

    trade = repo.get_trade(trade_id)
    assert trade is not None
    assert trade.pnl == 1.0


def test_closing_an_unknown_trade_is_refused(repo: JournalRepository) -> None:
    with pytest.raises(NotInJournal):
        repo.close_trade(404, exit_time=T0, exit_price=1.0, pnl=0.0, fees=0.0, reason="x")


def test_cancel_and_entry_update(repo: JournalRepository, clock: FakeClock) -> None:
    filled = repo.open_trade(new_trade("a"))
    unfilled = repo.open_trade(new_trade("b"))
    now = clock.advance(30)

    amended = repo.update_trade_entry(filled, entry_price=90_005.0, quantity=0.008, fees=0.29)
    cancelled = repo.cancel_trade(unfilled, reason="entry expired")

    assert (amended.entry_price, amended.quantity, amended.fees) == (90_005.0, 0.008, 0.29)
    assert amended.status is TradeStatus.OPEN
    assert (cancelled.status, cancelled.exit_time) == (TradeStatus.CANCELLED, now)
    assert (cancelled.exit_reason, cancelled.pnl) == ("entry expired", None)
    assert [t.id for t in repo.open_trades()] == [filled]


def test_entry_client_order_id_is_unique_among_trades(repo: JournalRepository) -> None:
    repo.open_trade(new_trade("same"))

    with pytest.raises(DuplicateClientOrderId):
        repo.open_trade(new_trade("same"))
    repo.open_trade(new_trade(None))  # trades without an entry order (backtests) may repeat
    repo.open_trade(new_trade(None))


def test_list_trades_filters(repo: JournalRepository) -> None:
    day = timedelta(days=1)
    btc_paper = repo.open_trade(new_trade("1", entry_time=T0))
    eth_paper = repo.open_trade(new_trade("2", symbol="ETHUSDT", entry_time=T0 + day))
    btc_live = repo.open_trade(new_trade("3", mode=TradeMode.LIVE, entry_time=T0 + 2 * day))
    repo.close_trade(btc_paper, exit_time=T0 + day, exit_price=1.0, pnl=1.0, fees=0.0, reason="x")

    def ids(**filters: object) -> list[int]:
        return [t.id for t in repo.list_trades(**filters)]  # type: ignore[arg-type]

    assert ids() == [btc_paper, eth_paper, btc_live]
    assert ids(symbol="BTC/USDT:USDT") == [btc_paper, btc_live]
    assert ids(symbol="btcusdt", mode=TradeMode.PAPER) == [btc_paper]
    assert ids(since=T0 + day) == [eth_paper, btc_live]
    assert ids(since=T0, until=T0 + day) == [btc_paper]
    assert ids(status=TradeStatus.CLOSED) == [btc_paper]
    assert [t.id for t in repo.open_trades(mode=TradeMode.PAPER)] == [eth_paper]


def test_trade_json_has_the_contract_fields_and_iso_times(repo: JournalRepository) -> None:
    trade_id = repo.open_trade(new_trade())
    exit_time = T0 + timedelta(minutes=5)
    repo.close_trade(trade_id, exit_time=exit_time, exit_price=2.0, pnl=-1.5, fees=0.5, reason="sl")
    trade = repo.get_trade(trade_id)
    assert trade is not None

    document = json.loads(json.dumps([trade.to_json_dict()]))[0]

    required = "id symbol side mode status entry_time entry_price quantity exit_time exit_price"
    assert set(f"{required} pnl fees client_order_id".split()) <= set(document)
    assert document["entry_time"] == "2026-01-02T03:04:05.678000+00:00"
    assert datetime.fromisoformat(document["exit_time"]) == exit_time
    assert (document["side"], document["mode"], document["status"]) == ("long", "paper", "closed")
    assert (document["pnl"], document["fees"], document["client_order_id"]) == (-1.5, 0.5, "cid-1")


def test_new_trade_from_an_entry_intent_carries_exits_and_target() -> None:
    intent = EntryIntent(
        symbol="BTCUSDT",
        side=PositionSide.LONG,
        reference_price=90_000.0,
        stop_price=87_300.0,
        take_profit_price=94_500.0,
        strength=0.7,
        cluster=cluster(),
        created_at=T0,
    )

    trade = NewTrade.from_intent(
        intent,
        mode=TradeMode.LIVE,
        entry_time=T0,
        entry_price=90_010.0,
        quantity=0.01,
        client_order_id="c",
    )

    assert (trade.stop_price, trade.take_profit_price) == (87_300.0, 94_500.0)
    assert (trade.target_cluster_price, trade.target_cluster_side) == (95_000.0, "short")
    assert (trade.target_cluster_strength, trade.entry_price) == (0.8, 90_010.0)
