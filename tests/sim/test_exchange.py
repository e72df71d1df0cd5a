"""SimExchange end to end: synthetic liquidations and mark prices over real sockets."""

from __future__ import annotations

import json
import random
import time
from decimal import Decimal

import websocket

from bot.domain import to_epoch_ms
from bot.sim import ForceOrder, MarketConfig, SimExchange, utc_now
from tests.sim.helpers import Connect, ManualClock, assert_silent, read_until_closed, recv_json

LIVELY = MarketConfig(volatility_scale=3.0, positions_per_second=30)
QUIET = MarketConfig(volatility_scale=0, jumps_per_hour=0, positions_per_second=0)


def test_describe_names_the_ws_url() -> None:
    with SimExchange(clock=utc_now, rng=random.Random(1)) as exchange:
        described = exchange.describe()

    assert described["ws_url"] == f"ws://127.0.0.1:{exchange.port}/market"
    assert described["ws_url"] == exchange.ws_url
    json.dumps(described)  # printable as the `bot sim` first line


def test_synthetic_liquidations_and_marks_reach_clients(connect: Connect) -> None:
    with SimExchange(
        clock=utc_now, rng=random.Random(2), market=LIVELY, mark_interval_seconds=0.2
    ) as exchange:
        ws = connect(f"{exchange.ws_url}/stream?streams=!forceOrder@arr/btcusdt@markPrice@1s")
        by_stream: dict[str, list[dict[str, object]]] = {}
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and (
            len(by_stream.get("!forceOrder@arr", [])) < 3
            or len(by_stream.get("btcusdt@markPrice@1s", [])) < 2
        ):
            frame = recv_json(ws)
            by_stream.setdefault(frame["stream"], []).append(frame["data"])
        price = exchange.market.price("BTCUSDT")

    liquidations = by_stream["!forceOrder@arr"]
    marks = by_stream["btcusdt@markPrice@1s"]
    assert len(liquidations) >= 3
    assert len(marks) >= 2
    for event in liquidations:
        order = event["o"]
        assert isinstance(order, dict)
        assert event["e"] == "forceOrder"
        assert order["s"] in ("BTCUSDT", "ETHUSDT", "SOLUSDT")
        assert (order["o"], order["f"], order["X"]) == ("LIMIT", "IOC", "FILLED")
        assert all(isinstance(order[k], str) for k in ("q", "p", "ap", "l", "z"))
        assert Decimal(str(order["ap"])) > 0
    for mark in marks:
        assert mark["e"] == "markPriceUpdate"
        assert abs(float(str(mark["p"])) / price - 1) < 0.05
    assert sum(exchange.liquidations_sent().values()) >= 3


def test_synthetic_path_throttles_to_the_latest_per_second(
    connect: Connect, manual_clock: ManualClock
) -> None:
    with SimExchange(clock=manual_clock, rng=random.Random(3), market=QUIET) as exchange:
        ws = connect(f"{exchange.ws_url}/ws/btcusdt@forceOrder")
        now_ms = to_epoch_ms(manual_clock())
        exchange.market.inject(ForceOrder.filled("BTCUSDT", "SELL", 89_000, 1, now_ms))
        exchange.market.inject(ForceOrder.filled("BTCUSDT", "BUY", 91_000, 2, now_ms + 200))
        assert_silent(ws, 0.3)  # held until the 1000 ms window closes

        manual_clock.advance(0.7)
        event = recv_json(ws)
        assert_silent(ws, 0.3)

    assert event["o"]["S"] == "BUY"
    assert event["o"]["p"] == "91000"
    assert event["E"] == now_ms + 700


def test_mark_prices_follow_the_market_state(connect: Connect, manual_clock: ManualClock) -> None:
    with SimExchange(
        clock=manual_clock, rng=random.Random(4), market=QUIET, mark_interval_seconds=0.2
    ) as exchange:
        ws = connect(f"{exchange.ws_url}/ws/!markPrice@arr@1s")
        recv_json(ws)
        manual_clock.advance(1)
        exchange.market.set_price("SOLUSDT", 150.123)

        for _ in range(5):  # a round may have gone out between the two lines above
            marks = {m["s"]: m for m in recv_json(ws)}
            if marks["SOLUSDT"]["p"] != "140.00000000":
                break

    assert set(marks) == {"BTCUSDT", "ETHUSDT", "SOLUSDT"}
    assert marks["SOLUSDT"]["p"] == "150.12000000"
    assert marks["BTCUSDT"]["p"] == "90000.00000000"
    assert marks["BTCUSDT"]["E"] == to_epoch_ms(manual_clock())
    assert marks["BTCUSDT"]["T"] > marks["BTCUSDT"]["E"]


def test_stalled_exchange_sends_no_mark_prices_then_stops_quickly(connect: Connect) -> None:
    exchange = SimExchange(
        clock=utc_now, rng=random.Random(5), market=LIVELY, mark_interval_seconds=0.1
    )
    exchange.start()
    ws = connect(f"{exchange.ws_url}/ws/!markPrice@arr@1s/!forceOrder@arr")
    recv_json(ws)
    exchange.faults.stalled = True
    time.sleep(0.05)  # let a frame already being written go out
    ws.settimeout(0.2)
    try:
        while True:
            ws.recv()  # drain what was queued before the stall
    except websocket.WebSocketTimeoutException:
        pass

    assert_silent(ws, 0.6)  # six mark-price rounds were due
    started = time.monotonic()
    exchange.stop()

    assert time.monotonic() - started < 2.0
    assert read_until_closed(ws)[1] == 1001
    assert exchange.server.running is False
