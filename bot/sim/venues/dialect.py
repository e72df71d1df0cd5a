"""What a simulated venue's WebSocket dialect must say: replies, data frames, spoiling."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.sim.events import ForceOrder, dumps
from bot.sim.faults import MalformedKind


@dataclass
class Subscriptions:
    """What one connection asked for: named symbols, or everything (OKX's one channel)."""

    symbols: set[str] = field(default_factory=set)
    everything: bool = False

    def wants(self, symbol: str) -> bool:
        """Whether a liquidation of ``symbol`` goes to this connection."""
        return self.everything or symbol in self.symbols


@dataclass(frozen=True, slots=True)
class Reply:
    """A dialect's answer to one client message: frames to send back, and whether it pinged."""

    frames: tuple[str, ...] = ()
    ping: bool = False


@dataclass(frozen=True, slots=True)
class DataFrame:
    """One data frame for one connection and the liquidations it carries."""

    payload: dict[str, object]
    orders: tuple[ForceOrder, ...]


class Dialect(Protocol):
    """One venue's public liquidation stream as the simulator speaks it."""

    @property
    def name(self) -> str:
        """The venue's name (``bybit``, ``okx``)."""
        ...

    @property
    def ws_path(self) -> str:
        """The path WebSocket clients connect to."""
        ...

    def on_message(self, text: str, subscriptions: Subscriptions) -> Reply:
        """Handle one client message (subscribe, ping...), updating ``subscriptions``."""
        ...

    def data_frames(self, orders: Sequence[ForceOrder], subscriptions: Subscriptions,
                    now_ms: int) -> list[DataFrame]:
        """The frames carrying ``orders`` to one connection with ``subscriptions``."""
        ...

    def spoil(self, payload: dict[str, object], kind: MalformedKind) -> str:
        """A malformed rendering of ``payload`` of the given kind."""
        ...

    def http(self, path: str) -> bytes | None:
        """The body of a plain HTTP GET of ``path`` (REST endpoints), or None for a 404."""
        ...


def spoil_payload(payload: dict[str, object], kind: MalformedKind, *,
                  garble_prices: Callable[[Any], None], rename: Callable[[Any], None]) -> str:
    """``payload`` spoiled as ``kind``: cut in half, without ``data``, with its prices
    garbled (``garble_prices`` edits the copy), or renamed to another stream (``rename``)."""
    text = dumps(payload)
    if kind is MalformedKind.BAD_JSON:
        return text[: len(text) // 2]
    spoilt = json.loads(text)
    if kind is MalformedKind.MISSING_FIELDS:
        del spoilt["data"]
    elif kind is MalformedKind.NON_NUMERIC_PRICE:
        garble_prices(spoilt)
    else:
        rename(spoilt)
    return dumps(spoilt)


def liquidated_side(order: ForceOrder) -> str:
    """``long`` for a SELL liquidation order (it closes a long), ``short`` for BUY."""
    return "long" if order.side == "SELL" else "short"


def fill_price(order: ForceOrder) -> str:
    """The order's fill price as text (``ap``, or ``p`` when ``ap`` is zero)."""
    price = order.average_price if order.average_price > 0 else order.price
    return format(price, "f")
