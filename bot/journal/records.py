"""Frozen records the journal hands out and the inputs it takes.

Nothing outside ``bot.journal`` sees an ORM row: the repository converts rows to these plain,
immutable values, so a record can cross threads and outlive its session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


def _iso(moment: datetime | None) -> str | None:
    """ISO-8601 text of an aware datetime (``+00:00`` suffix), or ``None``."""
    return None if moment is None else moment.isoformat()


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
        return cls(
            id=row.id,
            symbol=row.symbol,
            side=PositionSide(row.side),
            mode=TradeMode(row.mode),
            status=TradeStatus(row.status),
            entry_time=row.entry_time,
            entry_price=row.entry_price,
            quantity=row.quantity,
            exit_time=row.exit_time,
            exit_price=row.exit_price,
            pnl=row.pnl,
            fees=row.fees,
            client_order_id=row.client_order_id,
            exit_reason=row.exit_reason,
            stop_price=row.stop_price,
            take_profit_price=row.take_profit_price,
            target_cluster_price=row.target_cluster_price,
            target_cluster_side=row.target_cluster_side,
            target_cluster_strength=row.target_cluster_strength,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (what ``bot journal --format json`` prints), times in ISO-8601."""
        return {
            "id": self.id,
            "symbol": self.symbol,
            "side": str(self.side),
            "mode": str(self.mode),
            "status": str(self.status),
            "entry_time": _iso(self.entry_time),
            "entry_price": self.entry_price,
            "quantity": self.quantity,
            "exit_time": _iso(self.exit_time),
            "exit_price": self.exit_price,
            "pnl": self.pnl,
            "fees": self.fees,
            "client_order_id": self.client_order_id,
            "exit_reason": self.exit_reason,
            "stop_price": self.stop_price,
            "take_profit_price": self.take_profit_price,
            "target_cluster_price": self.target_cluster_price,
            "target_cluster_side": self.target_cluster_side,
            "target_cluster_strength": self.target_cluster_strength,
        }


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
        return cls(
            id=row.id,
            client_order_id=row.client_order_id,
            exchange_order_id=row.exchange_order_id,
            symbol=row.symbol,
            type=row.type,
            side=OrderSide(row.side),
            price=row.price,
            stop_price=row.stop_price,
            quantity=row.quantity,
            filled_quantity=row.filled_quantity,
            average_price=row.average_price,
            status=row.status,
            reduce_only=row.reduce_only,
            purpose=row.purpose,
            mode=TradeMode(row.mode),
            created_at=row.created_at,
            updated_at=row.updated_at,
            error=row.error,
            trade_id=row.trade_id,
        )


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
        return cls(
            id=row.id,
            order_id=row.order_id,
            price=row.price,
            quantity=row.quantity,
            fee=row.fee,
            fee_asset=row.fee_asset,
            time=row.time,
            exchange_trade_id=row.exchange_trade_id,
        )


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
        return cls(
            id=row.id,
            symbol=row.symbol,
            time=row.time,
            mode=TradeMode(row.mode),
            direction=row.direction,
            strength=row.strength,
            mark_price=row.mark_price,
            cluster_price=row.cluster_price,
            cluster_side=row.cluster_side,
            cluster_strength=row.cluster_strength,
            cluster_distance_pct=row.cluster_distance_pct,
            outcome=row.outcome,
            reason=row.reason,
            trade_id=row.trade_id,
        )


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
        return cls(
            id=row.id,
            time=row.time,
            kind=row.kind,
            mode=None if row.mode is None else TradeMode(row.mode),
            symbol=row.symbol,
            reason=row.reason,
            detail=row.detail,
        )


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
        return cls(
            id=row.id,
            time=row.time,
            mode=TradeMode(row.mode),
            equity=row.equity,
            balance=row.balance,
            unrealised_pnl=row.unrealised_pnl,
            open_positions=row.open_positions,
        )
