"""Bybit v5 public linear ``allLiquidation.<SYMBOL>`` as a ``VenueSource``.

Bybit pushes every liquidation, batched every 500 ms, one topic per symbol (no wildcard, at
most 10 topics a subscribe request). ``S`` is the side of the **position** liquidated:
``Buy`` is a long liquidated (the opposite of Binance's order side). ``v`` is in the base
coin, ``p`` the bankruptcy price, ``T`` the time in ms. The server drops a connection that
sends no ``{"op":"ping"}`` for 20 s.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import orjson

from bot.heatmap.parse import (
    MalformedEvent,
    ParsedFrame,
    Row,
    epoch_ms_field,
    fast_positive,
    number_field,
    symbol_field,
)
from bot.heatmap.sources.base import decode_object, keepalive_interval, parse_items
from bot.heatmap.stream import Heartbeat

log = logging.getLogger(__name__)

DEFAULT_BYBIT_WS_URL = "wss://stream.bybit.com/v5/public/linear"
TOPIC_PREFIX = "allLiquidation."
IDLE_LIMIT_SECONDS = 20.0
"""Bybit closes a socket whose client sent no ping for this long."""
_HEARTBEAT_EVERY = 15.0  # comfortably inside the 20 s limit
_ARGS_PER_REQUEST = 10
_PING = '{"op":"ping"}'

# Bybit's S names the position: Buy = a long position was liquidated (True = long).
_LONG_BY_POSITION_SIDE: dict[str, bool] = {"Buy": True, "Sell": False}
_CONTROL = ParsedFrame(control=True)


class BybitSource:
    """Bybit's ``allLiquidation`` topics of the wanted symbols."""

    name = "bybit"

    def __init__(self, ws_url: str = DEFAULT_BYBIT_WS_URL) -> None:
        """Use ``ws_url`` (Bybit's public linear endpoint or a simulator's)."""
        self._url = ws_url

    def url(self, symbols: Sequence[str]) -> str:
        """The one public linear endpoint: topics are subscribed by message."""
        return self._url

    def subscribe_frames(self, symbols: Sequence[str]) -> list[str]:
        """One subscribe request per 10 topics (Bybit's limit per request)."""
        if not symbols:
            log.warning("bybit has no all-market liquidation topic: name the symbols to follow")
        topics = [TOPIC_PREFIX + s for s in dict.fromkeys(symbols)]
        return [
            orjson.dumps({"op": "subscribe", "req_id": str(n),
                          "args": topics[i:i + _ARGS_PER_REQUEST]}).decode()
            for n, i in enumerate(range(0, len(topics), _ARGS_PER_REQUEST), start=1)
        ]

    def heartbeat(self, silence_timeout: float) -> Heartbeat | None:
        """``{"op":"ping"}``, inside Bybit's 20 s limit and the silence watchdog's."""
        return Heartbeat(_PING, keepalive_interval(_HEARTBEAT_EVERY, silence_timeout))

    def prepare(self) -> None:
        """Nothing to fetch."""

    def parse(self, raw: str | bytes) -> ParsedFrame:
        """``parse_bybit_frame``."""
        return parse_bybit_frame(raw)


def parse_bybit_frame(raw: str | bytes) -> ParsedFrame:
    """Parse one Bybit public frame: an ``allLiquidation`` push, or a control reply.

    Control replies (subscribe, pong) come back flagged ``control``; a refused subscription
    counts as an error. Items of a push that are malformed are counted; the others kept.
    Symbols that are not USDT-margined (``BTCPERP``, ``BTC-26DEC25``...) are skipped.
    """
    payload = decode_object(raw)
    if isinstance(payload, ParsedFrame):
        return payload
    topic = payload.get("topic")
    if topic is None and "op" in payload:
        if payload.get("success") is False:
            return ParsedFrame(errors=1, error_detail=f"bybit refused: {payload.get('ret_msg')!r}")
        return _CONTROL
    if not isinstance(topic, str) or not topic.startswith(TOPIC_PREFIX):
        return ParsedFrame(errors=1, error_detail=f"unexpected bybit topic {topic!r:.60}")
    items = payload.get("data")
    if not isinstance(items, list) or not items:
        return ParsedFrame(errors=1, error_detail="allLiquidation without data")
    return parse_items(items, _liquidation, "bybit")


def _liquidation(item: Any) -> tuple[Row, ...]:
    if not isinstance(item, dict):
        raise MalformedEvent("allLiquidation item is not an object")
    symbol = symbol_field(item.get("s"), "allLiquidation")
    if not symbol.endswith("USDT"):
        return ()  # USDC perpetuals and dated futures: not USDT-margined linear perpetuals
    is_long = _LONG_BY_POSITION_SIDE.get(item.get("S"))  # type: ignore[arg-type]
    if is_long is None:
        raise MalformedEvent(f"allLiquidation side {item.get('S')!r} is neither Buy nor Sell")
    price = fast_positive(item.get("p")) or number_field(item, "p")
    quantity = fast_positive(item.get("v")) or number_field(item, "v")
    return ((symbol, is_long, price, quantity, epoch_ms_field(item, "T")),)
