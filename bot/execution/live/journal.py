"""The journal as live trading uses it: idempotent writes, unsettled orders, found trades.

``LiveJournal`` is a ``JournalRepository`` with the two extras the live side needs: writing
the same order (or trade) twice is one row, because the trading loop and the venue both
journal before sending; and a query for the orders whose outcome is not journaled yet,
which reconciliation resolves at every start.

``open_trade_for_entry`` and ``journal_exit_fill`` write what the exchange reports when a
trade was not journaled in the normal way (the bot crashed in between, or an entry's outcome
was settled only by a later lookup), from what was journaled before the entry left.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.domain import ClosedPosition, OrderSide, Position, PositionSide
from bot.exchange import ExchangeOrder
from bot.execution.live.protection import STOP_SUFFIX, TAKE_PROFIT_SUFFIX, derived_id
from bot.execution.pricing import taker_fee
from bot.journal import (
    DuplicateClientOrderId,
    JournalError,
    JournalRepository,
    NewOrder,
    NewTrade,
    NotInJournal,
    OrderPurpose,
    OrderRecord,
    OrderStatus,
    TradeMode,
)
from bot.journal.models import OrderRow
from bot.symbols import to_exchange_id

# Statuses whose row may still be waiting for what the exchange did; which of them really
# are is decided by ``bot.execution.live.reconcile.rules.is_unsettled``.
OPEN_STATUSES = (OrderStatus.PENDING, OrderStatus.UNKNOWN, OrderStatus.NEW,
                 OrderStatus.PARTIALLY_FILLED)


class LiveJournal(JournalRepository):
    """The journal as live trading uses it: journaling the same order twice is one row.

    The venue journals every order before it is sent; the trading loop journals entries
    before the venue sends them and exits (and their fills) after the venue reports them.
    A repeat of a client order id for the same symbol returns the existing row (linking its
    trade when the repeat names one), so both may write without coordinating; a repeat for
    another symbol is still refused.
    """

    def record_order(self, order: NewOrder) -> int:
        """Journal an order, or return the id of the row already holding its client id."""
        try:
            return super().record_order(order)
        except DuplicateClientOrderId:
            existing = self.find_order(order.client_order_id)
            if existing is None or existing.symbol != to_exchange_id(order.symbol):
                raise
            if order.trade_id is not None and existing.trade_id is None:
                self.update_order(order.client_order_id, status=existing.status,
                                  trade_id=order.trade_id)
            return existing.id

    def open_trade(self, trade: NewTrade) -> int:
        """Open a trade, or return the open one its entry client id already opened."""
        try:
            return super().open_trade(trade)
        except DuplicateClientOrderId:
            for existing in self.open_trades(mode=TradeMode.LIVE, symbol=trade.symbol):
                if existing.client_order_id == trade.client_order_id:
                    return existing.id
            raise

    def orders_in_doubt(self, mode: TradeMode = TradeMode.LIVE) -> list[OrderRecord]:
        """Orders of ``mode`` whose status may not be final (pending, unknown, open), oldest
        first."""
        query = (select(OrderRow)
                 .where(OrderRow.mode == str(mode), OrderRow.bot_id == self.bot_id,
                        OrderRow.status.in_([str(s) for s in OPEN_STATUSES]))
                 .order_by(OrderRow.id))
        with self._read() as session:
            return [OrderRecord.from_row(row) for row in session.scalars(query)]

    def describe_order(self, client_order_id: str, *, order_type: str,
                       price: float | None) -> None:
        """Correct a journaled order's type and limit price (the trading loop journals every
        entry as a market order; a limit entry says so here before it is sent).

        Raises:
            NotInJournal: no order has this client order id.
        """
        with self._write() as session:
            row = session.scalars(self._by_client_id(client_order_id)).one_or_none()
            if row is None:
                raise NotInJournal(f"no order with client order id {client_order_id!r}")
            row.type = order_type
            row.price = price


DEFAULT_FEE_RATE = 0.0005  # Binance USDⓈ-M's default taker fee


def open_trade_for_entry(journal: JournalRepository, entry_id: str, filled: ExchangeOrder,
                         fee_rate: float = DEFAULT_FEE_RATE) -> tuple[int, Position]:
    """Journal the trade a filled entry opened (levels from its pending protective rows).

    Raises:
        JournalError: the entry or its protective levels are not in the journal.
    """
    row = journal.find_order(entry_id)
    stop = journal.find_order(derived_id(entry_id, STOP_SUFFIX))
    target = journal.find_order(derived_id(entry_id, TAKE_PROFIT_SUFFIX))
    if row is None or stop is None or target is None or None in (stop.stop_price,
                                                                 target.stop_price):
        raise JournalError(f"entry {entry_id}: no journaled order or protective levels")
    side = PositionSide.LONG if row.side is OrderSide.BUY else PositionSide.SHORT
    price = filled.average_price or row.average_price or 0.0
    at = filled.timestamp or row.created_at
    fee = taker_fee(price * filled.filled, fee_rate)
    trade_id = journal.open_trade(NewTrade(
        symbol=row.symbol, side=side, mode=TradeMode.LIVE, entry_time=at, entry_price=price,
        quantity=filled.filled, client_order_id=entry_id, stop_price=stop.stop_price,
        take_profit_price=target.stop_price, fees=fee,
    ))
    journal.update_order(entry_id, status=OrderStatus.FILLED, exchange_order_id=filled.id,
                         filled_quantity=filled.filled, average_price=price, trade_id=trade_id)
    journal.record_fill(row.id, price=price, quantity=filled.filled, time=at, fee=fee,
                        fee_asset="USDT", exchange_trade_id=f"order-{filled.id}")
    position = Position(
        symbol=row.symbol, side=side, quantity=filled.filled, entry_price=price,
        stop_price=float(stop.stop_price or 0.0), take_profit_price=float(target.stop_price or 0.0),
        opened_at=at, client_order_id=entry_id, entry_fee=fee,
    )
    return trade_id, position


def journal_exit_fill(journal: JournalRepository, trade_id: int, closed: ClosedPosition,
                      at: datetime) -> None:
    """Journal the order that closed a trade and its fill (the trade itself is closed by
    the caller)."""
    position = closed.position
    exit_id = closed.exit_client_order_id
    row = journal.find_order(exit_id)
    if row is None:
        journal.record_order(NewOrder(
            client_order_id=exit_id, symbol=position.symbol, type="market",
            side=OrderSide.to_close(position.side), quantity=position.quantity,
            purpose=OrderPurpose.EXIT, mode=TradeMode.LIVE, reduce_only=True,
            status=OrderStatus.FILLED, trade_id=trade_id,
        ))
        row = journal.find_order(exit_id)
    if row is None:
        raise JournalError(f"exit order {exit_id} vanished from the journal")
    journal.update_order(exit_id, status=OrderStatus.FILLED, filled_quantity=position.quantity,
                         average_price=closed.exit_price, trade_id=trade_id, at=at)
    journal.record_fill(row.id, price=closed.exit_price, quantity=position.quantity, time=at,
                        fee=closed.exit_fee, fee_asset="USDT", exchange_trade_id=f"exit-{exit_id}")
