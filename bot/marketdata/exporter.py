"""CSV export of the store: liquidations in the recorder's format, mark prices.

The liquidation export reads back with ``bot data import`` to the same distinct events: the
store keeps the fill price and filled quantity, so both price columns (``p``, ``ap``) carry
the fill price and every quantity column the filled quantity. After the recorder's 12 columns
(the twelfth its USD size) comes a 13th, the venue; files without it are Binance's.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import TextIO

from bot.marketdata.store import HistoryStore

_ORDER_SIDE = {"long": "SELL", "short": "BUY"}


def recorder_symbol(symbol: str) -> str:
    """The recorder's spelling: the ``USDT`` quote removed (``ETHUSDT`` → ``ETH``)."""
    return symbol[:-4] if symbol.endswith("USDT") and len(symbol) > 4 else symbol


def export_liquidations(store: HistoryStore, out: TextIO, *, start_ms: int | None = None,
                        end_ms: int | None = None, symbols: Sequence[str] | None = None) -> int:
    """Write liquidations as recorder CSV rows (no header); returns the row count."""
    writer = csv.writer(out, lineterminator="\n")
    count = 0
    for e in store.iter_liquidations(start_ms, end_ms, symbols):
        qty, price = repr(e.quantity), repr(e.price)
        writer.writerow([recorder_symbol(e.symbol), _ORDER_SIDE[e.side], "LIMIT", "IOC", qty,
                         price, price, "FILLED", qty, qty, e.time_ms, repr(e.price * e.quantity),
                         e.venue])
        count += 1
    return count


def export_mark_prices(store: HistoryStore, out: TextIO, *, start_ms: int | None = None,
                       end_ms: int | None = None, symbols: Sequence[str] | None = None) -> int:
    """Write mark prices as ``symbol,time_ms,price`` with a header; returns the row count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["symbol", "time_ms", "price"])
    count = 0
    for point in store.iter_mark_prices(start_ms, end_ms, symbols):
        writer.writerow([point.symbol, point.time_ms, repr(point.price)])
        count += 1
    return count
