"""The one interface every liquidation venue implements (URL, subscribe, heartbeat, parse)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import orjson

from bot.heatmap.parse import MalformedEvent, ParsedFrame, Row
from bot.heatmap.stream import Heartbeat, MarketStream, ReconnectPolicy


class VenueSource(Protocol):
    """What the heatmap needs from one venue's public liquidation stream.

    ``symbols`` arguments are Binance-style ids (``BTCUSDT``); an empty sequence means every
    symbol the venue offers.
    """

    @property
    def name(self) -> str:
        """The venue's name, one of ``bot.domain.VENUES``."""
        ...

    def url(self, symbols: Sequence[str]) -> str:
        """The WebSocket URL to connect to for ``symbols``."""
        ...

    def subscribe_frames(self, symbols: Sequence[str]) -> list[str]:
        """Frames to send after each connection opens (empty: the URL subscribes)."""
        ...

    def heartbeat(self, silence_timeout: float) -> Heartbeat | None:
        """The keep-alive the venue needs, frequent enough to answer within ``silence_timeout``.

        A venue whose server pings by itself (Binance) returns None.
        """
        ...

    def prepare(self) -> None:
        """Fetch what parsing needs (OKX contract sizes); called before every connection."""
        ...

    def parse(self, raw: str | bytes) -> ParsedFrame:
        """Parse one frame into ``Liquidation``s (and mark prices); never raises."""
        ...


def decode_object(raw: str | bytes) -> dict[str, Any] | ParsedFrame:
    """The frame's JSON object, or the error ``ParsedFrame`` of a frame that is none."""
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return ParsedFrame(errors=1, error_detail=f"bad JSON: {exc}")
    if not isinstance(payload, dict):
        return ParsedFrame(errors=1, error_detail=f"unexpected JSON {type(payload).__name__}")
    return payload


def parse_items(items: Iterable[Any], parse_one: Callable[[Any], Iterable[Row]],
                venue: str) -> ParsedFrame:
    """The liquidations of every item of a push; a malformed item is counted, the rest kept."""
    rows: list[Row] = []
    errors, detail = 0, ""
    extend = rows.extend
    for item in items:
        try:
            extend(parse_one(item))
        except MalformedEvent as exc:
            errors, detail = errors + 1, str(exc)
    return ParsedFrame(rows, (), errors, False, detail, venue)


def keepalive_interval(venue_limit: float, silence_timeout: float) -> float:
    """Seconds between heartbeats: within the venue's idle limit and half the silence timeout.

    The reply (a pong) is a frame, so on a quiet market it is what tells a live socket from a
    dead one: it must come more often than the silence watchdog gives up.
    """
    return max(0.1, min(venue_limit, silence_timeout / 2.0))


def venue_stream(source: VenueSource, symbols: Sequence[str], *,
                 on_frame: Callable[[str], None], on_state: Callable[[bool], None],
                 policy: ReconnectPolicy, rng: random.Random) -> MarketStream:
    """The self-healing connection of one venue (not started): its URL, subscriptions,
    heartbeat and preparation, its own thread named after the venue."""
    wanted = list(symbols)
    return MarketStream(
        source.url(wanted), on_frame, policy=policy, rng=rng, on_state=on_state,
        subscribe=lambda: source.subscribe_frames(wanted),
        heartbeat=source.heartbeat(policy.silence_timeout),
        before_connect=source.prepare, name=f"{source.name}-stream",
    )
