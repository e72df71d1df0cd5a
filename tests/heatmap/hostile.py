"""Hostile frames, shared by the attack tests and the fuzz suite's corpus."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.domain import to_epoch_ms

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOW_MS = to_epoch_ms(NOW)


def force_order(symbol: str = "BTCUSDT", *, side: str = "SELL", price: str = "90000",
                quantity: str = "0.5", time_ms: int = NOW_MS) -> str:
    """One raw ``forceOrder`` frame as Binance sends it."""
    return json.dumps({"e": "forceOrder", "E": time_ms + 3, "o": {
        "s": symbol, "S": side, "o": "LIMIT", "f": "IOC", "q": quantity, "p": price,
        "ap": price, "X": "FILLED", "l": quantity, "z": quantity, "T": time_ms,
    }})


def mark_price(symbol: str = "BTCUSDT", *, price: str = "90000", time_ms: int = NOW_MS) -> str:
    """One raw ``markPriceUpdate`` frame."""
    return json.dumps({"e": "markPriceUpdate", "E": time_ms, "s": symbol, "p": price,
                       "i": price, "P": price, "r": "0.0001", "T": time_ms + 3_600_000})


HOUR_MS = 3_600_000

CORPUS: tuple[str | bytes, ...] = (
    force_order(quantity="1e305"),
    force_order(quantity="1e20"),
    force_order(price="5e-324"),
    force_order(price="1e-320", quantity="1e300"),
    force_order(price="1e308", quantity="1e308"),
    force_order(time_ms=NOW_MS + HOUR_MS),
    mark_price(time_ms=1),
    mark_price(time_ms=NOW_MS + HOUR_MS),
    mark_price(price="5e-324"),
    force_order("BTC\x00USDT"),
    force_order("BTC\nUSDT"),
    force_order("X" * 10_000),
    force_order(""),
    b'{"e":"forceOrder","E":1,"o":{"s":"\xff\xfeUSDT","S":"SELL","ap":"1","z":"1","T":1}}',
    force_order(price="NaN"),
    force_order(price="Infinity"),
    force_order(price="-90000"),
    force_order(quantity="0"),
    force_order(price="1e400"),
    force_order(side="HOLD"),
    '{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"SELL","ap":[],"z":{},"T":"x"}}',
    '{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"SELL","ap":"1","z":"1","T":1e400}}',
    '{"e":"forceOrder","o":null}',
    '{"stream":"x","data":{"stream":"y","data":[]}}',
    "[" * 10_000 + "]" * 10_000,
    '{"e":"markPriceUpdate","E":true,"s":"BTCUSDT","p":"1"}',
    "[" + ",".join([mark_price(f"S{i}USDT") for i in range(50)]) + "]",
    "",
    "null",
    '"just a string"',
    "1e999",
)
"""Frames from the reliability review: oversized, denormal, mis-dated, forged or garbled."""
