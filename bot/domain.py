"""Frozen value types shared by every part of the bot.

Everything here is plain data: no I/O, no clock reads. Timestamps are timezone-aware UTC
datetimes; prices are quote-currency (USDT) per unit of the base asset; quantities are in
base-asset units; notionals in quote currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)

LiquidationSide = Literal["long", "short"]
"""Which side was liquidated: ``"long"`` (Binance order side ``SELL``) or ``"short"`` (``BUY``)."""

ClusterKind = Literal["realized", "projected"]
"""Where a cluster comes from: liquidations seen (``"realized"``) or open interest that would
be liquidated there (``"projected"``, see ``bot.heatmap.projection``)."""


VENUES: tuple[str, ...] = ("binance", "bybit", "okx")
"""The liquidation venues the heatmap can read, in a fixed order (their storage codes)."""

MAX_EPOCH_MS = 4_102_444_800_000
"""2100-01-01: later times are treated as garbage, not data."""


def from_epoch_ms(epoch_ms: int) -> datetime:
    """Convert Binance milliseconds since the epoch (0 ≤ ms < 2100) to an exact UTC datetime."""
    if not 0 <= epoch_ms < MAX_EPOCH_MS:
        raise ValueError(f"epoch milliseconds out of range: {epoch_ms}")
    # Exact despite the float: until 2100 a float's spacing near ms / 1000 stays below
    # 0.5 µs, and fromtimestamp rounds to the nearest microsecond. Twice as fast as
    # EPOCH + timedelta(milliseconds=...) on the parsing hot path.
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


def to_epoch_ms(moment: datetime) -> int:
    """Convert a timezone-aware datetime to whole milliseconds since the epoch (floored)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: timestamps must carry a time zone (UTC)")
    return (moment - EPOCH) // _ONE_MS


class PositionSide(StrEnum):
    """Direction of a position or of an entry intent."""

    LONG = "long"
    SHORT = "short"

    @property
    def sign(self) -> int:
        """+1 for long, -1 for short: multiply a price move by it to get PnL direction."""
        return 1 if self is PositionSide.LONG else -1

    @property
    def opposite(self) -> PositionSide:
        """The other side."""
        return PositionSide.SHORT if self is PositionSide.LONG else PositionSide.LONG


class OrderSide(StrEnum):
    """Side of an order as exchanges name it."""

    BUY = "buy"
    SELL = "sell"

    @staticmethod
    def to_open(side: PositionSide) -> OrderSide:
        """The order side that opens a position of ``side``."""
        return OrderSide.BUY if side is PositionSide.LONG else OrderSide.SELL

    @staticmethod
    def to_close(side: PositionSide) -> OrderSide:
        """The order side that closes a position of ``side``."""
        return OrderSide.SELL if side is PositionSide.LONG else OrderSide.BUY


@dataclass(frozen=True, slots=True)
class Liquidation:
    """One forced liquidation as a venue reported it.

    ``side`` names the position that was liquidated on every venue: ``"long"`` for a Binance
    forceOrder with ``S == "SELL"``, a Bybit ``S == "Buy"``, an OKX ``side == "sell"``.
    ``venue`` is one of ``VENUES`` (``"binance"`` unless said).
    """

    symbol: str
    side: LiquidationSide
    price: float
    quantity: float
    timestamp: datetime
    venue: str = "binance"

    def __post_init__(self) -> None:
        if self.venue not in VENUES:
            raise ValueError(f"venue must be one of {', '.join(VENUES)}, got {self.venue!r}")
        if self.side not in ("long", "short"):
            raise ValueError(f"side must be 'long' or 'short', got {self.side!r}")
        if not (self.price > 0 and self.quantity > 0):
            raise ValueError("price and quantity must be positive numbers")
        if self.timestamp.tzinfo is None:
            raise ValueError("timestamp must be timezone-aware (UTC)")

    @property
    def notional(self) -> float:
        """Liquidated value in quote currency: price × quantity."""
        return self.price * self.quantity


