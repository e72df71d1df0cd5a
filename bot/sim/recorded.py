"""Reader for recorded Binance forceOrder events (the open-source recorder's CSV format).

One row per event, no header, the ``o`` object's fields in order
(``s,S,o,f,q,p,ap,X,l,z,T``) plus the recorder's own USD size, which is ignored (as is any
further trailing column). The recorder stripped the quote ``USDT`` from symbols (``ETH`` is
``ETHUSDT``) but kept other quotes (``BTCUSDC``); rows come back with Binance's full id.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bot.sim.events import ForceOrder, OrderSideName

_FIELDS = 11
_SIDES: dict[str, OrderSideName] = {"BUY": "BUY", "SELL": "SELL"}
_KEPT_QUOTES = ("USDT", "USDC")


class RecordedRowError(ValueError):
    """A recorder CSV row that cannot be read; the message names the line."""


def restore_symbol(recorded: str) -> str:
    """Binance's id for a recorder symbol: ``ETH`` → ``ETHUSDT``, ``BTCUSDC`` unchanged."""
    name = recorded.strip().upper()
    if not name:
        raise ValueError("empty symbol")
    if any(name.endswith(quote) and len(name) > len(quote) for quote in _KEPT_QUOTES):
        return name
    return name + "USDT"


def parse_recorder_row(fields: list[str]) -> ForceOrder:
    """Turn one CSV row (a list of its fields) into a ``ForceOrder``.

    Raises:
        ValueError: too few fields, an unknown side, or a non-numeric number.
    """
    if len(fields) < _FIELDS:
        raise ValueError(f"expected at least {_FIELDS} fields, got {len(fields)}")
    symbol, side, order_type, tif, qty, price, avg, status, last, filled, trade_ms = fields[:11]
    order_side = _SIDES.get(side)
    if order_side is None:
        raise ValueError(f"side must be BUY or SELL, got {side!r}")
    try:
        return ForceOrder(
            symbol=restore_symbol(symbol),
            side=order_side,
            order_type=order_type,
            time_in_force=tif,
            quantity=Decimal(qty),
            price=Decimal(price),
            average_price=Decimal(avg),
            status=status,
            last_filled_quantity=Decimal(last),
            filled_quantity=Decimal(filled),
            trade_time_ms=int(trade_ms),
        )
    except InvalidOperation:
        raise ValueError(f"non-numeric quantity or price in {fields!r}") from None


def read_recorder_csv(path: str | Path) -> list[ForceOrder]:
    """Read every row of a recorder CSV, in file order, repeats included.

    Raises:
        RecordedRowError: a row is malformed (the message gives the line number).
    """
    orders: list[ForceOrder] = []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for line_number, fields in enumerate(csv.reader(handle), start=1):
            if not fields or all(not field.strip() for field in fields):
                continue
            try:
                orders.append(parse_recorder_row(fields))
            except ValueError as exc:
                raise RecordedRowError(f"{path}:{line_number}: {exc}") from exc
    return orders
