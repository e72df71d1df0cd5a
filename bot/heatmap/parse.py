"""Parsing at the edge: one raw Binance market-stream frame in, typed frozen objects out.

Handles the three shapes the heatmap's connection can carry:

* a raw event, as sent on ``/market/ws/<stream>`` and ``!forceOrder@arr``;
* a combined-stream envelope ``{"stream": ..., "data": ...}`` from ``/market/stream``;
* a JSON array of events (the ``!markPrice@arr@1s`` stream).

Nothing here raises on bad input: malformed frames come back with ``errors`` counted, and
control replies (``{"result": ..., "id": ...}``) come back flagged so callers can count them
apart from data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import orjson

from bot.domain import MAX_EPOCH_MS, Liquidation, MarkPrice, from_epoch_ms
from bot.heatmap.sanity import SYMBOL_PATTERN

# Binance's order side names the liquidation order, which closes the opposite position:
# a SELL closes (liquidates) a long, a BUY closes a short. True = a long liquidated.
_LONG_BY_ORDER_SIDE: dict[str, bool] = {"SELL": True, "BUY": False}

Row = tuple[str, bool, float, float, int]
"""One parsed liquidation as the hot path carries it: (symbol, is_long, price, quantity,
trade time in ms). Plain tuples: a ``Liquidation`` with its datetime costs more to build than
parsing the JSON, and the store keeps numbers, not objects."""


class ParsedFrame(NamedTuple):
    """What one frame held: liquidations, mark prices, and how much of it was unusable."""

    # A NamedTuple, not a dataclass: it is built once per frame on the hot path and a
    # tuple is three times cheaper to construct; it is just as immutable.

    rows: Sequence[Row] = ()
    """The liquidations as ``Row`` tuples (what the live heatmap stores)."""
    mark_prices: tuple[MarkPrice, ...] = ()
    errors: int = 0
    control: bool = False
    error_detail: str = ""
    venue: str = "binance"

    @property
    def liquidations(self) -> tuple[Liquidation, ...]:
        """The rows as ``Liquidation`` objects of ``venue`` (built on each call)."""
        venue = self.venue
        return tuple(
            Liquidation(symbol, "long" if is_long else "short", price, quantity,
                        from_epoch_ms(time_ms), venue)
            for symbol, is_long, price, quantity, time_ms in self.rows
        )


_EMPTY_CONTROL = ParsedFrame(control=True)
_INFINITY = float("inf")


class _Malformed(ValueError):
    """Internal: an event that cannot be turned into a typed object."""


def parse_frame(raw: str | bytes) -> ParsedFrame:
    """Parse one WebSocket text frame from Binance's USDⓈ-M market streams.

    Args:
        raw: the frame's text (bytes are decoded as UTF-8).

    Returns:
        A ``ParsedFrame``; ``errors`` is 1 for a frame that was malformed as a whole, or the
        number of unusable elements of an array frame.
    """
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:  # also raised for invalid UTF-8
        return ParsedFrame(errors=1, error_detail=f"bad JSON: {exc}")
    if isinstance(payload, dict) and "stream" in payload and "data" in payload:
        payload = payload["data"]
    if isinstance(payload, dict):
        if "id" in payload and ("result" in payload or "code" in payload):
            return _EMPTY_CONTROL
        try:
            if payload.get("e") == "forceOrder":  # the frame Binance sends most: one call less
                return ParsedFrame((force_order_row(payload),), (), 0, False, "")
            return _parse_event(payload)
        except _Malformed as exc:
            return ParsedFrame((), (), 1, False, str(exc))
    if isinstance(payload, list):
        return _parse_array(payload)
    return ParsedFrame((), (), 1, False, f"unexpected JSON {type(payload).__name__}")


def _parse_array(items: list[Any]) -> ParsedFrame:
    liquidations: list[Row] = []
    marks: list[MarkPrice] = []
    errors = 0
    detail = ""
    for item in items:
        if not isinstance(item, dict):
            errors += 1
            continue
        try:
            parsed = _parse_event(item)
        except _Malformed as exc:
            errors += 1
            detail = str(exc)
            continue
        liquidations.extend(parsed.rows)
        marks.extend(parsed.mark_prices)
    if not items:
        errors = 1
        detail = "empty array"
    return ParsedFrame(tuple(liquidations), tuple(marks), errors, error_detail=detail)


def _parse_event(event: dict[str, Any]) -> ParsedFrame:
    kind = event.get("e")
    # Positional construction: this runs once per frame.
    if kind == "forceOrder":
        return ParsedFrame((force_order_row(event),), (), 0, False, "")
    if kind == "markPriceUpdate":
        return ParsedFrame((), (_parse_mark_price(event),), 0, False, "")
    raise _Malformed(f"unexpected event type {kind!r}")


def parse_force_order(event: dict[str, Any]) -> Liquidation:
    """Turn one ``forceOrder`` event (the whole event, with its ``o`` object) into a Liquidation.

    Price is the average fill price ``ap`` (``p`` when ``ap`` is zero), quantity the filled
    accumulated quantity ``z`` (``q`` when ``z`` is zero), time the trade time ``T``.

    Raises:
        ValueError: the event lacks a field or holds a non-numeric or non-positive value.
    """
    symbol, is_long, price, quantity, trade_ms = force_order_row(event)
    # Positional: keyword construction costs a third more.
    return Liquidation(symbol, "long" if is_long else "short", price, quantity,
                       from_epoch_ms(trade_ms))


def force_order_row(event: dict[str, Any]) -> Row:
    """``parse_force_order`` as a ``Row`` (the per-frame path: no objects built).

    Raises:
        ValueError: as ``parse_force_order``.
    """
    order = event.get("o")
    if not isinstance(order, dict):
        raise _Malformed("forceOrder without an 'o' object")
    symbol = _symbol(order.get("s"), "forceOrder")
    is_long = _LONG_BY_ORDER_SIDE.get(order.get("S"))  # type: ignore[arg-type]
    if is_long is None:
        raise _Malformed(f"forceOrder side {order.get('S')!r} is neither BUY nor SELL")
    price = _fast_positive(order.get("ap")) or _preferred(order, "ap", "p")
    quantity = _fast_positive(order.get("z")) or _preferred(order, "z", "q")
    return (symbol, is_long, price, quantity, _epoch_ms(order, "T"))


def _fast_positive(value: object) -> float:
    """The common case in one step: a decimal string holding a finite positive number.

    Anything else returns 0.0 and the caller takes the careful path, which explains errors.
    """
    if type(value) is str:
        try:
            number = float(value)
        except ValueError:
            return 0.0
        if 0.0 < number < _INFINITY:
            return number
    return 0.0


def _parse_mark_price(event: dict[str, Any]) -> MarkPrice:
    symbol = _symbol(event.get("s"), "markPriceUpdate")
    return MarkPrice(
        symbol=symbol,
        price=_number(event, "p"),
        timestamp=from_epoch_ms(_epoch_ms(event, "E")),
    )


_KNOWN_SYMBOLS: dict[str, str] = {}
_MAX_KNOWN_SYMBOLS = 4_096  # bounded: made-up names must not grow it without end


def _symbol(value: object, kind: str) -> str:
    # Symbols repeat from frame to frame: a dict hit replaces the regex and upper().
    if type(value) is str:
        known = _KNOWN_SYMBOLS.get(value)
        if known is not None:
            return known
    # NUL, newlines, spaces or a thousand characters are no symbol: refused here, before they
    # reach a buffer name, a log line or the journal.
    if not isinstance(value, str) or not SYMBOL_PATTERN.fullmatch(value):
        raise _Malformed(f"{kind} without a valid symbol: {value!r:.60}")
    symbol = value.upper()
    if len(_KNOWN_SYMBOLS) < _MAX_KNOWN_SYMBOLS:
        _KNOWN_SYMBOLS[value] = symbol
    return symbol


def _preferred(obj: dict[str, Any], key: str, fallback: str) -> float:
    # A missing or zero preferred field (average price, filled quantity) falls back to the
    # order's own field; a present but garbled one is an error, never silently replaced.
    if key in obj:
        value = _number(obj, key, allow_zero=True)
        if value > 0:
            return value
    return _number(obj, fallback)


def _number(obj: dict[str, Any], key: str, *, allow_zero: bool = False) -> float:
    value = obj.get(key)
    # Binance sends decimals as strings; exact type checks keep bool (an int) out.
    kind = type(value)
    if kind is not str and kind is not float and kind is not int:
        raise _Malformed(f"field {key!r} missing or not a number: {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except ValueError:
        raise _Malformed(f"field {key!r} is not numeric: {value!r}") from None
    # The chained comparison is False for NaN, negatives, zero and infinity alike.
    if not 0.0 < number < _INFINITY and not (allow_zero and number == 0.0):
        raise _Malformed(f"field {key!r} out of range: {value!r}")
    return number


def _epoch_ms(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key)
    if type(value) is int and 0 < value < MAX_EPOCH_MS:  # the common case, bool excluded
        return value
    if isinstance(value, bool):
        raise _Malformed(f"field {key!r} is not a timestamp: {value!r}")
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if type(value) is not int or not 0 < value < MAX_EPOCH_MS:
        raise _Malformed(f"field {key!r} is not a timestamp in ms: {value!r}")
    return value


# The field readers every venue's parser shares (bot.heatmap.sources): one set of rules for
# what a number, a timestamp and a symbol are.
MalformedEvent = _Malformed
fast_positive = _fast_positive
number_field = _number
epoch_ms_field = _epoch_ms
symbol_field = _symbol
