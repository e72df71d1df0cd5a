"""SQLAlchemy 2.0 models of the trade journal: the schema Alembic migrations are generated from.

Units and conventions, the same in every table:

* Times are timezone-aware UTC datetimes (see ``UtcDateTime``).
* Money (prices, PnL, fees, equity) is stored as ``Float`` (IEEE double). The journal records
  what happened for review and statistics; it is never the source of truth for balances (the
  exchange is), so binary floating point is accepted here, consistently, instead of Decimal.
* Prices are quote currency (USDT) per unit of base asset; quantities are base-asset units.
* ``trades.pnl`` is *net* realised PnL: fees already subtracted. ``trades.fees`` is the total
  paid (entry and exit), kept apart so gross PnL is ``pnl + fees``.
* Nothing secret (API keys, signatures) is ever stored.
* ``bot_id`` (``run.bot_id``) says which bot of a fleet sharing the database wrote a row:
  trades, orders, signals, risk events, equity and durable state are each one bot's; fills
  belong to their order. Rows from before bot ids existed are ``default``'s.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.journal.base import Base

_SYMBOL = 32
_SHORT = 32
_ID = 64
_BOT = 64

DEFAULT_BOT_ID = "default"
"""The bot id of a bot that sets none, and of every row written before bot ids existed."""


def _bot_id_column(*, primary_key: bool = False) -> Mapped[str]:
    """The ``bot_id`` column: indexed, ``default`` for rows that had none."""
    return mapped_column(String(_BOT), primary_key=primary_key, index=not primary_key,
                         default=DEFAULT_BOT_ID, server_default=DEFAULT_BOT_ID)


class TradeMode(StrEnum):
    """Where a trade, order or signal happened."""

    PAPER = "paper"
    LIVE = "live"
    BACKTEST = "backtest"


class TradeStatus(StrEnum):
    """Life cycle of a trade: ``cancelled`` is an entry that never filled."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class SignalOutcome(StrEnum):
    """What the bot did with a signal (the column is free text; these are the usual values)."""

    ENTERED = "entered"
    REJECTED = "rejected"
    IGNORED = "ignored"


class OrderStatus(StrEnum):
    """Usual order states (the column is free text, so an exchange's new state still fits)."""

    PENDING = "pending"  # journaled, not yet acknowledged by the exchange
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    FAILED = "failed"  # the request failed before the exchange accepted it
    UNKNOWN = "unknown"  # the request ended without a clear answer; reconcile by client id


class OrderPurpose(StrEnum):
    """Why an order was sent (free text column; these are the usual values)."""

    ENTRY = "entry"
    STOP = "stop"
    TAKE_PROFIT = "take_profit"
    EXIT = "exit"


class RiskEventKind(StrEnum):
    """Usual kinds of risk events (free text column)."""

    REJECTION = "rejection"
    DAILY_LOSS_LOCK = "daily_loss_lock"
    KILL_SWITCH = "kill_switch"
    COOLDOWN = "cooldown"


def _in(column: str, values: type[StrEnum]) -> str:
    """SQL text of a CHECK that ``column`` holds one of the enum's values."""
    quoted = ", ".join(f"'{member.value}'" for member in values)
    return f"{column} IN ({quoted})"


