"""Binance USDⓈ-M market-stream payloads the simulator sends, as typed frozen values.

``ForceOrder`` is the ``o`` object of a ``forceOrder`` event (one liquidation order);
``MarkPriceUpdate`` is one ``markPriceUpdate`` object. Both turn into the exact JSON shapes
Binance sends: decimals as strings, times as integer milliseconds since the epoch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from bot.domain import Liquidation, LiquidationSide, from_epoch_ms

OrderSideName = Literal["BUY", "SELL"]
JsonObject = dict[str, object]

_FUNDING_PERIOD_MS = 8 * 60 * 60 * 1000  # Binance settles funding at 00:00, 08:00, 16:00 UTC
DEFAULT_FUNDING_RATE = Decimal("0.00010000")


def to_decimal(value: float | int | str | Decimal) -> Decimal:
    """Exact decimal for a price or quantity; floats go through their shortest repr."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # repr gives the shortest string that round-trips, so 0.1 stays "0.1".
        return Decimal(repr(value))
    return Decimal(value)


def round_to_step(value: float, step: Decimal) -> Decimal:
    """Round ``value`` to a whole number of ``step`` (a tick or lot size), exactly."""
    return Decimal(round(value / float(step))) * step


def format_decimal(value: Decimal) -> str:
    """Plain decimal notation (never exponent form), trailing zeros kept as given."""
    return format(value, "f")


def dumps(payload: object) -> str:
    """Compact JSON as Binance sends it (no spaces)."""
    return json.dumps(payload, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class ForceOrder:
    """One liquidation order: the fields of a ``forceOrder`` event's ``o`` object.

    ``side`` is the order side: ``SELL`` closes (liquidates) a long, ``BUY`` a short.
    ``price`` is the bankruptcy price ``p``, ``average_price`` the fill price ``ap``.
    """

    symbol: str
    side: OrderSideName
    order_type: str
    time_in_force: str
    quantity: Decimal
    price: Decimal
    average_price: Decimal
    status: str
    last_filled_quantity: Decimal
    filled_quantity: Decimal
    trade_time_ms: int

    def __post_init__(self) -> None:
        if self.side not in ("BUY", "SELL"):
            raise ValueError(f"side must be 'BUY' or 'SELL', got {self.side!r}")

    @classmethod
    def filled(
        cls,
        symbol: str,
        side: OrderSideName,
        price: float | str | Decimal,
        quantity: float | str | Decimal,
        trade_time_ms: int,
        average_price: float | str | Decimal | None = None,
    ) -> ForceOrder:
        """A fully filled LIMIT IOC liquidation order, as Binance reports them all."""
        qty = to_decimal(quantity)
        order_price = to_decimal(price)
        return cls(
            symbol=symbol,
            side=side,
            order_type="LIMIT",
            time_in_force="IOC",
            quantity=qty,
            price=order_price,
            average_price=order_price if average_price is None else to_decimal(average_price),
            status="FILLED",
            last_filled_quantity=qty,
            filled_quantity=qty,
            trade_time_ms=trade_time_ms,
        )

    @property
    def liquidated_side(self) -> LiquidationSide:
        """The position that was liquidated: ``"long"`` for SELL, ``"short"`` for BUY."""
        return "long" if self.side == "SELL" else "short"

    def to_order_object(self) -> JsonObject:
        """The ``o`` object exactly as Binance sends it (numbers as strings)."""
        return {
            "s": self.symbol,
            "S": self.side,
            "o": self.order_type,
            "f": self.time_in_force,
            "q": format_decimal(self.quantity),
            "p": format_decimal(self.price),
            "ap": format_decimal(self.average_price),
            "X": self.status,
            "l": format_decimal(self.last_filled_quantity),
            "z": format_decimal(self.filled_quantity),
            "T": self.trade_time_ms,
        }

    def to_liquidation(self) -> Liquidation:
        """The domain ``Liquidation``: price ``ap`` (``p`` if 0), quantity ``z`` (``q`` if 0)."""
        price = self.average_price if self.average_price > 0 else self.price
        quantity = self.filled_quantity if self.filled_quantity > 0 else self.quantity
        return Liquidation(
            symbol=self.symbol,
            side=self.liquidated_side,
            price=float(price),
            quantity=float(quantity),
            timestamp=from_epoch_ms(self.trade_time_ms),
        )


def force_order_event(order: ForceOrder, event_time_ms: int | None = None) -> JsonObject:
    """The whole ``forceOrder`` event for ``order``; event time defaults to its trade time."""
    event_ms = order.trade_time_ms if event_time_ms is None else event_time_ms
    return {"e": "forceOrder", "E": event_ms, "o": order.to_order_object()}


def force_order_json(order: ForceOrder, event_time_ms: int | None = None) -> str:
    """``force_order_event`` serialised as the compact JSON text of one frame."""
    return dumps(force_order_event(order, event_time_ms))


def next_funding_time_ms(now_ms: int) -> int:
    """The next funding settlement (every 8 h from 00:00 UTC) strictly after ``now_ms``."""
    return (now_ms // _FUNDING_PERIOD_MS + 1) * _FUNDING_PERIOD_MS


@dataclass(frozen=True, slots=True)
class MarkPriceUpdate:
    """One ``markPriceUpdate`` object (``p`` mark, ``i`` index, ``r`` funding rate)."""

    symbol: str
    mark_price: Decimal
    index_price: Decimal
    estimated_settle_price: Decimal
    funding_rate: Decimal
    next_funding_time_ms: int
    event_time_ms: int

    @classmethod
    def at(
        cls,
        symbol: str,
        price: float | str | Decimal,
        event_time_ms: int,
        funding_rate: Decimal = DEFAULT_FUNDING_RATE,
    ) -> MarkPriceUpdate:
        """An update whose index and estimated settle price equal the mark price."""
        mark = to_decimal(price)
        return cls(
            symbol=symbol,
            mark_price=mark,
            index_price=mark,
            estimated_settle_price=mark,
            funding_rate=funding_rate,
            next_funding_time_ms=next_funding_time_ms(event_time_ms),
            event_time_ms=event_time_ms,
        )

    def to_event(self) -> JsonObject:
        """The object exactly as Binance sends it (numbers as strings)."""
        return {
            "e": "markPriceUpdate",
            "E": self.event_time_ms,
            "s": self.symbol,
            "p": format_decimal(self.mark_price),
            "i": format_decimal(self.index_price),
            "P": format_decimal(self.estimated_settle_price),
            "r": format_decimal(self.funding_rate),
            "T": self.next_funding_time_ms,
        }
