"""Each injected fault, as a client sees it."""

from __future__ import annotations

import json
import time

import pytest

from bot.sim import Faults, MalformedKind, SimWsServer, corrupt_frame, force_order_json
from bot.sim.events import ForceOrder
from tests.sim.helpers import Connect, assert_silent, read_until_closed, recv_json

URL_PATH = "/ws/btcusdt@forceOrder"


def publish(server: SimWsServer, count: int) -> None:
    for index in range(count):
        server.publish_force_order("BTCUSDT", "SELL", 90_000 + index, 0.1)


def test_close_every_n_messages(server: SimWsServer, faults: Faults, connect: Connect) -> None:
    faults.close_every_messages = 3
    ws = connect(server.ws_url + URL_PATH)

    publish(server, 5)
    texts, code = read_until_closed(ws)

    assert [json.loads(t)["o"]["p"] for t in texts] == ["90000", "90001", "90002"]
    assert code == 1001
    assert server.wait_for_connections(0)
    assert server.stats().fault_closes == 1


def test_close_every_t_seconds(server: SimWsServer, faults: Faults, connect: Connect) -> None:
    faults.close_every_seconds = 0.3
    started = time.monotonic()
    ws = connect(server.ws_url + URL_PATH)

    texts, code = read_until_closed(ws)

    assert 0.25 <= time.monotonic() - started < 1.5
    assert (texts, code) == ([], 1001)


def test_abrupt_close_drops_tcp_without_close_frame(
    server: SimWsServer, faults: Faults, connect: Connect
) -> None:
    faults.close_every_messages = 1
    faults.abrupt_close = True
    ws = connect(server.ws_url + URL_PATH)

    publish(server, 2)
    texts, code = read_until_closed(ws)

    assert len(texts) == 1
    assert code is None


def test_faults_switch_at_run_time(server: SimWsServer, faults: Faults, connect: Connect) -> None:
    ws = connect(server.ws_url + URL_PATH)
    publish(server, 1)
    recv_json(ws)

    faults.close_every_messages = 2  # this connection has had 1 already: one more, then close
    publish(server, 3)

    texts, code = read_until_closed(ws)
    assert (len(texts), code) == (1, 1001)


def test_stall_sends_nothing_but_keeps_the_socket_open(
    server: SimWsServer, faults: Faults, connect: Connect
) -> None:
    ws = connect(server.ws_url + "/ws/btcusdt@forceOrder/btcusdt@markPrice@1s")
    faults.stalled = True

    publish(server, 2)
    server.publish_mark_price("BTCUSDT", 90_000)
    assert_silent(ws)
    assert server.stats().current_connections == 1

    faults.stalled = False
    server.publish_force_order("BTCUSDT", "BUY", 1, 1)
    assert recv_json(ws)["o"]["S"] == "BUY"  # stalled frames were dropped, not queued
    assert server.stats().frames_dropped == 3


def test_delay_per_frame(server: SimWsServer, faults: Faults, connect: Connect) -> None:
    ws = connect(server.ws_url + URL_PATH)
    faults.delay_seconds = 0.2

    started = time.monotonic()
    publish(server, 2)
    recv_json(ws)
    first = time.monotonic() - started
    recv_json(ws)
    second = time.monotonic() - started

    assert 0.18 <= first < 1.0
    assert second >= 0.38  # delays add up frame by frame


def _spoiled_frame(
    server: SimWsServer, faults: Faults, connect: Connect, kind: MalformedKind
) -> str:
    faults.malformed_rate = 1.0
    faults.malformed_kinds = (kind,)
    ws = connect(server.ws_url + URL_PATH)
    publish(server, 1)
    text = ws.recv()
    assert server.stats().malformed_sent == 1
    return str(text)


def test_malformed_bad_json(server: SimWsServer, faults: Faults, connect: Connect) -> None:
    text = _spoiled_frame(server, faults, connect, MalformedKind.BAD_JSON)

    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_malformed_missing_fields(server: SimWsServer, faults: Faults, connect: Connect) -> None:
    event = json.loads(_spoiled_frame(server, faults, connect, MalformedKind.MISSING_FIELDS))

    assert event["e"] == "forceOrder"
    assert "o" not in event


def test_malformed_non_numeric_price(server: SimWsServer, faults: Faults, connect: Connect) -> None:
    event = json.loads(_spoiled_frame(server, faults, connect, MalformedKind.NON_NUMERIC_PRICE))

    with pytest.raises(ValueError, match="could not convert"):
        float(event["o"]["ap"])
    with pytest.raises(ValueError, match="could not convert"):
        float(event["o"]["p"])


def test_malformed_wrong_event_type(server: SimWsServer, faults: Faults, connect: Connect) -> None:
    event = json.loads(_spoiled_frame(server, faults, connect, MalformedKind.WRONG_EVENT_TYPE))

    assert event["e"] not in ("forceOrder", "markPriceUpdate")
    assert event["o"]["s"] == "BTCUSDT"


def test_malformed_rate_is_a_fraction_and_spares_replies(
    server: SimWsServer, faults: Faults, connect: Connect
) -> None:
    faults.malformed_rate = 0.5
    ws = connect(server.ws_url + URL_PATH)
    ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 1}))
    assert recv_json(ws) == {"result": ["btcusdt@forceOrder"], "id": 1}

    publish(server, 200)
    texts = [str(ws.recv()) for _ in range(200)]

    spoiled = server.stats().malformed_sent
    assert 60 <= spoiled <= 140
    valid = sum(1 for t in texts if _is_valid_force_order(t))
    assert valid == 200 - spoiled


def _is_valid_force_order(text: str) -> bool:
    """Whether a raw, combined or array frame holds a usable forceOrder event."""
    try:
        payload = json.loads(text)
        if isinstance(payload, dict) and "data" in payload:
            payload = payload["data"]
        event = payload[0] if isinstance(payload, list) else payload
        float(event["o"]["p"])
        float(event["o"]["ap"])
    except (ValueError, KeyError):
        return False
    return bool(event["e"] == "forceOrder")


@pytest.mark.parametrize("kind", list(MalformedKind))
@pytest.mark.parametrize("shape", ["raw", "combined", "array"])
def test_corrupt_frame_spoils_every_shape(kind: MalformedKind, shape: str) -> None:
    raw = force_order_json(ForceOrder.filled("BTCUSDT", "SELL", 1, 1, 1))
    text = {
        "raw": raw,
        "combined": f'{{"stream":"btcusdt@forceOrder","data":{raw}}}',
        "array": f"[{raw}]",
    }[shape]

    spoiled = corrupt_frame(text, kind)

    assert _is_valid_force_order(text)
    assert not _is_valid_force_order(spoiled)


def test_clear_switches_everything_off() -> None:
    faults = Faults(close_every_messages=1, stalled=True, malformed_rate=1, delay_seconds=1)

    faults.clear()

    assert faults == Faults()
