"""Frozen records the journal hands out and the inputs it takes.

Nothing outside ``bot.journal`` sees an ORM row: the repository converts rows to these plain,
immutable values, so a record can cross threads and outlive its session.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from bot.domain import EntryIntent, OrderSide, PositionSide
from bot.journal.models import (
    EquitySnapshotRow,
    FillRow,
    OrderRow,
    OrderStatus,
    RiskEventRow,
    SignalRow,
    TradeMode,
    TradeRow,
    TradeStatus,
)

R = TypeVar("R")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _from_row(cls: type[R], row: object, **converted: Any) -> R:
    """A record of ``cls`` holding the row's attributes of the same names; ``converted``
    gives the fields whose column needs a conversion (enums from their text)."""
    values = {name: getattr(row, name) for name in _field_names(cls) if name not in converted}
    return cls(**values, **converted)


def row_values(record: object, **converted: Any) -> dict[str, Any]:
    """The column values of an input record (``NewTrade``, ``NewOrder``): every field by its
    name, ``converted`` replacing the ones stored differently (enums as text, ids
    normalised)."""
    values = {name: getattr(record, name) for name in _field_names(type(record))}
    values.update(converted)
    return values


def _json_value(value: object) -> object:
    """A field's JSON form: aware datetimes as ISO-8601 (``+00:00`` suffix), enums by value."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    return value


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """One trade as journaled. ``pnl`` is net of fees; ``fees`` is the total paid."""

    id: int
    symbol: str
    side: PositionSide
    mode: TradeMode
    status: TradeStatus
    entry_time: datetime
    entry_price: float
    quantity: float
    exit_time: datetime | None
    exit_price: float | None
    pnl: float | None
    fees: float
    client_order_id: str | None
    exit_reason: str | None
    stop_price: float | None
    take_profit_price: float | None
    target_cluster_price: float | None
    target_cluster_side: str | None
    target_cluster_strength: float | None

    @classmethod
    def from_row(cls, row: TradeRow) -> TradeRecord:
        """Copy an ORM row into a frozen record."""
        return _from_row(cls, row, side=PositionSide(row.side), mode=TradeMode(row.mode),
                         status=TradeStatus(row.status))

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (what ``bot journal --format json`` prints), times in ISO-8601."""
        return {name: _json_value(getattr(self, name)) for name in _field_names(TradeRecord)}


@dataclass(frozen=True, slots=True)
class NewTrade:
    """What ``JournalRepository.open_trade`` needs to open a trade."""

    symbol: str
    side: PositionSide
    mode: TradeMode
    entry_time: datetime
    entry_price: float
    quantity: float
    client_order_id: str | None = None
    stop_price: float | None = None
    take_profit_price: float | None = None
    target_cluster_price: float | None = None
    target_cluster_side: str | None = None
    target_cluster_strength: float | None = None
    fees: float = 0.0

    @classmethod
    def from_intent(
        cls,
        intent: EntryIntent,
        *,
        mode: TradeMode,
        entry_time: datetime,
        entry_price: float,
        quantity: float,
        client_order_id: str | None,
        fees: float = 0.0,
    ) -> NewTrade:
        """Build the trade an executed entry intent opened (exits and target from the intent)."""
        cluster = intent.cluster
        return cls(
            symbol=intent.symbol,
            side=intent.side,
            mode=mode,
            entry_time=entry_time,
            entry_price=entry_price,
            quantity=quantity,
            client_order_id=client_order_id,
            stop_price=intent.stop_price,
            take_profit_price=intent.take_profit_price,
            target_cluster_price=None if cluster is None else cluster.price_level,
            target_cluster_side=None if cluster is None else cluster.side,
            target_cluster_strength=None if cluster is None else cluster.strength,
            fees=fees,
        )


@dataclass(frozen=True, slots=True)
class NewRiskEvent:
    """A risk event to journal with a decision (``EventStore.record_decision``): its kind
    (``RiskEventKind``), reason code, human detail and time (the journal's clock if unset).
    Its symbol and mode are the decision's."""

    kind: str
    reason: str
    detail: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An order about to be sent: journaled first, so a crash mid-send leaves a trace.

    ``type`` is the exchange's order type (``market``, ``limit``, ``stop_market``,
    ``take_profit_market``...); ``purpose`` one of ``OrderPurpose`` (free text).
    """

    client_order_id: str
    symbol: str
    type: str
    side: OrderSide
    quantity: float
    purpose: str
    mode: TradeMode
    price: float | None = None
    stop_price: float | None = None
    reduce_only: bool = False
    status: str = OrderStatus.PENDING
    exchange_order_id: str | None = None
    trade_id: int | None = None


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One order as journaled."""

    id: int
    client_order_id: str
    exchange_order_id: str | None
    symbol: str
    type: str
    side: OrderSide
    price: float | None
    stop_price: float | None
    quantity: float
    filled_quantity: float
    average_price: float | None
    status: str
    reduce_only: bool
    purpose: str
    mode: TradeMode
    created_at: datetime
    updated_at: datetime
    error: str | None
    trade_id: int | None

    @classmethod
    def from_row(cls, row: OrderRow) -> OrderRecord:
        """Copy an ORM row into a frozen record."""
        return _from_row(cls, row, side=OrderSide(row.side), mode=TradeMode(row.mode))


@dataclass(frozen=True, slots=True)
class FillRecord:
    """One execution of an order."""

    id: int
    order_id: int
    price: float
    quantity: float
    fee: float
    fee_asset: str | None
    time: datetime
    exchange_trade_id: str | None

    @classmethod
    def from_row(cls, row: FillRow) -> FillRecord:
        """Copy an ORM row into a frozen record."""
        return _from_row(cls, row)


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """One strategy signal and what became of it. ``cluster_distance_pct`` is signed percent."""

    id: int
    symbol: str
    time: datetime
    mode: TradeMode
    direction: int
    strength: float
    mark_price: float
    cluster_price: float | None
    cluster_side: str | None
    cluster_strength: float | None
    cluster_distance_pct: float | None
    outcome: str
    reason: str | None
    trade_id: int | None

    @classmethod
    def from_row(cls, row: SignalRow) -> SignalRecord:
        """Copy an ORM row into a frozen record."""
        return _from_row(cls, row, mode=TradeMode(row.mode))


@dataclass(frozen=True, slots=True)
class RiskEventRecord:
    """One risk-engine decision worth remembering."""

    id: int
    time: datetime
    kind: str
    mode: TradeMode | None
    symbol: str | None
    reason: str
    detail: str | None

    @classmethod
    def from_row(cls, row: RiskEventRow) -> RiskEventRecord:
        """Copy an ORM row into a frozen record."""
        return _from_row(cls, row,
                         mode=None if row.mode is None else TradeMode(row.mode))


@dataclass(frozen=True, slots=True)
class EquitySample:
    """One equity snapshot to journal (``unrealised_pnl`` = equity - balance by default)."""

    time: datetime
    equity: float
    balance: float
    open_positions: int = 0
    unrealised_pnl: float | None = None


@dataclass(frozen=True, slots=True)
class EquitySnapshotRecord:
    """Account equity at one moment (quote currency)."""

    id: int
    time: datetime
    mode: TradeMode
    equity: float
    balance: float
    unrealised_pnl: float
    open_positions: int

    @classmethod
    def from_row(cls, row: EquitySnapshotRow) -> EquitySnapshotRecord:
        """Copy an ORM row into a frozen record."""
        return _from_row(cls, row, mode=TradeMode(row.mode))
