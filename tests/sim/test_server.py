"""The market-stream server over real sockets, with websocket-client as the client."""

from __future__ import annotations

import json
import random
import time

import pytest
import websocket

from bot.sim import MarkPriceUpdate, SimWsServer, utc_now
from tests.sim.helpers import Connect, assert_silent, read_until_closed, recv_json, request

T_MS = 1_770_000_000_123


def test_raw_single_stream_gets_bare_force_order(server: SimWsServer, connect: Connect) -> None:
    ws = connect(f"{server.ws_url}/ws/btcusdt@forceOrder")

    queued = server.publish_force_order("BTCUSDT", "SELL", 90_000.5, 0.014, trade_time_ms=T_MS)

    assert queued == 1
    event = recv_json(ws)
    assert event["e"] == "forceOrder"
    assert isinstance(event["E"], int)
    assert event["o"] == {
        "s": "BTCUSDT",
        "S": "SELL",
        "o": "LIMIT",
        "f": "IOC",
        "q": "0.014",
        "p": "90000.5",
        "ap": "90000.5",
        "X": "FILLED",
        "l": "0.014",
        "z": "0.014",
        "T": T_MS,
    }


def test_raw_multi_stream_path_carries_each_stream(server: SimWsServer, connect: Connect) -> None:
    ws = connect(f"{server.ws_url}/ws/btcusdt@forceOrder/ethusdt@markPrice@1s")

    server.publish_force_order("ETHUSDT", "BUY", 3000, 1)  # not subscribed: not delivered
    server.publish_force_order("BTCUSDT", "BUY", 91_000, 0.5)
    server.publish_mark_price("ETHUSDT", "3001.25")

    first, second = recv_json(ws), recv_json(ws)
    assert (first["e"], first["o"]["s"], first["o"]["S"]) == ("forceOrder", "BTCUSDT", "BUY")
    assert (second["e"], second["s"], second["p"]) == ("markPriceUpdate", "ETHUSDT", "3001.25")
    assert_silent(ws)


def test_combined_path_wraps_events_in_envelope(server: SimWsServer, connect: Connect) -> None:
    ws = connect(f"{server.ws_url}/stream?streams=btcusdt@forceOrder/ethusdt@forceOrder")

    server.publish_force_order("ETHUSDT", "SELL", 2999.5, 2)

    frame = recv_json(ws)
    assert set(frame) == {"stream", "data"}
    assert frame["stream"] == "ethusdt@forceOrder"
    assert frame["data"]["e"] == "forceOrder"
    assert frame["data"]["o"]["s"] == "ETHUSDT"


def test_all_market_force_order_stream_gets_every_symbol(
    server: SimWsServer, connect: Connect
) -> None:
    ws = connect(f"{server.ws_url}/ws/!forceOrder@arr")

    for symbol in ("BTCUSDT", "1000PEPEUSDT", "SOL/USDT:USDT"):
        server.publish_force_order(symbol, "SELL", 1.5, 10)

    # One object per message on this stream, despite its name.
    symbols = [recv_json(ws)["o"]["s"] for _ in range(3)]
    assert symbols == ["BTCUSDT", "1000PEPEUSDT", "SOLUSDT"]


def test_mark_price_payload_shapes(server: SimWsServer, connect: Connect) -> None:
    single = connect(f"{server.ws_url}/ws/btcusdt@markPrice@1s")
    array = connect(f"{server.ws_url}/ws/!markPrice@arr@1s")

    server.publish_mark_price("BTCUSDT", "90123.4", event_time_ms=T_MS)

    expected = {
        "e": "markPriceUpdate",
        "E": T_MS,
        "s": "BTCUSDT",
        "p": "90123.4",
        "i": "90123.4",
        "P": "90123.4",
        "r": "0.00010000",
        "T": 1_770_019_200_000,  # the next 8-hourly funding time
    }
    assert recv_json(single) == expected
    assert recv_json(array) == [expected]


def test_three_second_mark_streams_are_separate(server: SimWsServer, connect: Connect) -> None:
    ws = connect(f"{server.ws_url}/stream?streams=btcusdt@markPrice/!markPrice@arr")

    server.publish_mark_prices([MarkPriceUpdate.at("BTCUSDT", "1", T_MS)], 1)
    server.publish_mark_prices([MarkPriceUpdate.at("BTCUSDT", "2", T_MS)], 3)

    frames = [recv_json(ws), recv_json(ws)]
    assert [f["stream"] for f in frames] == ["btcusdt@markPrice", "!markPrice@arr"]
    assert frames[0]["data"]["p"] == "2"
    assert frames[1]["data"][0]["p"] == "2"
    assert_silent(ws)


def test_subscribe_unsubscribe_and_list(server: SimWsServer, connect: Connect) -> None:
    ws = connect(f"{server.ws_url}/ws")

    assert request(ws, {"method": "SUBSCRIBE", "params": ["btcusdt@forceOrder"], "id": 1}) == {
        "result": None,
        "id": 1,
    }
    more = ["ethusdt@forceOrder", "!markPrice@arr@1s"]
    assert request(ws, {"method": "SUBSCRIBE", "params": more, "id": 2})["result"] is None
    listed = request(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 3})
    assert listed == {"result": ["btcusdt@forceOrder", *more], "id": 3}

    reply = request(ws, {"method": "UNSUBSCRIBE", "params": ["btcusdt@forceOrder"], "id": 4})
    assert reply == {"result": None, "id": 4}
    assert request(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 5})["result"] == more

    server.publish_force_order("BTCUSDT", "SELL", 1, 1)
    server.publish_force_order("ETHUSDT", "SELL", 2, 1)
    assert recv_json(ws)["o"]["s"] == "ETHUSDT"