@dataclass(frozen=True, slots=True)
class MarkPrice:
    """A mark price observation for one symbol (exchange id form, e.g. ``BTCUSDT``).

    ``funding_rate`` and ``next_funding_at`` are the funding the exchange publishes with the
    mark (Binance's ``r`` / ``lastFundingRate`` and ``T`` / ``nextFundingTime``), when known.
    """

    symbol: str
    price: float
    timestamp: datetime
    funding_rate: float | None = None
    next_funding_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LiquidationCluster:
    """A group of liquidations at nearby prices, as the heatmap computed it.

    ``side`` is the side holding more time-decayed notional; ``distance_from_price`` is the
    signed percentage ``(price_level / current_price - 1) * 100`` or ``None`` while no price
    is known. ``total_notional`` is not decayed; ``long_notional``/``short_notional`` are.
    ``kind`` is ``"realized"`` (liquidations that happened) or ``"projected"`` (estimated
    open positions that would be liquidated there; ``side`` is then the side at risk).
    """

    symbol: str
    price_level: float
    side: LiquidationSide
    liquidation_count: int
    total_notional: float
    strength: float
    distance_from_price: float | None
    last_updated: datetime
    price_low: float
    price_high: float
    long_notional: float
    short_notional: float
    newest_at: datetime
    venue_notional: Mapping[str, float] = field(default_factory=dict)
    """Raw (not decayed) notional of the members per venue; only venues present appear."""
    kind: ClusterKind = "realized"


@dataclass(frozen=True, slots=True)
class Signal:
    """What a strategy decided for one symbol at one moment.

    ``direction`` is ``1`` (go long), ``-1`` (go short) or ``0`` (nothing to do).
    """

    symbol: str
    direction: int
    strength: float
    cluster: LiquidationCluster | None
    mark_price: float
    created_at: datetime


@dataclass(frozen=True, slots=True)
class EntryIntent:
    """A strategy's wish to open a position; risk sizes it, execution carries it out."""

    symbol: str
    side: PositionSide
    reference_price: float
    stop_price: float
    take_profit_price: float
    strength: float
    cluster: LiquidationCluster | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class EntryRefusal:
    """An entry a strategy found and turned down itself (its reward against its risk, say),
    with the reason the journal records for the signal."""

    symbol: str
    side: PositionSide
    reference_price: float
    strength: float
    cluster: LiquidationCluster | None
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ExitIntent:
    """A strategy's wish to close an open position, with the reason for the journal."""

    symbol: str
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SizedOrder:
    """An entry intent the risk engine approved, with the size it allows."""

    intent: EntryIntent
    quantity: float
    notional: float
    leverage: float


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of an order (paper or exchange), fees in quote currency."""

    symbol: str
    side: OrderSide
    quantity: float
    price: float
    fee: float
    timestamp: datetime
    client_order_id: str


@dataclass(frozen=True, slots=True)
class Position:
    """An open position as the execution venue holds it."""

    symbol: str
    side: PositionSide
    quantity: float
    entry_price: float
    stop_price: float
    take_profit_price: float
    opened_at: datetime
    client_order_id: str
    entry_fee: float
    target_cluster_price: float | None = None

    def unrealised_pnl(self, mark_price: float) -> float:
        """PnL at ``mark_price`` before exit fees."""
        return (mark_price - self.entry_price) * self.quantity * self.side.sign

    @property
    def notional(self) -> float:
        """Entry value: entry price × quantity."""
        return self.entry_price * self.quantity


@dataclass(frozen=True, slots=True)
class ClosedPosition:
    """A position that ended, with its result; ``pnl`` is net of entry and exit fees."""

    position: Position
    exit_price: float
    exit_time: datetime
    reason: str
    exit_fee: float
    exit_client_order_id: str

    @property
    def gross_pnl(self) -> float:
        """Price PnL before fees."""
        return self.position.unrealised_pnl(self.exit_price)

    @property
    def fees(self) -> float:
        """Entry plus exit fees."""
        return self.position.entry_fee + self.exit_fee

    @property
    def pnl(self) -> float:
        """Net PnL: gross minus all fees."""
        return self.gross_pnl - self.fees
