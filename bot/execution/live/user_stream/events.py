"""User-data stream frames parsed once, at the edge, into typed frozen events (Binance's
field names in ``reference/binance-user-data.md``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.symbols import to_exchange_id


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """``ORDER_TRADE_UPDATE``: a regular order changed (``execution`` NEW, TRADE,
    CANCELED, EXPIRED, CALCULATED = liquidation...), with the fill's figures on a TRADE."""

    symbol: str
    client_order_id: str
    execution: str
    status: str
    last_quantity: float
    last_price: float
    commission: float
    realized_pnl: float
    event_ms: int


@dataclass(frozen=True, slots=True)
class AlgoUpdate:
    """``ALGO_UPDATE``: a conditional (protective) order changed status."""

    symbol: str
    client_algo_id: str
    status: str
    event_ms: int


@dataclass(frozen=True, slots=True)
class AccountUpdate:
    """``ACCOUNT_UPDATE``: balances or positions changed; ``positions`` are the changed
    symbols with their signed amounts."""

    reason: str
    positions: tuple[tuple[str, float], ...]
    event_ms: int


@dataclass(frozen=True, slots=True)
class ListenKeyExpired:
    """``listenKeyExpired``: the stream ends; a new key is needed."""

    event_ms: int


UserEvent = OrderUpdate | AlgoUpdate | AccountUpdate | ListenKeyExpired


def parse_user_event(text: str) -> UserEvent | None:
    """One frame as a typed event; ``None`` for a kind the bot does not use.

    Raises:
        ValueError: the frame is not JSON, or a known kind lacks a field it needs.
    """
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError("a user-data frame is a JSON object")
    kind = raw.get("e")
    at = int(raw.get("E", 0))
    try:
        if kind == "ORDER_TRADE_UPDATE":
            return _order(raw["o"], at)
        if kind == "ALGO_UPDATE":
            o = raw["o"]
            return AlgoUpdate(to_exchange_id(str(o["s"])), str(o["caid"]), str(o["X"]), at)
        if kind == "ACCOUNT_UPDATE":
            a = raw["a"]
            positions = tuple((to_exchange_id(str(p["s"])), float(p["pa"]))
                              for p in a.get("P", []))
            return AccountUpdate(str(a.get("m", "")), positions, at)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed {kind} frame: {exc}") from exc
    if kind == "listenKeyExpired":
        return ListenKeyExpired(at)
    return None


def _order(o: dict[str, Any], at: int) -> OrderUpdate:
    return OrderUpdate(
        symbol=to_exchange_id(str(o["s"])), client_order_id=str(o["c"]),
        execution=str(o["x"]), status=str(o["X"]), last_quantity=float(o.get("l", 0)),
        last_price=float(o.get("L", 0)), commission=float(o.get("n", 0)),
        realized_pnl=float(o.get("rp", 0)), event_ms=at,
    )
