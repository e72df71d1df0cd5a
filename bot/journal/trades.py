"""Trades in the journal: opened on entry, closed (or cancelled) once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.journal.errors import DuplicateClientOrderId, JournalError, NotInJournal
from bot.journal.models import TradeMode, TradeRow, TradeStatus
from bot.journal.records import NewTrade, TradeRecord, row_values
from bot.journal.store import JournalStore
from bot.symbols import to_exchange_id


class TradeStore(JournalStore):
    """Writes and reads trades. ``pnl`` is always net of fees."""

    def open_trade(self, trade: NewTrade) -> int:
        """Journal a newly opened trade (status ``open``); returns its id.

        Raises:
            DuplicateClientOrderId: a trade with this entry client order id exists.
        """
        row = TradeRow(**row_values(trade, symbol=to_exchange_id(trade.symbol),
                                    side=str(trade.side), mode=str(trade.mode),
                                    bot_id=self._bot_id,
                                    status=str(TradeStatus.OPEN)))
        try:
            return self._insert(row)
        except IntegrityError as exc:
            cid = trade.client_order_id
            if cid is not None and self._trade_with_client_id(cid) is not None:
                raise DuplicateClientOrderId(cid) from exc
            raise

    def _trade_with_client_id(self, client_order_id: str) -> int | None:
        """Id of the trade whose entry order has this client order id."""
        query = select(TradeRow.id).where(TradeRow.client_order_id == client_order_id,
                                          TradeRow.bot_id == self._bot_id)
        with self._read() as session:
            return session.scalars(query).one_or_none()

    def update_trade_entry(
        self, trade_id: int, *, entry_price: float, quantity: float, fees: float
    ) -> TradeRecord:
        """Correct an open trade's entry after (partial) fills: average price, size, fees so far.

        Raises:
            NotInJournal: no such trade. JournalError: the trade is not open.
        """
        values = {"entry_price": entry_price, "quantity": quantity, "fees": fees}
        return self._change_open_trade(trade_id, values)

    def close_trade(
        self,
        trade_id: int,
        *,
        exit_time: datetime,
        exit_price: float,
        pnl: float,
        fees: float,
        reason: str,
    ) -> TradeRecord:
        """Close an open trade.

        Args:
            trade_id: the trade's journal id.
            exit_time: when the position was flat.
            exit_price: average exit fill price.
            pnl: realised PnL *net* of all fees (quote currency).
            fees: total fees of the trade, entry and exit (replaces the stored value).
            reason: why it was closed (``stop_loss``, ``take_profit``, ``cluster_reached``...).

        Raises:
            NotInJournal: no such trade. JournalError: the trade is not open.
        """
        values = {
            "status": str(TradeStatus.CLOSED),
            "exit_time": exit_time,
            "exit_price": exit_price,
            "pnl": pnl,
            "fees": fees,
            "exit_reason": reason,
        }
        return self._change_open_trade(trade_id, values)

    def cancel_trade(
        self, trade_id: int, *, reason: str, at: datetime | None = None
    ) -> TradeRecord:
        """Mark an open trade whose entry never filled as ``cancelled``.

        Raises:
            NotInJournal: no such trade. JournalError: the trade is not open.
        """
        values = {
            "status": str(TradeStatus.CANCELLED),
            "exit_time": at if at is not None else self._clock(),
            "exit_reason": reason,
        }
        return self._change_open_trade(trade_id, values)

    def _change_open_trade(self, trade_id: int, values: dict[str, Any]) -> TradeRecord:
        """Apply ``values`` to a trade that must still be open, in one transaction."""
        with self._write() as session:
            result = session.execute(
                update(TradeRow)
                .where(TradeRow.id == trade_id, TradeRow.status == str(TradeStatus.OPEN),
                       TradeRow.bot_id == self._bot_id)
                .values(**values)
                .returning(TradeRow.id)
            )
            changed = result.scalar_one_or_none() is not None
            row = session.get(TradeRow, trade_id, populate_existing=True)
            if row is None or row.bot_id != self._bot_id:
                raise NotInJournal(f"no trade with id {trade_id}")
            if not changed:
                raise JournalError(f"trade {trade_id} is {row.status}, not open")
            return TradeRecord.from_row(row)

    def get_trade(self, trade_id: int) -> TradeRecord | None:
        """One trade by id, or ``None``."""
        with self._read() as session:
            row = session.get(TradeRow, trade_id)
            return None if row is None or row.bot_id != self._bot_id else TradeRecord.from_row(row)

    def list_trades(
        self,
        *,
        symbol: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        mode: TradeMode | None = None,
        status: TradeStatus | None = None,
    ) -> list[TradeRecord]:
        """Trades matching every filter given, oldest entry first.

        ``since``/``until`` bound the entry time (inclusive / exclusive).
        """
        query = select(TradeRow).where(TradeRow.bot_id == self._bot_id)
        if symbol is not None:
            query = query.where(TradeRow.symbol == to_exchange_id(symbol))
        if since is not None:
            query = query.where(TradeRow.entry_time >= since)
        if until is not None:
            query = query.where(TradeRow.entry_time < until)
        if mode is not None:
            query = query.where(TradeRow.mode == str(mode))
        if status is not None:
            query = query.where(TradeRow.status == str(status))
        with self._read() as session:
            rows = session.scalars(query.order_by(TradeRow.entry_time, TradeRow.id))
            return [TradeRecord.from_row(row) for row in rows]

    def open_trades(
        self, *, mode: TradeMode | None = None, symbol: str | None = None
    ) -> list[TradeRecord]:
        """Trades still open (what a restarting bot reconciles against the exchange)."""
        return self.list_trades(mode=mode, symbol=symbol, status=TradeStatus.OPEN)
