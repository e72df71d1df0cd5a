"""Conditional orders (``/fapi/v1/algoOrder``) through real ccxt, triggered by the mark."""

from __future__ import annotations

from typing import Any

import ccxt
import pytest

from bot.sim import SimExchange
from tests.sim_rest.helpers import BTC, ETH, move

TRIGGER = {"trigger": True}


def test_stop_market_goes_to_algo_and_triggers_on_the_mark(client: Any, sim: SimExchange) -> None:
    client.create_order(BTC, "market", "buy", 0.01)
    stop = client.create_order(
        BTC, "market", "sell", 0.01, None, {"stopPrice": 85_000, "reduceOnly": True}
    )
    waiting = client.fetch_order(stop["id"], BTC, TRIGGER)

    move(sim, "BTCUSDT", 85_500.0)
    still = client.fetch_order(stop["id"], BTC, TRIGGER)
    move(sim, "BTCUSDT", 84_900.0)
    done = client.fetch_order(stop["id"], BTC, TRIGGER)
    fill = client.fetch_order(None, BTC, {"clientOrderId": stop["clientOrderId"]})

    assert stop["info"]["orderType"] == "STOP_MARKET"
    assert stop["triggerPrice"] == pytest.approx(85_000)
    assert (waiting["status"], still["status"], done["status"]) == ("open", "open", "closed")
    assert done["info"]["algoStatus"] == "FINISHED"
    assert fill["id"] == done["info"]["actualOrderId"]
    assert fill["average"] == pytest.approx(84_891.5)  # 84,900 less 1 bp, floored to the tick
    assert fill["info"]["origType"] == "STOP_MARKET"
    assert client.fetch_positions([BTC]) == []


def test_take_profit_market_triggers_on_a_rise(client: Any, sim: SimExchange) -> None:
    client.create_order(ETH, "market", "buy", 1)
    target = client.create_order(
        ETH, "market", "sell", 1, None, {"takeProfitPrice": 3_150, "reduceOnly": True}
    )
    by_type = client.create_order(
        ETH, "TAKE_PROFIT_MARKET", "sell", 1, None, {"triggerPrice": 3_200, "reduceOnly": True}
    )

    move(sim, "ETHUSDT", 3_160.0)

    assert target["info"]["orderType"] == by_type["info"]["orderType"] == "TAKE_PROFIT_MARKET"
    assert client.fetch_order(target["id"], ETH, TRIGGER)["status"] == "closed"
    assert client.fetch_positions([ETH]) == []
    # Nothing is left to reduce when the second one triggers: it expires.
    move(sim, "ETHUSDT", 3_210.0)
    assert client.fetch_order(by_type["id"], ETH, TRIGGER)["info"]["algoStatus"] == "EXPIRED"


def test_open_orders_with_and_without_trigger(client: Any) -> None:
    limit = client.create_order(BTC, "limit", "buy", 0.01, 88_000)
    stop = client.create_order(BTC, "market", "buy", 0.01, None, {"stopPrice": 95_000})

    regular = client.fetch_open_orders(BTC)
    conditional = client.fetch_open_orders(BTC, None, None, TRIGGER)

    assert [o["id"] for o in regular] == [limit["id"]]
    assert [o["id"] for o in conditional] == [stop["id"]]
    assert conditional[0]["status"] == "open"
    assert conditional[0]["type"] == "market"  # ccxt's unified type of STOP_MARKET


def test_cancel_trigger_order(client: Any) -> None:
    stop = client.create_order(BTC, "market", "buy", 0.01, None, {"stopPrice": 95_000})

    answer = client.cancel_order(stop["id"], BTC, TRIGGER)

    assert answer["id"] == stop["id"]
    assert client.fetch_order(stop["id"], BTC, TRIGGER)["status"] == "canceled"
    assert client.fetch_open_orders(BTC, None, None, TRIGGER) == []
    with pytest.raises(ccxt.OrderNotFound, match="-2011"):
        client.cancel_order(stop["id"], BTC, TRIGGER)


def test_close_position_stays_open_after_the_position_closes(client: Any, sim: SimExchange) -> None:
    client.create_order(BTC, "market", "buy", 0.01)
    guard = client.create_order(
        BTC, "market", "sell", None, None, {"stopPrice": 85_000, "closePosition": True}
    )
    client.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True})
    after_close = client.fetch_order(guard["id"], BTC, TRIGGER)
    client.create_order(BTC, "market", "buy", 0.03)

    move(sim, "BTCUSDT", 84_000.0)

    assert guard["info"]["closePosition"] is True
    assert after_close["status"] == "open"
    assert client.fetch_order(guard["id"], BTC, TRIGGER)["status"] == "closed"
    closing = client.fetch_order(None, BTC, {"clientOrderId": guard["clientOrderId"]})
    assert closing["filled"] == pytest.approx(0.03)  # the whole position, whatever its size
    assert client.fetch_positions([BTC]) == []


def test_trigger_that_would_fire_at_once_is_refused(client: Any) -> None:
    with pytest.raises(ccxt.OrderImmediatelyFillable, match="-2021"):
        client.create_order(BTC, "market", "sell", 0.01, None, {"stopPrice": 91_000})


def test_duplicate_client_algo_id_among_open(client: Any) -> None:
    params = {"stopPrice": 95_000, "clientOrderId": "guard-1"}
    client.create_order(BTC, "market", "buy", 0.01, None, params)

    with pytest.raises(ccxt.InvalidOrder, match="-4116"):
        client.create_order(BTC, "market", "buy", 0.01, None, params)
