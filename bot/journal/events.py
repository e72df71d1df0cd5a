"""Signals, risk events, equity snapshots and durable flags in the journal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.exc import IntegrityError

from bot.domain import Signal
from bot.journal.base import Base
from bot.journal.models import (
    BotStateRow,
    EquitySnapshotRow,
    RiskEventRow,
    SignalRow,
    TradeMode,
)
from bot.journal.records import (
    EquitySample,
    EquitySnapshotRecord,
    NewRiskEvent,
    RiskEventRecord,
    SignalRecord,
)
from bot.journal.store import JournalStore, redact
from bot.symbols import to_exchange_id

# Core inserts of fixed statements (compiled once, values as parameters): a decision comes
# with every mark price, and the ORM's unit of work would cost more than the statement.
_INSERT_SIGNAL = insert(Base.metadata.tables[SignalRow.__tablename__])
_INSERT_RISK_EVENT = insert(Base.metadata.tables[RiskEventRow.__tablename__])

_Timed = TypeVar("_Timed", SignalRow, RiskEventRow, EquitySnapshotRow)
_Record = TypeVar("_Record")


def _equity_row(bot_id: str, mode: TradeMode, sample: EquitySample) -> EquitySnapshotRow:
    unrealised = sample.unrealised_pnl
    return EquitySnapshotRow(
        bot_id=bot_id, time=sample.time, mode=str(mode), equity=sample.equity,
        balance=sample.balance,
        unrealised_pnl=sample.equity - sample.balance if unrealised is None else unrealised,
        open_positions=sample.open_positions,
    )


class EventStore(JournalStore):
    """Writes and reads what happened around trades: signals, risk, equity, state."""

    def record_signal(
        self,
        signal: Signal,
        *,
        mode: TradeMode,
        outcome: str,
        reason: str | None = None,
        trade_id: int | None = None,
    ) -> int:
        """Journal a strategy signal and what the bot did with it (``SignalOutcome``)."""
        return self._insert(SignalRow(**self._signal_values(
            signal, mode=mode, outcome=outcome, reason=reason, trade_id=trade_id)))

    def record_decision(self, signal: Signal, *, mode: TradeMode, outcome: str,
                        reason: str | None = None,
                        risk_event: NewRiskEvent | None = None) -> int:
        """Journal a decision that sent no order: the signal (ignored or rejected) and, for a
        risk refusal, its risk event, in one transaction; returns the signal's id.

        Committed before returning, so a crash of the bot (SIGKILL too) never loses it, but
        the commit does not wait for the disk (``CRASH_SAFE_ONLY``): a power cut may lose the
        decisions since the last synced write. Nothing was sent on them, and a decision comes
        with every mark price, so they must not cost a disk flush each; orders, fills, trades
        and state keep theirs.
        """
        values = self._signal_values(signal, mode=mode, outcome=outcome, reason=reason)
        with self._write(crash_safe_only=True) as session:
            connection = session.connection()
            signal_id = connection.execute(_INSERT_SIGNAL, values).inserted_primary_key
            if risk_event is not None:
                connection.execute(_INSERT_RISK_EVENT, self._risk_event_values(
                    risk_event.kind, risk_event.reason, symbol=signal.symbol,
                    detail=risk_event.detail, mode=mode, at=risk_event.at))
        return int(signal_id[0]) if signal_id is not None else 0

    def _signal_values(self, signal: Signal, *, mode: TradeMode, outcome: str,
                       reason: str | None = None,
                       trade_id: int | None = None) -> dict[str, object]:
        cluster = signal.cluster
        return dict(
            bot_id=self._bot_id,
            symbol=to_exchange_id(signal.symbol),
            time=signal.created_at,
            mode=str(mode),
            direction=signal.direction,
            strength=signal.strength,
            mark_price=signal.mark_price,
            cluster_price=None if cluster is None else cluster.price_level,
            cluster_side=None if cluster is None else cluster.side,
            cluster_strength=None if cluster is None else cluster.strength,
            cluster_distance_pct=None if cluster is None else cluster.distance_from_price,
            outcome=outcome,
            reason=reason,
            trade_id=trade_id,
        )

    def list_signals(
        self, *, symbol: str | None = None, since: datetime | None = None
    ) -> list[SignalRecord]:
        """Signals, oldest first, optionally for one symbol and from a time on."""
        where = [] if symbol is None else [SignalRow.symbol == to_exchange_id(symbol)]
        return self._in_time_order(SignalRow, SignalRecord.from_row, since, *where)

    def record_risk_event(
        self,
        kind: str,
        reason: str,
        *,
        symbol: str | None = None,
        detail: str | None = None,
        mode: TradeMode | None = None,
        at: datetime | None = None,
    ) -> int:
        """Journal a risk decision (``RiskEventKind``: rejection, daily_loss_lock...)."""
        return self._insert(RiskEventRow(**self._risk_event_values(
            kind, reason, symbol=symbol, detail=detail, mode=mode, at=at)))

    def _risk_event_values(self, kind: str, reason: str, *, symbol: str | None,
                           detail: str | None, mode: TradeMode | None,
                           at: datetime | None) -> dict[str, object]:
        return dict(
            bot_id=self._bot_id,
            time=at if at is not None else self._clock(),
            kind=kind,
            mode=None if mode is None else str(mode),
            symbol=None if symbol is None else to_exchange_id(symbol),
            reason=redact(reason),
            detail=redact(detail),
        )

    def list_risk_events(
        self, *, kind: str | None = None, since: datetime | None = None
    ) -> list[RiskEventRecord]:
        """Risk events, oldest first, optionally of one kind and from a time on."""
        where = [] if kind is None else [RiskEventRow.kind == kind]
        return self._in_time_order(RiskEventRow, RiskEventRecord.from_row, since, *where)

    def record_equity_snapshot(
        self,
        *,
        mode: TradeMode,
        equity: float,
        balance: float,
        unrealised_pnl: float = 0.0,
        open_positions: int = 0,
        at: datetime | None = None,
    ) -> int:
        """Journal the account's equity now (or at ``at``); returns the snapshot's id."""
        return self._insert(_equity_row(self._bot_id, mode, EquitySample(
            at if at is not None else self._clock(), equity, balance, open_positions,
            unrealised_pnl)))

    def record_equity_snapshots(self, *, mode: TradeMode,
                                samples: Sequence[EquitySample]) -> None:
        """Journal many snapshots in one transaction (a backtest's, once it has run)."""
        with self._write() as session:
            session.add_all([_equity_row(self._bot_id, mode, sample) for sample in samples])

    def list_equity_snapshots(
        self, *, mode: TradeMode | None = None, since: datetime | None = None
    ) -> list[EquitySnapshotRecord]:
        """Equity snapshots in time order, optionally of one mode and from a time on."""
        where = [] if mode is None else [EquitySnapshotRow.mode == str(mode)]
        return self._in_time_order(EquitySnapshotRow, EquitySnapshotRecord.from_row, since,
                                   *where)

    def get_state(self, key: str) -> str | None:
        """The stored value of a durable flag, or ``None`` when unset."""
        with self._read() as session:
            row = session.get(BotStateRow, (self._bot_id, key))
            return None if row is None else row.value

    def set_state(self, key: str, value: str) -> None:
        """Store a durable flag (committed before returning, so it survives a crash)."""
        with self._write() as session:
            row = session.get(BotStateRow, (self._bot_id, key))
            if row is None:
                session.add(BotStateRow(bot_id=self._bot_id, key=key, value=value,
                                        updated_at=self._clock()))
            else:
                row.value = value
                row.updated_at = self._clock()

    def replace_state(self, key: str, expected: str | None, value: str | None) -> bool:
        """Set ``key`` to ``value`` (``None``: remove it) only if it now holds ``expected``.

        An atomic compare-and-set, for flags two processes may race on (the run lock): the
        row is read and written in one write transaction (SQLite's write lock at BEGIN, a
        row lock on PostgreSQL), and two inserts of a missing key cannot both commit.
        Returns whether the value was replaced.
        """
        try:
            with self._write() as session:
                row = session.get(BotStateRow, (self._bot_id, key), with_for_update=True)
                if (None if row is None else row.value) != expected:
                    return False
                if row is None:
                    if value is not None:
                        session.add(BotStateRow(bot_id=self._bot_id, key=key, value=value,
                                                updated_at=self._clock()))
                elif value is None:
                    session.delete(row)
                else:
                    row.value, row.updated_at = value, self._clock()
        except IntegrityError:  # another process inserted the key first
            return False
        return True

    def delete_state(self, key: str) -> None:
        """Remove a durable flag (no error when it was not set)."""
        with self._write() as session:
            row = session.get(BotStateRow, (self._bot_id, key))
            if row is not None:
                session.delete(row)

    def _in_time_order(self, row_type: type[_Timed], to_record: Callable[[_Timed], _Record],
                       since: datetime | None, *where: ColumnElement[bool]) -> list[_Record]:
        """Rows of ``row_type`` matching ``where`` (and from ``since`` on), oldest first,
        as records."""
        query = select(row_type).where(row_type.bot_id == self._bot_id, *where)
        if since is not None:
            query = query.where(row_type.time >= since)
        query = query.order_by(row_type.time, row_type.id)
        with self._read() as session:
            return [to_record(row) for row in session.scalars(query)]