class TradeRow(Base):
    """One position from entry to exit (or an entry that never filled: ``cancelled``)."""

    __tablename__ = "trades"
    __table_args__ = (
        CheckConstraint(_in("mode", TradeMode), name="mode"),
        CheckConstraint(_in("status", TradeStatus), name="status"),
        CheckConstraint("side IN ('long', 'short')", name="side"),
        Index("ix_trades_symbol_entry_time", "symbol", "entry_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot_id: Mapped[str] = _bot_id_column()
    symbol: Mapped[str] = mapped_column(String(_SYMBOL))
    side: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    entry_time: Mapped[datetime] = mapped_column(index=True)
    entry_price: Mapped[float] = mapped_column(Float)
    quantity: Mapped[float] = mapped_column(Float)
    stop_price: Mapped[float | None] = mapped_column(Float)
    take_profit_price: Mapped[float | None] = mapped_column(Float)
    exit_time: Mapped[datetime | None] = mapped_column()
    exit_price: Mapped[float | None] = mapped_column(Float)
    pnl: Mapped[float | None] = mapped_column(Float)
    fees: Mapped[float] = mapped_column(Float, default=0.0)
    exit_reason: Mapped[str | None] = mapped_column(Text)
    target_cluster_price: Mapped[float | None] = mapped_column(Float)
    target_cluster_side: Mapped[str | None] = mapped_column(String(8))
    target_cluster_strength: Mapped[float | None] = mapped_column(Float)
    # The entry order's id; unique so the same entry can never be journaled as two trades.
    client_order_id: Mapped[str | None] = mapped_column(String(_ID), unique=True)


class OrderRow(Base):
    """One order as sent to the exchange (recorded *before* sending, then updated)."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(_in("mode", TradeMode), name="mode"),
        CheckConstraint("side IN ('buy', 'sell')", name="side"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot_id: Mapped[str] = _bot_id_column()
    client_order_id: Mapped[str] = mapped_column(String(_ID), unique=True)
    exchange_order_id: Mapped[str | None] = mapped_column(String(_ID), index=True)
    symbol: Mapped[str] = mapped_column(String(_SYMBOL))
    type: Mapped[str] = mapped_column(String(_SHORT))
    side: Mapped[str] = mapped_column(String(8))
    price: Mapped[float | None] = mapped_column(Float)
    stop_price: Mapped[float | None] = mapped_column(Float)
    quantity: Mapped[float] = mapped_column(Float)
    filled_quantity: Mapped[float] = mapped_column(Float, default=0.0)
    average_price: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(_SHORT), index=True)
    reduce_only: Mapped[bool] = mapped_column(Boolean, default=False)
    purpose: Mapped[str] = mapped_column(String(_SHORT))
    mode: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    trade_id: Mapped[int | None] = mapped_column(ForeignKey("trades.id"), index=True)


class FillRow(Base):
    """One execution (partial or full) of an order."""

    __tablename__ = "fills"
    # The same exchange trade reported twice (stream and REST reconciliation) is one fill.
    __table_args__ = (UniqueConstraint("order_id", "exchange_trade_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    price: Mapped[float] = mapped_column(Float)
    quantity: Mapped[float] = mapped_column(Float)
    fee: Mapped[float] = mapped_column(Float, default=0.0)
    fee_asset: Mapped[str | None] = mapped_column(String(16))
    time: Mapped[datetime] = mapped_column()
    exchange_trade_id: Mapped[str | None] = mapped_column(String(_ID))


class SignalRow(Base):
    """Every signal the strategy produced, acted on or not, and why."""

    __tablename__ = "signals"
    __table_args__ = (
        CheckConstraint(_in("mode", TradeMode), name="mode"),
        CheckConstraint("direction IN (-1, 0, 1)", name="direction"),
        Index("ix_signals_symbol_time", "symbol", "time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot_id: Mapped[str] = _bot_id_column()
    symbol: Mapped[str] = mapped_column(String(_SYMBOL))
    time: Mapped[datetime] = mapped_column(index=True)
    mode: Mapped[str] = mapped_column(String(16))
    direction: Mapped[int] = mapped_column(Integer)
    strength: Mapped[float] = mapped_column(Float)
    mark_price: Mapped[float] = mapped_column(Float)
    cluster_price: Mapped[float | None] = mapped_column(Float)
    cluster_side: Mapped[str | None] = mapped_column(String(8))
    cluster_strength: Mapped[float | None] = mapped_column(Float)
    cluster_distance_pct: Mapped[float | None] = mapped_column(Float)
    # Free text, not an enum column: new outcomes must not need a migration.
    outcome: Mapped[str] = mapped_column(String(_SHORT))
    reason: Mapped[str | None] = mapped_column(Text)
    trade_id: Mapped[int | None] = mapped_column(ForeignKey("trades.id"), index=True)


class RiskEventRow(Base):
    """A decision of the risk engine: a rejection, a lock, a kill switch, a cooldown."""

    __tablename__ = "risk_events"
    __table_args__ = (CheckConstraint(_in("mode", TradeMode), name="mode"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot_id: Mapped[str] = _bot_id_column()
    time: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(_SHORT), index=True)
    mode: Mapped[str | None] = mapped_column(String(16))
    symbol: Mapped[str | None] = mapped_column(String(_SYMBOL))
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)


class EquitySnapshotRow(Base):
    """Account equity at one moment: the source of the drawdown curve."""

    __tablename__ = "equity_snapshots"
    __table_args__ = (
        CheckConstraint(_in("mode", TradeMode), name="mode"),
        Index("ix_equity_snapshots_mode_time", "mode", "time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot_id: Mapped[str] = _bot_id_column()
    time: Mapped[datetime] = mapped_column()
    mode: Mapped[str] = mapped_column(String(16))
    equity: Mapped[float] = mapped_column(Float)
    balance: Mapped[float] = mapped_column(Float)
    unrealised_pnl: Mapped[float] = mapped_column(Float, default=0.0)
    open_positions: Mapped[int] = mapped_column(Integer, default=0)


class BotStateRow(Base):
    """Durable key-value flags that must survive a restart (e.g. the daily-loss lock)."""

    __tablename__ = "bot_state"

    bot_id: Mapped[str] = _bot_id_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column()


class BacktestRunRow(Base):
    """One optimisation trial (``bot optimize``): its settings and result, as JSON text."""

    __tablename__ = "backtest_runs"
    __table_args__ = (Index("ix_backtest_runs_study_trial", "study", "trial"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column()
    study: Mapped[str] = mapped_column(String(128))
    trial: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(16))  # "train", "test" or "full"
    start: Mapped[datetime] = mapped_column()
    end: Mapped[datetime] = mapped_column()
    settings: Mapped[str] = mapped_column(Text)  # the trial's overrides, JSON
    result: Mapped[str] = mapped_column(Text)  # the backtest report's figures, JSON
    net_pnl: Mapped[float] = mapped_column(Float)
