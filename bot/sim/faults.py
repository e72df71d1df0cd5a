"""Fault injection for the simulated market streams: switchable while the server runs.

The server reads its ``Faults`` object before every frame it sends, so a test can flip a
setting (``faults.stalled = True``) and the very next frame obeys it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.sim.events import dumps


class MalformedKind(StrEnum):
    """Ways a data frame can be spoiled."""

    BAD_JSON = "bad_json"
    """The text is cut short: not JSON at all."""
    MISSING_FIELDS = "missing_fields"
    """Valid JSON, but the order object (forceOrder) or price and symbol (markPrice) are gone."""
    NON_NUMERIC_PRICE = "non_numeric_price"
    """Prices are text that is not a number."""
    WRONG_EVENT_TYPE = "wrong_event_type"
    """The ``e`` field names an event type this stream never carries."""


ALL_MALFORMED_KINDS: tuple[MalformedKind, ...] = tuple(MalformedKind)
NON_NUMERIC = "n/a"
WRONG_EVENT = "bogusEvent"


@dataclass
class Faults:
    """Faults the WebSocket server applies to every connection on ``/market`` paths.

    Stalls, delays and closes affect every frame, control replies included; only data
    frames are ever spoiled.

    Attributes:
        close_every_messages: close a connection after it has been sent this many frames.
        close_every_seconds: close a connection once it has been open this long.
        abrupt_close: drop the TCP connection instead of a WebSocket close handshake.
        close_code: the close code for a clean fault close (1001 "going away").
        malformed_rate: fraction (0..1) of data frames replaced by a malformed one.
        malformed_kinds: the kinds to choose from (uniformly) for a malformed frame.
        stalled: keep connections open but send nothing (frames are dropped, not queued).
        delay_seconds: wait this long before sending each frame.
    """

    close_every_messages: int | None = None
    close_every_seconds: float | None = None
    abrupt_close: bool = False
    close_code: int = 1001
    malformed_rate: float = 0.0
    malformed_kinds: tuple[MalformedKind, ...] = field(default=ALL_MALFORMED_KINDS)
    stalled: bool = False
    delay_seconds: float = 0.0

    def clear(self) -> None:
        """Switch every fault off."""
        self.close_every_messages = None
        self.close_every_seconds = None
        self.abrupt_close = False
        self.close_code = 1001
        self.malformed_rate = 0.0
        self.malformed_kinds = ALL_MALFORMED_KINDS
        self.stalled = False
        self.delay_seconds = 0.0


def corrupt_frame(text: str, kind: MalformedKind) -> str:
    """Return a spoiled copy of the data frame ``text`` (raw, combined or array form)."""
    if kind is MalformedKind.BAD_JSON:
        # Cutting an object or array in half always leaves it unterminated.
        return text[: max(1, len(text) // 2)]
    payload: Any = json.loads(text)
    event = _innermost_event(payload)
    if event is not None:
        _spoil(event, kind)
    return dumps(payload)


def _innermost_event(payload: Any) -> dict[str, Any] | None:
    if isinstance(payload, dict) and "stream" in payload and "data" in payload:
        payload = payload["data"]
    if isinstance(payload, list):
        payload = payload[0] if payload else None
    return payload if isinstance(payload, dict) else None


def _spoil(event: dict[str, Any], kind: MalformedKind) -> None:
    order = event.get("o")
    if kind is MalformedKind.MISSING_FIELDS:
        if isinstance(order, dict):
            del event["o"]
        else:
            event.pop("p", None)
            event.pop("s", None)
    elif kind is MalformedKind.NON_NUMERIC_PRICE:
        target = order if isinstance(order, dict) else event
        for key in ("p", "ap"):
            if key in target:
                target[key] = NON_NUMERIC
    elif kind is MalformedKind.WRONG_EVENT_TYPE:
        event["e"] = WRONG_EVENT