def test_properties_and_errors(server: SimWsServer, connect: Connect) -> None:
    ws = connect(f"{server.ws_url}/ws/btcusdt@forceOrder")

    assert request(ws, {"method": "GET_PROPERTY", "params": ["combined"], "id": 1}) == {
        "result": False,
        "id": 1,
    }
    reply = request(ws, {"method": "SET_PROPERTY", "params": ["combined", True], "id": 2})
    assert reply == {"result": None, "id": 2}
    assert request(ws, {"method": "GET_PROPERTY", "params": ["combined"], "id": 3})["result"]
    server.publish_force_order("BTCUSDT", "SELL", 1, 1)
    assert recv_json(ws)["stream"] == "btcusdt@forceOrder"  # combined now

    bad_method = request(ws, {"method": "SUBSCRIBEX", "params": [], "id": 4})
    assert bad_method["code"] == 2
    assert bad_method["msg"].startswith("Invalid request: unknown variant `SUBSCRIBEX`")
    bad_id = request(ws, {"method": "SUBSCRIBE", "params": ["a@b"], "id": "x"})
    assert bad_id == {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"}
    ws.send("{not json")
    assert recv_json(ws)["code"] == 3


def test_retired_paths_ack_but_carry_no_data(server: SimWsServer, connect: Connect) -> None:
    raw = connect(f"{server.base_url}/ws/btcusdt@forceOrder")
    combined = connect(f"{server.base_url}/stream?streams=btcusdt@forceOrder/!markPrice@arr@1s")

    ack = request(raw, {"method": "SUBSCRIBE", "params": ["!forceOrder@arr"], "id": 9})
    assert ack == {"result": None, "id": 9}
    listed = request(combined, {"method": "LIST_SUBSCRIPTIONS", "id": 1})["result"]
    assert listed == ["btcusdt@forceOrder", "!markPrice@arr@1s"]

    assert server.publish_force_order("BTCUSDT", "SELL", 1, 1) == 0
    assert server.publish_mark_price("BTCUSDT", 1) == 0
    assert server.publish_raw('{"anything": 1}') == 0
    assert_silent(raw)
    assert_silent(combined, 0.05)


@pytest.mark.parametrize("path", ["/foo", "/market", "/market/foo", "/api/v3/ws", "/"])
def test_unknown_paths_are_rejected_with_404(server: SimWsServer, path: str) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as caught:
        websocket.create_connection(server.base_url + path, timeout=2)

    assert caught.value.status_code == 404


def test_publish_raw_reaches_every_market_connection(server: SimWsServer, connect: Connect) -> None:
    subscribed = connect(f"{server.ws_url}/ws/btcusdt@forceOrder")
    bare = connect(f"{server.ws_url}/ws")

    assert server.publish_raw("{oops") == 2

    assert subscribed.recv() == "{oops"
    assert bare.recv() == "{oops"


def test_observability(server: SimWsServer, connect: Connect) -> None:
    ws = connect(f"{server.ws_url}/stream?streams=btcusdt@forceOrder")
    connect(f"{server.base_url}/ws")
    request(ws, {"method": "SUBSCRIBE", "params": ["ethusdt@forceOrder"], "id": 1})
    server.publish_force_order("BTCUSDT", "SELL", 1, 1)
    recv_json(ws)

    stats = server.stats()
    infos = server.connections()

    assert (stats.current_connections, stats.total_connections) == (2, 2)
    assert stats.control_messages == 1
    assert stats.messages_sent == 2  # one reply, one event
    assert stats.data_frames_sent == 1
    assert [i.market for i in infos] == [True, False]
    assert infos[0].subscriptions == ("btcusdt@forceOrder", "ethusdt@forceOrder")
    assert infos[0].combined is True
    assert infos[0].messages_sent == 2
    assert infos[0].opened_at.tzinfo is not None


def test_total_connections_counts_reconnects(server: SimWsServer, connect: Connect) -> None:
    for _ in range(3):
        connect(f"{server.ws_url}/ws").close()

    assert server.wait_for_connections(0)
    assert server.stats().total_connections == 3


def test_too_many_incoming_messages_disconnect(server: SimWsServer, connect: Connect) -> None:
    ws = connect(f"{server.ws_url}/ws")

    for request_id in range(12):
        ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": request_id}))

    replies, close_code = read_until_closed(ws)
    assert len(replies) == 10  # Binance: at most 10 incoming messages per second
    assert close_code == 1008


def test_stop_with_clients_connected_is_quick() -> None:
    server = SimWsServer(clock=utc_now, rng=random.Random(1))
    server.start()
    clients = [
        websocket.create_connection(f"{server.ws_url}/ws/!forceOrder@arr", timeout=3)
        for _ in range(3)
    ]
    server.faults.stalled = True  # even a stalled server stops promptly

    started = time.monotonic()
    server.stop()
    elapsed = time.monotonic() - started

    assert elapsed < 2.0
    assert not server.running
    for ws in clients:
        assert read_until_closed(ws) == ([], 1001)  # "going away"
        ws.close()


def test_port_zero_picks_a_free_port_and_urls_match(server: SimWsServer) -> None:
    assert server.port > 0
    assert server.ws_url == f"ws://127.0.0.1:{server.port}/market"


def test_start_on_a_busy_port_fails_clearly(server: SimWsServer) -> None:
    second = SimWsServer(clock=utc_now, rng=random.Random(2), port=server.port)

    with pytest.raises(RuntimeError, match="failed to start"):
        second.start()
    assert not second.running


def test_publishing_needs_a_running_server() -> None:
    server = SimWsServer(clock=utc_now, rng=random.Random(3))

    with pytest.raises(RuntimeError, match="not running"):
        server.publish_raw("x")
    server.start()
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(RuntimeError, match="not running"):
        server.publish_raw("x")
