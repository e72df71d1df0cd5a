"""The simulator's user-data stream: listen keys over REST, events on /private/ws/<key>."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import ccxt
import pytest
import websocket

from bot.sim import SimExchange
from tests.sim_rest.helpers import BTC, move


@pytest.fixture
def stream(sim: SimExchange, client: Any) -> Iterator[tuple[str, websocket.WebSocket]]:
    key = client.fapiPrivatePostListenKey()["listenKey"]
    ws = websocket.create_connection(f"{sim.server.base_url}/private/ws/{key}", timeout=5)
    assert sim.server.wait_for_connections(1)
    yield key, ws
    ws.close()


def _events(ws: websocket.WebSocket, count: int) -> list[dict[str, Any]]:
    return [json.loads(ws.recv()) for _ in range(count)]


def test_a_market_order_streams_new_trade_and_the_account_update(
    client: Any, stream: tuple[str, websocket.WebSocket]
) -> None:
    # Act
    client.create_order(BTC, "market", "buy", 0.1, params={"newClientOrderId": "u-1"})
    new, trade, account = _events(stream[1], 3)

    # Assert: Binance's shapes, with the fill's own commission and realised PnL
    assert (new["e"], new["o"]["x"], new["o"]["c"]) == ("ORDER_TRADE_UPDATE", "NEW", "u-1")
    fill = client.fetch_my_trades(BTC)[-1]["info"]
    assert (trade["o"]["x"], trade["o"]["X"]) == ("TRADE", "FILLED")
    assert float(trade["o"]["L"]) == float(fill["price"])
    assert float(trade["o"]["n"]) == pytest.approx(float(fill["commission"]))
    assert trade["o"]["rp"] == "0"
    assert account["e"] == "ACCOUNT_UPDATE"
    [position] = account["a"]["P"]
    assert (position["s"], position["pa"]) == ("BTCUSDT", "0.1")


def test_a_triggered_stop_streams_its_algo_update_and_the_closing_fill(
    sim: SimExchange, client: Any, stream: tuple[str, websocket.WebSocket]
) -> None:
    client.create_order(BTC, "market", "buy", 0.1)
    _events(stream[1], 3)
    client.create_order(BTC, "market", "sell", None, params={
        "stopLossPrice": 88_000, "closePosition": True, "clientOrderId": "u-sl"})
    [placed] = _events(stream[1], 1)

    move(sim, "BTCUSDT", 87_000.0)
    events = _events(stream[1], 5)

    assert (placed["e"], placed["o"]["caid"], placed["o"]["X"]) == ("ALGO_UPDATE", "u-sl", "NEW")
    kinds = [(e["e"], e.get("o", {}).get("x") or e.get("o", {}).get("X")) for e in events]
    assert ("ORDER_TRADE_UPDATE", "TRADE") in kinds
    assert ("ALGO_UPDATE", "FINISHED") in kinds
    closing = next(e for e in events if e["e"] == "ORDER_TRADE_UPDATE" and e["o"]["x"] == "TRADE")
    assert float(closing["o"]["rp"]) < 0
    account = next(e for e in events if e["e"] == "ACCOUNT_UPDATE")
    assert account["a"]["P"][0]["pa"] == "0"


def test_listen_key_keepalive_close_and_expiry(
    sim: SimExchange, client: Any, stream: tuple[str, websocket.WebSocket]
) -> None:
    key, ws = stream
    assert client.fapiPrivatePostListenKey()["listenKey"] == key  # the active one, extended
    assert client.fapiPrivatePutListenKey({"listenKey": key}) == {}

    sim.rest.listen_keys.expire_now()
    sim.rest.on_mark_prices()
    [expired] = _events(ws, 1)
    with pytest.raises(ccxt.ExchangeError, match="-1125"):
        client.fapiPrivatePutListenKey({"listenKey": key})

    assert expired == {"e": "listenKeyExpired", "E": expired["E"], "listenKey": key}
    fresh = client.fapiPrivatePostListenKey()["listenKey"]
    assert fresh != key
    assert client.fapiPrivateDeleteListenKey({"listenKey": fresh}) == {}
    with pytest.raises(ccxt.ExchangeError, match="-1125"):
        client.fapiPrivatePutListenKey({"listenKey": fresh})


def test_a_funding_settlement_streams_an_account_update_with_its_reason() -> None:
    import random

    from bot.sim import utc_now
    from bot.sim.rest import AccountConfig
    from tests.sim_rest.helpers import QUIET, make_client

    with SimExchange(clock=utc_now, rng=random.Random(5), market=QUIET,
                     account=AccountConfig(funding_interval_ms=1_000)) as sim:
        client = make_client(sim.rest_url, sim.credentials.api_key, sim.credentials.api_secret)
        client.create_order(BTC, "market", "buy", 0.1)
        key = client.fapiPrivatePostListenKey()["listenKey"]
        ws = websocket.create_connection(f"{sim.server.base_url}/private/ws/{key}", timeout=5)
        try:
            reasons = [event["a"]["m"] for event in _events(ws, 2)
                       if event["e"] == "ACCOUNT_UPDATE"]
        finally:
            ws.close()

    assert reasons
    assert set(reasons) == {"FUNDING_FEE"}
