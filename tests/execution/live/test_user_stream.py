"""The user-data stream drives the live venue's view within moments (issue 11)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator

import pytest

from bot.app.live import LiveJournal, ws_root
from bot.domain import OrderSide
from bot.exchange import BinanceGateway
from bot.execution.live.user_stream.client import StreamTiming, UserDataStream
from bot.execution.live.user_stream.events import (
    AccountUpdate,
    AlgoUpdate,
    ListenKeyExpired,
    OrderUpdate,
    parse_user_event,
)
from bot.execution.live.venue import LiveExecution
from bot.logs import SecretRedactor
from bot.sim import SimExchange
from tests.execution.live.helpers import (
    SYMBOL,
    by_hand,
    entry_id,
    make_venue,
    move_price,
    sized,
    utc_now,
)


def _wait(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _open_then_close_by_hand(venue: LiveExecution, gateway: BinanceGateway, name: str) -> None:
    order = sized(at=utc_now())
    venue.open_position(order, entry_id(order))
    by_hand(gateway, OrderSide.SELL, order.quantity, name, reduce_only=True)


@pytest.fixture
def streamed(sim: SimExchange, gateway: BinanceGateway,
             journal: LiveJournal) -> Iterator[tuple[LiveExecution, UserDataStream]]:
    venue = make_venue(gateway, journal, poll=3600.0)  # polling alone would be far too late
    stream = UserDataStream(gateway, ws_root(sim.ws_url), venue.on_user_event, venue.poll,
                            StreamTiming(keepalive_seconds=0.2), random.Random(1))
    stream.start()
    assert _wait(lambda: stream.connections == 1)
    yield venue, stream
    stream.stop()


def test_frames_parse_into_typed_events() -> None:
    order = parse_user_event('{"e":"ORDER_TRADE_UPDATE","E":5,"o":{"s":"BTCUSDT","c":"x",'
                             '"x":"TRADE","X":"FILLED","l":"0.1","L":"90000","n":"3.6",'
                             '"rp":"-1.5"}}')
    algo = parse_user_event('{"e":"ALGO_UPDATE","E":6,"o":{"s":"BTCUSDT","caid":"y-sl",'
                            '"X":"CANCELED"}}')
    account = parse_user_event('{"e":"ACCOUNT_UPDATE","E":7,"a":{"m":"ORDER","P":'
                               '[{"s":"BTCUSDT","pa":"-0.2"}]}}')

    assert order == OrderUpdate("BTCUSDT", "x", "TRADE", "FILLED", 0.1, 90_000.0, 3.6, -1.5, 5)
    assert algo == AlgoUpdate("BTCUSDT", "y-sl", "CANCELED", 6)
    assert account == AccountUpdate("ORDER", (("BTCUSDT", -0.2),), 7)
    assert parse_user_event('{"e":"listenKeyExpired","E":8}') == ListenKeyExpired(8)
    assert parse_user_event('{"e":"MARGIN_CALL","E":9}') is None
    with pytest.raises(ValueError, match="malformed"):
        parse_user_event('{"e":"ALGO_UPDATE","o":{}}')


def test_a_manual_close_reaches_the_venue_through_the_stream(
    gateway: BinanceGateway, streamed: tuple[LiveExecution, UserDataStream]
) -> None:
    venue, _stream = streamed

    _open_then_close_by_hand(venue, gateway, "by-hand")

    assert _wait(lambda: venue.positions() == [])


def test_a_cancelled_stop_is_replaced_through_the_stream(
    gateway: BinanceGateway, streamed: tuple[LiveExecution, UserDataStream]
) -> None:
    venue, _stream = streamed
    order = sized()
    cid = entry_id(order)
    venue.open_position(order, cid)
    stop_id = f"{cid}-sl"[-36:]

    gateway.cancel_order(SYMBOL, stop_id, trigger=True)

    assert _wait(lambda: stop_id in {o.client_order_id for o in gateway.fetch_open_orders(
        SYMBOL, trigger=True)})


def _expire(sim: SimExchange, _key: str | None) -> None:
    sim.rest.listen_keys.expire_now()
    move_price(sim, 90_000.0)  # the next tick announces the expiry


def _forget(sim: SimExchange, key: str | None) -> None:
    sim.rest.listen_keys.close(key)  # gone on the exchange's side: -1125 on the next PUT


@pytest.mark.parametrize("lose_key", [_expire, _forget], ids=["expired", "keepalive_refused"])
def test_a_lost_listen_key_is_renewed_and_the_stream_goes_on(
    sim: SimExchange, gateway: BinanceGateway,
    streamed: tuple[LiveExecution, UserDataStream],
    lose_key: Callable[[SimExchange, str | None], None],
) -> None:
    venue, stream = streamed
    first = stream.listen_key

    lose_key(sim, first)

    assert _wait(lambda: stream.connections == 2 and stream.listen_key not in (None, first))
    _open_then_close_by_hand(venue, gateway, "by-hand-2")
    assert _wait(lambda: venue.positions() == [])


def test_the_listen_key_never_reaches_a_log_line() -> None:
    redactor = SecretRedactor([])
    key = "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"

    lines = [redactor.redact(f"stream connected: wss://fstream.binance.com/private/ws/{key}"),
             redactor.redact(f"PUT /fapi/v1/listenKey?listenKey={key} 400"),
             redactor.redact(f'{{"listenKey": "{key}"}}')]

    assert all(key not in line and "***" in line for line in lines)
