"""OKX v5 public ``liquidation-orders`` (SWAP) and ``/api/v5/public/instruments``, simulated.

One subscription ``{"op":"subscribe","args":[{"channel":"liquidation-orders","instType":
"SWAP"}]}`` carries every swap; a push holds every instrument with liquidations in the batch,
each with all its ``details`` (``side`` the order side, ``posSide`` the position, ``sz`` in
contracts of ``ctVal``). The text ``ping`` is answered ``pong``; a socket that sent no ping for
the idle limit (30 s) is closed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from bot.sim.events import ForceOrder, dumps
from bot.sim.faults import NON_NUMERIC, WRONG_EVENT, MalformedKind
from bot.sim.venues import dialect
from bot.sim.venues.dialect import DataFrame, Reply, Subscriptions

CHANNEL = "liquidation-orders"
IDLE_LIMIT_SECONDS = 30.0
INSTRUMENTS_PATH = "/api/v5/public/instruments"
_CT_VAL = {"BTCUSDT": Decimal("0.01"), "ETHUSDT": Decimal("0.1")}
_DEFAULT_CT_VAL = Decimal(1)


def contract_value(symbol: str) -> Decimal:
    """The simulated ``ctVal`` of ``symbol`` (0.01 BTC, 0.1 ETH, 1 for the others)."""
    return _CT_VAL.get(symbol, _DEFAULT_CT_VAL)


def inst_id(symbol: str) -> str:
    """``BTCUSDT`` → ``BTC-USDT-SWAP``."""
    return f"{symbol.removesuffix('USDT')}-USDT-SWAP"


class OkxDialect:
    """The OKX half of the simulated venues, over the market's ``symbols``."""

    name = "okx"
    ws_path = "/ws/v5/public"

    def __init__(self, symbols: Iterable[str]) -> None:
        """List ``symbols`` (plus a coin-margined BTC swap) on the instruments endpoint."""
        self._symbols = tuple(symbols)

    def on_message(self, text: str, subscriptions: Subscriptions) -> Reply:
        """``ping`` and the ``liquidation-orders`` subscription, with OKX's replies."""
        if text == "ping":
            return Reply(("pong",), ping=True)
        try:
            message = json.loads(text)
        except ValueError:
            return Reply((_error("60012", f"Invalid request: {text[:40]}"),))
        args = message.get("args") if isinstance(message, dict) else None
        op = message.get("op") if isinstance(message, dict) else None
        if op in ("subscribe", "unsubscribe") and isinstance(args, list) and args and all(
                isinstance(a, dict) and a.get("channel") == CHANNEL for a in args):
            subscriptions.everything = op == "subscribe"
            return Reply(tuple(dumps({"event": op, "arg": a, "connId": "sim"}) for a in args))
        return Reply((_error("60018", f"Wrong URL or channel: {text[:40]}"),))

    def data_frames(self, orders: Sequence[ForceOrder], subscriptions: Subscriptions,
                    now_ms: int) -> list[DataFrame]:
        """One push with every instrument of the batch (and a coin-margined decoy)."""
        if not subscriptions.everything or not orders:
            return []
        by_symbol: dict[str, list[ForceOrder]] = {}
        for order in orders:
            by_symbol.setdefault(order.symbol, []).append(order)
        data: list[object] = [
            {"instId": inst_id(symbol), "instFamily": inst_id(symbol)[:-5], "instType": "SWAP",
             "uly": inst_id(symbol)[:-5], "details": [_detail(order) for order in batch]}
            for symbol, batch in by_symbol.items()
        ]
        # Every push also carries a coin-margined swap, which clients must skip.
        data.append({"instId": "BTC-USD-SWAP", "instFamily": "BTC-USD", "instType": "SWAP",
                     "uly": "BTC-USD", "details": [{"bkLoss": "0", "bkPx": "90000", "ccy": "",
                                                    "posSide": "long", "side": "sell",
                                                    "sz": "3", "ts": str(now_ms)}]})
        arg = {"channel": CHANNEL, "instType": "SWAP"}
        return [DataFrame({"arg": arg, "data": data}, tuple(orders))]

    def spoil(self, payload: dict[str, object], kind: MalformedKind) -> str:
        """Bad JSON, no data, non-numeric prices, or another channel."""
        return dialect.spoil_payload(payload, kind, garble_prices=_garble, rename=_rename)

    def http(self, path: str) -> bytes | None:
        """``GET /api/v5/public/instruments?instType=SWAP``: the listed swaps' ``ctVal``."""
        if not path.startswith(INSTRUMENTS_PATH):
            return None
        rows = [{"instId": inst_id(s), "instType": "SWAP", "ctVal": format(contract_value(s), "f"),
                 "ctValCcy": s.removesuffix("USDT"), "settleCcy": "USDT", "ctType": "linear",
                 "state": "live"} for s in self._symbols]
        rows.append({"instId": "BTC-USD-SWAP", "instType": "SWAP", "ctVal": "100",
                     "ctValCcy": "USD", "settleCcy": "BTC", "ctType": "inverse", "state": "live"})
        return dumps({"code": "0", "msg": "", "data": rows}).encode()


def _garble(payload: Any) -> None:
    for item in payload["data"]:
        for detail in item["details"]:
            detail["bkPx"] = NON_NUMERIC


def _rename(payload: Any) -> None:
    payload["arg"]["channel"] = WRONG_EVENT


def _detail(order: ForceOrder) -> dict[str, object]:
    long = dialect.liquidated_side(order) == "long"
    contracts = (order.filled_quantity or order.quantity) / contract_value(order.symbol)
    return {"bkLoss": "0", "bkPx": dialect.fill_price(order), "ccy": "",
            "posSide": "long" if long else "short", "side": "sell" if long else "buy",
            "sz": format(contracts.normalize(), "f"), "ts": str(order.trade_time_ms)}


def _error(code: str, msg: str) -> str:
    return dumps({"event": "error", "code": code, "msg": msg, "connId": "sim"})
