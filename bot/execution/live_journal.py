"""The journal as live trading uses it: idempotent order and trade writes, unsettled orders.

``LiveJournal`` is a ``JournalRepository`` with the two extras the live side needs: writing
the same order (or trade) twice is one row, because the trading loop and the venue both
journal before sending; and a query for the orders whose outcome is not journaled yet,
which reconciliation resolves at every start.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.journal import (
    DuplicateClientOrderId,
    JournalRepository,
    NewOrder,
    NewTrade,
    NotInJournal,
    OrderRecord,
    OrderStatus,
    TradeMode,
)
from bot.journal.models import OrderRow
from bot.symbols import to_exchange_id

# Statuses whose row may still be waiting for what the exchange did; which of them really
# are is decided by ``bot.reconcile.is_unsettled``.
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
                 .where(OrderRow.mode == str(mode),
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
            row = session.scalars(select(OrderRow).where(
                OrderRow.client_order_id == client_order_id)).one_or_none()
            if row is None:
                raise NotInJournal(f"no order with client order id {client_order_id!r}")
            row.type = order_type
            row.price = price
