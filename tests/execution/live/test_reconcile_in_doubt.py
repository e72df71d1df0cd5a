"""Reconciliation settles every journaled order still in doubt, against the simulator."""

from __future__ import annotations

from bot.app.live import LiveJournal
from bot.app.trade_log import TradeLog
from bot.domain import OrderSide
from bot.exchange import BinanceGateway
from bot.execution.live.protection import Protector, derived_id, protection_for
from bot.execution.live.reconcile.reconciler import NEVER_SENT, Reconciler
from bot.journal import NewOrder, NewTrade, OrderPurpose, OrderStatus, TradeMode, TradeStatus
from bot.sim import SimExchange
from tests.execution.live.helpers import PRICE, SYMBOL, entry_id, fast_policy, sized, utc_now

NEW_ORDER = "POST /fapi/v1/order"


def _reconcile(gateway: BinanceGateway, journal: LiveJournal) -> str:
    return Reconciler(gateway, journal, utc_now, fast_policy()).run().render()


def _open_ids(gateway: BinanceGateway) -> set[str | None]:
    return {o.client_order_id for o in gateway.fetch_open_orders(SYMBOL, trigger=True)}


def test_an_entry_journaled_by_the_loop_but_never_sent_is_marked_failed(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: the loop journaled the entry, then the process died before the venue ran
    order = sized()
    cid = entry_id(order)
    TradeLog(journal, TradeMode.LIVE, utc_now).entry_requested(order.intent, order.quantity, cid)

    # Act
    report = _reconcile(gateway, journal)

    # Assert
    row = journal.find_order(cid)
    assert row is not None
    assert (row.status, row.error) == (OrderStatus.FAILED, NEVER_SENT)
    assert NEVER_SENT in report
    assert sim.rest.stats().by_endpoint.get(NEW_ORDER, 0) == 0
    assert gateway.fetch_positions([SYMBOL]) == []


def test_a_never_sent_entry_with_a_trade_row_cancels_the_trade(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    order = sized()
    cid = entry_id(order)
    trade_id = journal.open_trade(NewTrade.from_intent(
        order.intent, mode=TradeMode.LIVE, entry_time=utc_now(), entry_price=PRICE,
        quantity=order.quantity, client_order_id=cid))
    journal.record_order(NewOrder(client_order_id=cid, symbol=SYMBOL, type="market",
                                  side=OrderSide.BUY, quantity=order.quantity,
                                  purpose=OrderPurpose.ENTRY, mode=TradeMode.LIVE,
                                  trade_id=trade_id))

    # Act: the open trade has no position behind it; its entry never left
    _reconcile(gateway, journal)

    # Assert
    row = journal.find_order(cid)
    trade = journal.get_trade(trade_id)
    assert row is not None
    assert row.status == OrderStatus.FAILED
    assert trade is not None
    assert trade.status != TradeStatus.OPEN


def test_a_pending_entry_found_filled_is_journaled_and_protected_once(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: rows and levels journaled, the order sent, then a crash before any answer
    # was written (and before the in-flight note)
    order = sized()
    cid = entry_id(order)
    TradeLog(journal, TradeMode.LIVE, utc_now).entry_requested(order.intent, order.quantity, cid)
    intent = order.intent
    for spec in protection_for(SYMBOL, intent.side, order.quantity, intent.stop_price,
                               intent.take_profit_price, cid):
        Protector(gateway, journal).journal_pending(spec, None)
    gateway.create_market_order(SYMBOL, OrderSide.BUY, order.quantity, cid,
                                reference_price=PRICE)

    # Act: twice, as two restarts would
    first = _reconcile(gateway, journal)
    _reconcile(gateway, journal)

    # Assert
    assert "filled while the bot was down" in first
    [trade] = journal.open_trades(mode=TradeMode.LIVE)
    assert (trade.client_order_id, trade.quantity) == (cid, order.quantity)
    assert _open_ids(gateway) == {derived_id(cid, "sl"), derived_id(cid, "tp")}
    [position] = gateway.fetch_positions([SYMBOL])
    assert position.quantity == order.quantity
    assert sim.rest.stats().by_endpoint[NEW_ORDER] == 1


def test_a_resting_limit_entry_is_cancelled_and_other_unsent_orders_marked_failed(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: a limit entry far below the mark rests on the book; an exit row never left
    order = sized()
    cid = entry_id(order)
    journal.record_order(NewOrder(client_order_id=cid, symbol=SYMBOL, type="limit",
                                  side=OrderSide.BUY, quantity=order.quantity, price=80_000.0,
                                  purpose=OrderPurpose.ENTRY, mode=TradeMode.LIVE))
    gateway.create_limit_order(SYMBOL, OrderSide.BUY, order.quantity, 80_000.0, cid)
    journal.record_order(NewOrder(client_order_id="lhlex-BTCUSDT-9", symbol=SYMBOL,
                                  type="market", side=OrderSide.SELL, quantity=0.01,
                                  purpose=OrderPurpose.EXIT, mode=TradeMode.LIVE,
                                  reduce_only=True))

    # Act
    report = _reconcile(gateway, journal)

    # Assert
    entry = journal.find_order(cid)
    exit_row = journal.find_order("lhlex-BTCUSDT-9")
    assert entry is not None
    assert entry.status == OrderStatus.CANCELED
    assert gateway.fetch_open_orders(SYMBOL) == []
    assert exit_row is not None
    assert (exit_row.status, exit_row.error) == (OrderStatus.FAILED, NEVER_SENT)
    assert "exit order lhlex-BTCUSDT-9" in report
