"""Order requests as ccxt ``binanceusdm`` wants them, and the rules around placing them.

Kept apart from the gateway so the exact ccxt parameters (which decide the endpoint and
Binance's order type) are in one short, testable place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain import OrderSide
from bot.errors import (
    BotError,
    ClockSkew,
    InvalidOrder,
    RateLimited,
    TemporaryExchangeError,
    UnknownOrderOutcome,
)
from bot.exchange.models import StopKind, check_client_order_id


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One ``ccxt.create_order`` call: positional arguments and params."""

    unified_symbol: str
    type: str
    side: OrderSide
    amount: float | None
    price: float | None
    params: dict[str, Any]
    trigger: bool


@dataclass(frozen=True, slots=True)
class LookupPolicy:
    """How to resolve an order request that ended without a clear answer.

    Binance can answer "order does not exist" for a moment after accepting an order, so
    the lookup by client order id is repeated ``attempts`` times, ``delay_seconds`` apart.
    """

    attempts: int = 4
    delay_seconds: float = 0.5

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.delay_seconds < 0:
            raise ValueError("need attempts >= 1 and delay_seconds >= 0")


def market_request(
    unified_symbol: str, side: OrderSide, quantity: float, client_order_id: str, *,
    reduce_only: bool,
) -> OrderRequest:
    """A MARKET order on ``/fapi/v1/order``."""
    params: dict[str, Any] = {"clientOrderId": check_client_order_id(client_order_id)}
    if reduce_only:
        params["reduceOnly"] = True
    return OrderRequest(unified_symbol, "market", side, quantity, None, params, trigger=False)


def limit_request(
    unified_symbol: str, side: OrderSide, quantity: float, price: float, client_order_id: str,
    *, reduce_only: bool, time_in_force: str,
) -> OrderRequest:
    """A LIMIT order on ``/fapi/v1/order`` (``time_in_force`` GTC, IOC, FOK or GTX)."""
    if time_in_force not in ("GTC", "IOC", "FOK", "GTX"):
        raise InvalidOrder(f"time in force must be GTC, IOC, FOK or GTX, got {time_in_force!r}")
    params: dict[str, Any] = {
        "clientOrderId": check_client_order_id(client_order_id),
        "timeInForce": time_in_force,
    }
    if reduce_only:
        params["reduceOnly"] = True
    return OrderRequest(unified_symbol, "limit", side, quantity, price, params, trigger=False)


def stop_request(
    unified_symbol: str, side: OrderSide, trigger_price: float, client_order_id: str, *,
    kind: StopKind, close_position: bool, quantity: float | None,
) -> OrderRequest:
    """A STOP_MARKET or TAKE_PROFIT_MARKET order, triggered by the mark price.

    ccxt sends any order with ``stopLossPrice``/``takeProfitPrice`` to
    ``/fapi/v1/algoOrder`` (``algoType=CONDITIONAL``, ``clientAlgoId``): since 2025-12
    ``/fapi/v1/order`` rejects conditional types (-4120). With ``closePosition`` Binance
    takes no quantity and refuses ``reduceOnly``; otherwise the order is reduce-only.
    """
    if close_position == (quantity is not None):
        raise InvalidOrder("a stop order takes either close_position or a quantity")
    if kind == "stop":
        trigger_key = "stopLossPrice"
    elif kind == "take_profit":
        trigger_key = "takeProfitPrice"
    else:
        raise InvalidOrder(f"stop kind must be 'stop' or 'take_profit', got {kind!r}")
    params: dict[str, Any] = {
        "clientOrderId": check_client_order_id(client_order_id),
        trigger_key: trigger_price,
        # Binance's default is CONTRACT_PRICE (last trade): the mark price is what
        # liquidations and our risk checks use, and it is harder to wick.
        "workingType": "MARK_PRICE",
    }
    if close_position:
        params["closePosition"] = True
    else:
        params["reduceOnly"] = True
    return OrderRequest(unified_symbol, "market", side, quantity, None, params, trigger=True)


def outcome_is_unknown(error: BotError) -> bool:
    """Whether an order request that failed with ``error`` may nevertheless have been placed.

    Network errors, timeouts, 5xx and Binance's -1006/-1007 may hide an accepted order.
    A 429 (-1003) and a timestamp refusal (-1021) are answered before the order reaches
    the matching engine, and permanent errors are definite refusals.
    """
    return isinstance(error, TemporaryExchangeError) and not isinstance(
        error, RateLimited | ClockSkew | UnknownOrderOutcome
    )
