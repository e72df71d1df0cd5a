"""Control messages a client sends on a market-stream connection, and Binance's replies.

``SUBSCRIBE`` / ``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS`` / ``SET_PROPERTY`` /
``GET_PROPERTY``, with the success replies (``{"result":null,"id":1}``) and the error
replies Binance documents (``{"code":2,"msg":"Invalid request: ..."}``). Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bot.sim.events import dumps
from bot.sim.streams import is_valid_stream_name

_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
_COMBINED = "combined"


class ControlError(Exception):
    """A control message Binance would refuse; ``reply`` is the error reply's text."""

    def __init__(self, code: int, msg: str, request_id: int | None = None) -> None:
        super().__init__(msg)
        payload: dict[str, object] = {"code": code, "msg": msg}
        if request_id is not None:
            payload["id"] = request_id
        self.reply = dumps(payload)


class SubscriptionState:
    """One connection's subscriptions (in subscription order) and its ``combined`` property."""

    def __init__(self, streams: Iterable[str] = (), *, combined: bool = False) -> None:
        """Start with the streams named in the URL; ``combined`` as the path implies."""
        self._streams: dict[str, None] = dict.fromkeys(streams)
        self.combined = combined

    @property
    def streams(self) -> tuple[str, ...]:
        """The subscribed stream names, oldest first."""
        return tuple(self._streams)

    def has(self, stream: str) -> bool:
        """Whether ``stream`` is subscribed."""
        return stream in self._streams

    def subscribe(self, streams: Iterable[str]) -> None:
        """Add streams (a repeat subscription is a no-op, as on Binance)."""
        for name in streams:
            self._streams.setdefault(name, None)

    def unsubscribe(self, streams: Iterable[str]) -> None:
        """Remove streams (unknown names are ignored, as on Binance)."""
        for name in streams:
            self._streams.pop(name, None)


def handle_control(text: str, state: SubscriptionState) -> str:
    """Apply one control message to ``state`` and return the reply frame's text."""
    try:
        request = _decode(text)
        request_id = _request_id(request)
        method = request["method"]
        params = request.get("params", [])
        if not isinstance(params, list):
            raise ControlError(2, "Invalid request: params must be an array")
        result = _dispatch(method, params, request_id, state)
    except ControlError as exc:
        return exc.reply
    return dumps({"result": result, "id": request_id})


def _decode(text: str) -> dict[str, Any]:
    try:
        request = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", 1)
        column = getattr(exc, "colno", 1)
        raise ControlError(
            3, f"Invalid JSON: expected value at line {line} column {column}"
        ) from None
    if not isinstance(request, dict):
        raise ControlError(2, "Invalid request: expected a JSON object")
    method = request.get("method")
    if "method" not in request:
        raise ControlError(2, "Invalid request: missing field `method`")
    if method not in _METHODS:
        expected = ", ".join(f"`{name}`" for name in _METHODS)
        raise ControlError(
            2, f"Invalid request: unknown variant `{method}`, expected one of {expected}"
        )
    return request


def _request_id(request: dict[str, Any]) -> int:
    request_id = request.get("id")
    # bool is an int subclass; Binance wants an unsigned integer.
    if isinstance(request_id, bool) or not isinstance(request_id, int) or request_id < 0:
        raise ControlError(2, "Invalid request: request ID must be an unsigned integer")
    return request_id


def _dispatch(method: str, params: list[Any], request_id: int, state: SubscriptionState) -> object:
    if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
        names = _stream_names(params)
        if method == "SUBSCRIBE":
            state.subscribe(names)
        else:
            state.unsubscribe(names)
        return None
    if method == "LIST_SUBSCRIPTIONS":
        return list(state.streams)
    name = _property_name(params, request_id)
    if method == "GET_PROPERTY":
        return state.combined
    if len(params) != 2:
        raise ControlError(2, "Invalid request: too many parameters")
    value = params[1]
    if not isinstance(value, bool):
        raise ControlError(1, "Invalid value type: expected Boolean")
    if name == _COMBINED:
        state.combined = value
    return None


def _stream_names(params: list[Any]) -> list[str]:
    names: list[str] = []
    for param in params:
        if not isinstance(param, str):
            raise ControlError(2, f"Invalid request: invalid type: {param!r}, expected a string")
        if not is_valid_stream_name(param):
            raise ControlError(2, f"Invalid request: invalid stream name {param!r}")
        names.append(param)
    return names


def _property_name(params: list[Any], request_id: int) -> str:
    if not params or not isinstance(params[0], str):
        raise ControlError(2, "Invalid request: property name must be a string")
    if params[0] != _COMBINED:
        raise ControlError(0, "Unknown property", request_id)
    return _COMBINED
