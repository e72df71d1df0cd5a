"""The typed answers of ``bot.exchange``: small frozen values, never raw ccxt dicts.

Symbols are Binance ids (``BTCUSDT``); timestamps are aware UTC datetimes from the
exchange; quantities are base-asset units, prices and money USDT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from bot.domain import OrderSide, PositionSide
from bot.errors import InvalidOrder

"""Returns the current time as an aware UTC datetime."""

StopKind = Literal["stop", "take_profit"]
"""A protective trigger order: ``stop`` (STOP_MARKET) or ``take_profit`` (TAKE_PROFIT_MARKET)."""

MarginMode = Literal["isolated", "cross"]
"""Binance's margin types, as ccxt names them."""

# Binance: client order ids are 1-36 characters of this set, unique among open orders.
CLIENT_ORDER_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")


def check_client_order_id(client_order_id: str) -> str:
    """Return ``client_order_id`` if Binance accepts it, else raise ``InvalidOrder``."""
    if not isinstance(client_order_id, str) or not CLIENT_ORDER_ID.fullmatch(client_order_id):
        raise InvalidOrder(
            f"client order id {client_order_id!r} must match {CLIENT_ORDER_ID.pattern}"
        )
    return client_order_id


class OrderStatus(StrEnum):
    """An order's state in ccxt's words (Binance NEW/PARTIALLY_FILLED are both ``open``)."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ServerTime:
    """The exchange's clock next to ours at the moment its answer arrived."""

    exchange_time: datetime
    local_time: datetime

    @property
    def offset_seconds(self) -> float:
        """Exchange minus local time, in seconds (positive: the exchange is ahead)."""
        return (self.exchange_time - self.local_time).total_seconds()


@dataclass(frozen=True, slots=True)
class Balance:
    """The futures account in one asset (USDT): ``total = free + used``.

    ``total`` is Binance's margin balance (ccxt's ``total`` from ``/fapi/v3/account``):
    the wallet plus the unrealised PnL of open positions, i.e. the equity. ``wallet`` is
    the wallet balance alone (realised PnL, fees and funding booked so far).
    """

    asset: str
    total: float
    free: float
    used: float
    wallet: float


@dataclass(frozen=True, slots=True)
class ExchangePosition:
    """An open position as the exchange reports it (one-way mode: one per symbol)."""

    symbol: str
    side: PositionSide
    quantity: float
    entry_price: float
    mark_price: float | None
    unrealized_pnl: float | None
    liquidation_price: float | None
    leverage: float | None
    margin_mode: str | None
    timestamp: datetime | None


@dataclass(frozen=True, slots=True)
class ExchangeOrder:
    """An order as the exchange reports it.

    ``trigger`` marks a conditional (algo) order, whose ``trigger_price`` is set and whose
    ``quantity`` is ``None`` when it closes the whole position.
    """

    id: str
    client_order_id: str | None
    symbol: str
    side: OrderSide
    type: str
    status: OrderStatus
    quantity: float | None
    filled: float
    average_price: float | None
    price: float | None
    trigger_price: float | None
    reduce_only: bool | None
    trigger: bool
    timestamp: datetime | None

    @property
    def is_open(self) -> bool:
        """True while the order can still fill (or trigger)."""
        return self.status is OrderStatus.OPEN


@dataclass(frozen=True, slots=True)
class CancelledOrder:
    """The exchange's acknowledgement of a cancel.

    ``order`` is the order's final state when the exchange sends it (regular orders);
    Binance acknowledges a trigger (algo) order's cancel with its ids only.
    """

    symbol: str
    client_order_id: str
    order_id: str | None
    trigger: bool
    order: ExchangeOrder | None


@dataclass(frozen=True, slots=True)
class FundingPayment:
    """One funding settlement of the account (Binance ``income`` of type ``FUNDING_FEE``):
    ``amount`` in USDT, negative when paid."""

    id: str
    symbol: str
    amount: float
    time: datetime


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of the account, from its trade history (Binance ``userTrades``).

    ``commission`` is what was paid (positive) in ``commission_asset``; ``realized_pnl``
    the PnL this fill realised, before commission, as the exchange booked it.
    """

    id: str
    order_id: str
    symbol: str
    side: OrderSide
    price: float
    quantity: float
    commission: float
    commission_asset: str
    realized_pnl: float
    maker: bool
    time: datetime


@dataclass(frozen=True, slots=True)
class PositionMode:
    """The account's position mode: hedge (dual-side) or one-way."""

    dual_side: bool


# Binance USDⓈ-M kline intervals of fixed length (``1M`` varies, so it is left out).
TIMEFRAMES_MS: dict[str, int] = {
    "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000,
    "8h": 28_800_000, "12h": 43_200_000, "1d": 86_400_000, "3d": 259_200_000,
    "1w": 604_800_000,
}


def timeframe_ms(timeframe: str) -> int:
    """The length of one ``timeframe`` bar in milliseconds; ``ValueError`` if unknown."""
    try:
        return TIMEFRAMES_MS[timeframe]
    except KeyError:
        known = ", ".join(TIMEFRAMES_MS)
        raise ValueError(f"unknown timeframe {timeframe!r} (one of {known})") from None


@dataclass(frozen=True, slots=True)
class Candle:
    """One kline (trade prices) of one symbol; ``open_time`` is the bar's start, UTC."""

    symbol: str
    open_time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float


@dataclass(frozen=True, slots=True)
class OpenInterest:
    """Open interest of one symbol at one moment (Binance ``openInterestHist`` entry).

    ``amount`` is in contracts of the base asset (``sumOpenInterest``), ``value`` in USDT
    (``sumOpenInterestValue``; ``None`` when the answer lacks it).
    """

    symbol: str
    time: datetime
    amount: float
    value: float | None
