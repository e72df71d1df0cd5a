"""Bybit v5 public linear ``allLiquidation.<SYMBOL>`` as the simulator speaks it.

Subscriptions by ``{"op":"subscribe","args":[topics]}`` (at most 10 a request), replies
``{"success":true,"op":"subscribe",...}``; ``{"op":"ping"}`` gets ``{"op":"pong",...}``.
Each batch of a symbol's liquidations is one frame; ``S`` is the position side (``Buy`` =
a long liquidated). The server closes a socket that sent no ping for the idle limit (20 s).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.sim.events import ForceOrder, dumps
from bot.sim.faults import NON_NUMERIC, WRONG_EVENT, MalformedKind
from bot.sim.venues.dialect import (
    DataFrame,
    Reply,
    Subscriptions,
    fill_price,
    liquidated_side,
    spoil_payload,
)

TOPIC_PREFIX = "allLiquidation."
IDLE_LIMIT_SECONDS = 20.0
_MAX_ARGS = 10


class BybitDialect:
    """The Bybit half of the simulated venues."""

    name = "bybit"
    ws_path = "/v5/public/linear"

    def on_message(self, text: str, subscriptions: Subscriptions) -> Reply:
        """Subscribe, unsubscribe and ping, with Bybit's replies."""
        try:
            message = json.loads(text)
        except ValueError:
            return Reply((dumps({"success": False, "ret_msg": "invalid json", "op": ""}),))
        op = message.get("op") if isinstance(message, dict) else None
        req_id = message.get("req_id", "") if isinstance(message, dict) else ""
        if op == "ping":
            return Reply((dumps({"success": True, "ret_msg": "pong", "conn_id": "sim",
                                 "req_id": req_id, "op": "pong"}),), ping=True)
        args = message.get("args") if isinstance(message, dict) else None
        if op in ("subscribe", "unsubscribe") and isinstance(args, list) and (
                0 < len(args) <= _MAX_ARGS) and all(
                isinstance(a, str) and a.startswith(TOPIC_PREFIX) for a in args):
            names = {a[len(TOPIC_PREFIX):] for a in args}
            if op == "subscribe":
                subscriptions.symbols |= names
            else:
                subscriptions.symbols -= names
            return Reply((dumps({"success": True, "ret_msg": "", "conn_id": "sim",
                                 "req_id": req_id, "op": op}),))
        return Reply((dumps({"success": False, "ret_msg": f"error:handler not found:{op}",
                             "conn_id": "sim", "req_id": req_id, "op": op or ""}),))

    def data_frames(self, orders: Sequence[ForceOrder], subscriptions: Subscriptions,
                    now_ms: int) -> list[DataFrame]:
        """One ``allLiquidation`` frame per subscribed symbol with liquidations."""
        by_symbol: dict[str, list[ForceOrder]] = {}
        for order in orders:
            if subscriptions.wants(order.symbol):
                by_symbol.setdefault(order.symbol, []).append(order)
        return [
            DataFrame({"topic": TOPIC_PREFIX + symbol, "type": "snapshot", "ts": now_ms,
                       "data": [_item(order) for order in batch]}, tuple(batch))
            for symbol, batch in by_symbol.items()
        ]

    def spoil(self, payload: dict[str, object], kind: MalformedKind) -> str:
        """Bad JSON, no data, non-numeric prices, or a topic nobody subscribed to."""
        return spoil_payload(payload, kind, garble_prices=_garble, rename=_rename)

    def http(self, path: str) -> bytes | None:
        """No REST endpoint is simulated for Bybit."""
        return None


def _garble(payload: Any) -> None:
    for item in payload["data"]:
        item["p"] = NON_NUMERIC


def _rename(payload: Any) -> None:
    payload["topic"] = WRONG_EVENT


def _item(order: ForceOrder) -> dict[str, object]:
    # Bybit names the position: a long liquidated is "Buy".
    return {"T": order.trade_time_ms, "s": order.symbol,
            "S": "Buy" if liquidated_side(order) == "long" else "Sell",
            "v": format(order.filled_quantity or order.quantity, "f"), "p": fill_price(order)}
