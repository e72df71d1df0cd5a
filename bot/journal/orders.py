"""Orders and fills in the journal: recorded before sending, updated as the exchange answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from bot.journal.errors import DuplicateClientOrderId, NotInJournal
from bot.journal.models import FillRow, OrderRow
from bot.journal.records import FillRecord, NewOrder, OrderRecord, row_values
from bot.journal.store import JournalStore, redact
from bot.symbols import to_exchange_id


class OrderStore(JournalStore):
    """Writes and reads orders and their fills."""

    def record_order(self, order: NewOrder) -> int:
        """Journal an order before it is sent.

        Returns:
            The order's journal id.

        Raises:
            DuplicateClientOrderId: an order with this client order id is already journaled.
        """
        now = self._clock()
        row = OrderRow(**row_values(order, symbol=to_exchange_id(order.symbol),
                                    side=str(order.side), mode=str(order.mode),
                                    bot_id=self._bot_id,
                                    filled_quantity=0.0, created_at=now, updated_at=now))
        try:
            return self._insert(row)
        except IntegrityError as exc:
            if self.find_order(order.client_order_id) is not None:
                raise DuplicateClientOrderId(order.client_order_id) from exc
            raise

    def update_order(
        self,
        client_order_id: str,
        *,
        status: str,
        exchange_order_id: str | None = None,
        filled_quantity: float | None = None,
        average_price: float | None = None,
        error: str | None = None,
        trade_id: int | None = None,
        at: datetime | None = None,
    ) -> OrderRecord:
        """Record an order's new status; arguments left ``None`` keep their stored value.

        Raises:
            NotInJournal: no order has this client order id.
        """
        when = at if at is not None else self._clock()
        changes: dict[str, Any] = {"status": status, "updated_at": when}
        optional = {
            "exchange_order_id": exchange_order_id,
            "filled_quantity": filled_quantity,
            "average_price": average_price,
            "error": redact(error),
            "trade_id": trade_id,
        }
        changes.update({key: value for key, value in optional.items() if value is not None})
        with self._write() as session:
            row = session.scalars(self._by_client_id(client_order_id)).one_or_none()
            if row is None:
                raise NotInJournal(f"no order with client order id {client_order_id!r}")
            for key, value in changes.items():
                setattr(row, key, value)
            session.flush()
            return OrderRecord.from_row(row)

    def find_order(self, client_order_id: str) -> OrderRecord | None:
        """The order with this client order id, or ``None``."""
        with self._read() as session:
            row = session.scalars(self._by_client_id(client_order_id)).one_or_none()
            return None if row is None else OrderRecord.from_row(row)

    def _by_client_id(self, client_order_id: str) -> Select[OrderRow]:
        """This bot's order with this client order id."""
        return select(OrderRow).where(OrderRow.client_order_id == client_order_id,
                                      OrderRow.bot_id == self._bot_id)

    def orders_for_trade(self, trade_id: int) -> list[OrderRecord]:
        """Orders linked to a trade, oldest first."""
        query = (select(OrderRow)
                 .where(OrderRow.trade_id == trade_id, OrderRow.bot_id == self._bot_id)
                 .order_by(OrderRow.id))
        with self._read() as session:
            return [OrderRecord.from_row(row) for row in session.scalars(query)]

    def record_fill(
        self,
        order_id: int,
        *,
        price: float,
        quantity: float,
        time: datetime,
        fee: float = 0.0,
        fee_asset: str | None = None,
        exchange_trade_id: str | None = None,
    ) -> int:
        """Journal one execution of an order; returns the fill's id.

        Idempotent for fills the exchange identifies: the same ``exchange_trade_id`` of the
        same order is stored once and its existing id returned. The order itself is not
        changed: report its new filled quantity and average price with ``update_order``.

        Raises:
            NotInJournal: no order has this id.
        """
        row = FillRow(
            order_id=order_id,
            price=price,
            quantity=quantity,
            fee=fee,
            fee_asset=fee_asset,
            time=time,
            exchange_trade_id=exchange_trade_id,
        )
        try:
            return self._insert(row)
        except IntegrityError as exc:
            existing = self._find_fill_id(order_id, exchange_trade_id)
            if existing is not None:
                return existing
            if not self._order_exists(order_id):
                raise NotInJournal(f"no order with id {order_id}") from exc
            raise

    def _order_exists(self, order_id: int) -> bool:
        """Whether an order with this journal id exists."""
        with self._read() as session:
            row = session.get(OrderRow, order_id)
            return row is not None and row.bot_id == self._bot_id

    def _find_fill_id(self, order_id: int, exchange_trade_id: str | None) -> int | None:
        """Id of the fill already journaled for this order and exchange trade id."""
        if exchange_trade_id is None:
            return None
        query = select(FillRow.id).where(
            FillRow.order_id == order_id, FillRow.exchange_trade_id == exchange_trade_id
        )
        with self._read() as session:
            return session.scalars(query).one_or_none()

    def fills_for_order(self, order_id: int) -> list[FillRecord]:
        """Fills of one order, in time order."""
        query = select(FillRow).where(FillRow.order_id == order_id)
        with self._read() as session:
            rows = session.scalars(query.order_by(FillRow.time, FillRow.id))
            return [FillRecord.from_row(row) for row in rows]
