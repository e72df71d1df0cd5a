"""Stream names and URL paths of Binance's USDⓈ-M market streams, as the simulator routes them.

Binance names symbol streams with the lower-case symbol (``btcusdt@forceOrder``); the
all-market streams start with ``!``. Since 2026 the market streams live under ``/market``;
the retired paths without it still accept connections and subscriptions but carry no data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

FORCE_ORDER_ALL = "!forceOrder@arr"
MARK_PRICE_ALL_1S = "!markPrice@arr@1s"
MARK_PRICE_ALL_3S = "!markPrice@arr"

_MARKET_PREFIX = "/market"
_PRIVATE_PREFIX = "/private/ws/"


def force_order_stream(symbol: str) -> str:
    """``btcusdt@forceOrder`` for ``BTCUSDT``."""
    return f"{symbol.lower()}@forceOrder"


def mark_price_stream(symbol: str, interval_seconds: int) -> str:
    """``btcusdt@markPrice@1s`` for a 1 s interval, ``btcusdt@markPrice`` for 3 s."""
    suffix = "@1s" if interval_seconds == 1 else ""
    return f"{symbol.lower()}@markPrice{suffix}"


def mark_price_all_stream(interval_seconds: int) -> str:
    """``!markPrice@arr@1s`` for a 1 s interval, ``!markPrice@arr`` for 3 s."""
    return MARK_PRICE_ALL_1S if interval_seconds == 1 else MARK_PRICE_ALL_3S


def is_valid_stream_name(name: str) -> bool:
    """Whether ``name`` looks like a stream name at all (Binance acks any such name)."""
    return bool(name) and len(name) <= 200 and not any(c.isspace() or c == "/" for c in name)


@dataclass(frozen=True, slots=True)
class Route:
    """Where a WebSocket request landed.

    ``market`` is false on the retired paths (no data is ever sent there); ``combined``
    says whether data frames are wrapped in ``{"stream": ..., "data": ...}``; ``streams``
    are the streams named in the URL, subscribed from the start.
    """

    market: bool
    combined: bool
    streams: tuple[str, ...]


def route_for(path: str) -> Route | None:
    """Route a request path (with its query string), or ``None`` for an unknown path (404).

    Known: ``/private/ws/<listenKey>`` (the user-data stream), ``[/market]/ws``,
    ``[/market]/ws/<s1>/<s2>...`` (raw) and
    ``[/market]/stream?streams=<s1>/<s2>`` (combined).
    """
    parts = urlsplit(path)
    rest = parts.path
    if rest.startswith(_PRIVATE_PREFIX) and len(rest) > len(_PRIVATE_PREFIX):
        # The user-data stream: its one "stream" is the listen key.
        return Route(market=True, combined=False, streams=(rest[len(_PRIVATE_PREFIX):],))
    market = rest == _MARKET_PREFIX or rest.startswith(_MARKET_PREFIX + "/")
    if market:
        rest = rest[len(_MARKET_PREFIX) :]
    if rest in ("/ws", "/ws/"):
        return Route(market=market, combined=False, streams=())
    if rest.startswith("/ws/"):
        names = (unquote(name) for name in rest[len("/ws/") :].split("/"))
        return Route(market=market, combined=False, streams=_unique(names))
    if rest in ("/stream", "/stream/"):
        query = parse_qs(parts.query, keep_blank_values=True)
        # parse_qs has already percent-decoded the values.
        names = (name for value in query.get("streams", []) for name in value.split("/"))
        return Route(market=market, combined=True, streams=_unique(names))
    return None


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    # dict keeps first-seen order: LIST_SUBSCRIPTIONS reports streams in the order given.
    return tuple(dict.fromkeys(name for name in names if name))
