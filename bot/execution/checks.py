"""Checks the paper venue runs before it touches its books: times, orders, levels, retries.

Pure functions, so the rules read in one place and need no venue to test.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from bot.domain import ClosedPosition, EntryIntent, Position, PositionSide, SizedOrder
from bot.errors import InvalidOrder


def require_aware(moment: datetime, what: str) -> None:
    """Raise ``ValueError`` unless ``moment`` carries a time zone (``what`` names it)."""
    tz = moment.tzinfo
    # UTC itself first: the paper venue checks every mark of every symbol each second.
    if tz is not UTC and (tz is None or moment.utcoffset() is None):
        raise ValueError(f"{what} must be a timezone-aware UTC datetime, got {moment!r}")


def validate_order(order: SizedOrder, client_order_id: str) -> None:
    """Raise ``InvalidOrder`` for an empty id, a non-positive quantity or leverage below 1."""
    if not client_order_id:
        raise InvalidOrder("client order id must not be empty")
    if not (math.isfinite(order.quantity) and order.quantity > 0):
        raise InvalidOrder(f"quantity must be a positive number, got {order.quantity!r}")
    if not (math.isfinite(order.leverage) and order.leverage >= 1):
        raise InvalidOrder(f"leverage must be a number ≥ 1, got {order.leverage!r}")


def validate_levels(intent: EntryIntent, mark: float) -> None:
    """Refuse a stop or target that the current mark already reaches.

    Binance refuses such a protective order (-2021, "would immediately trigger"), and a
    paper position that closes on the next tick would only add noise to the journal.
    """
    stop, target = intent.stop_price, intent.take_profit_price
    if intent.side is PositionSide.LONG:
        valid = stop < mark < target
        rule = "stop < mark < take profit"
    else:
        valid = target < mark < stop
        rule = "take profit < mark < stop"
    if not (valid and stop > 0 and target > 0):
        raise InvalidOrder(
            f"{intent.symbol} {intent.side.value}: levels must satisfy {rule}; "
            f"got stop {stop:g}, mark {mark:g}, take profit {target:g}"
        )


def replayed_entry(
    previous: Position | ClosedPosition, symbol: str, client_order_id: str
) -> Position:
    """What a retried entry returns: the position its id opened (even if closed since)."""
    position = previous.position if isinstance(previous, ClosedPosition) else previous
    if position.client_order_id != client_order_id or position.symbol != symbol:
        raise InvalidOrder(
            f"client order id {client_order_id!r} was already used for another order"
        )
    return position


def replayed_exit(
    previous: Position | ClosedPosition, symbol: str, client_order_id: str
) -> ClosedPosition:
    """What a retried exit returns: the result its id produced."""
    if (
        not isinstance(previous, ClosedPosition)
        or previous.exit_client_order_id != client_order_id
        or previous.position.symbol != symbol
    ):
        raise InvalidOrder(
            f"client order id {client_order_id!r} was already used for another order"
        )
    return previous
