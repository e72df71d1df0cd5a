"""Stream names, URL paths and control messages, without sockets."""

from __future__ import annotations

import json

import pytest

from bot.sim.control import SubscriptionState, handle_control
from bot.sim.streams import Route, force_order_stream, mark_price_stream, route_for


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/market/ws/btcusdt@forceOrder", Route(True, False, ("btcusdt@forceOrder",))),
        ("/market/ws/!forceOrder@arr", Route(True, False, ("!forceOrder@arr",))),
        (
            "/market/ws/a@forceOrder/b@markPrice@1s",
            Route(True, False, ("a@forceOrder", "b@markPrice@1s")),
        ),
        ("/market/ws", Route(True, False, ())),
        ("/market/ws/", Route(True, False, ())),
        (
            "/market/stream?streams=a@forceOrder/!markPrice@arr@1s",
            Route(True, True, ("a@forceOrder", "!markPrice@arr@1s")),
        ),
        ("/market/stream", Route(True, True, ())),
        ("/market/ws/%21forceOrder%40arr", Route(True, False, ("!forceOrder@arr",))),
        ("/ws/btcusdt@forceOrder", Route(False, False, ("btcusdt@forceOrder",))),
        ("/stream?streams=btcusdt@forceOrder", Route(False, True, ("btcusdt@forceOrder",))),
        ("/ws", Route(False, False, ())),
    ],
)
def test_known_paths(path: str, route: Route) -> None:
    assert route_for(path) == route


@pytest.mark.parametrize("path", ["/", "/market", "/market/", "/foo", "/marketws/x", "/wss/x"])
def test_unknown_paths(path: str) -> None:
    assert route_for(path) is None


def test_stream_names_are_lower_case_symbols() -> None:
    assert force_order_stream("BTCUSDT") == "btcusdt@forceOrder"
    assert mark_price_stream("ETHUSDT", 1) == "ethusdt@markPrice@1s"
    assert mark_price_stream("ETHUSDT", 3) == "ethusdt@markPrice"


def reply(text: str, state: SubscriptionState) -> object:
    return json.loads(handle_control(text, state))


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('{"method":"SUBSCRIBE","params":["x@forceOrder"],"id":1}', {"result": None, "id": 1}),
        ('{"method":"UNSUBSCRIBE","params":["nope"],"id":2}', {"result": None, "id": 2}),
        ('{"method":"LIST_SUBSCRIPTIONS","id":3}', {"result": ["a@forceOrder"], "id": 3}),
        ('{"method":"GET_PROPERTY","params":["combined"],"id":4}', {"result": False, "id": 4}),
        ('{"method":"SET_PROPERTY","params":["combined",true],"id":5}', {"result": None, "id": 5}),
        (
            '{"method":"SET_PROPERTY","params":["combined","yes"],"id":6}',
            {"code": 1, "msg": "Invalid value type: expected Boolean"},
        ),
        (
            '{"method":"GET_PROPERTY","params":["colour"],"id":7}',
            {"code": 0, "msg": "Unknown property", "id": 7},
        ),
        (
            '{"method":"GET_PROPERTY","params":[1],"id":8}',
            {"code": 2, "msg": "Invalid request: property name must be a string"},
        ),
        (
            '{"method":"SUBSCRIBE","params":["a"]}',
            {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"},
        ),
        (
            '{"method":"SUBSCRIBE","params":["a"],"id":-1}',
            {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"},
        ),
        ('{"params":["a"],"id":1}', {"code": 2, "msg": "Invalid request: missing field `method`"}),
        (
            '{"method":"SET_PROPERTY","params":["combined",true,1],"id":9}',
            {"code": 2, "msg": "Invalid request: too many parameters"},
        ),
        ("[1]", {"code": 2, "msg": "Invalid request: expected a JSON object"}),
        ("nope", {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}),
    ],
)
def test_control_replies(message: str, expected: object) -> None:
    state = SubscriptionState(["a@forceOrder"])

    assert reply(message, state) == expected


def test_subscribe_errors_leave_state_unchanged() -> None:
    state = SubscriptionState(["a@forceOrder"])

    answer = reply('{"method":"SUBSCRIBE","params":["b@forceOrder", 5],"id":1}', state)

    assert answer["code"] == 2  # type: ignore[index]
    assert state.streams == ("a@forceOrder",)


def test_subscription_order_and_repeats() -> None:
    state = SubscriptionState()

    handle_control('{"method":"SUBSCRIBE","params":["b","a","b"],"id":1}', state)
    handle_control('{"method":"SUBSCRIBE","params":["a","c"],"id":2}', state)

    assert state.streams == ("b", "a", "c")
