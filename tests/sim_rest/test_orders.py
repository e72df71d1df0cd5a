"""Regular orders through real ccxt: market and limit, ids, reduce-only, margin, filters."""

from __future__ import annotations

from typing import Any

import ccxt
import pytest

from bot.sim import SimExchange
from tests.sim_rest.helpers import BTC, ETH, move

FILL_BUY = 90_009.0  # BTC mark 90,000 plus 1 bp of slippage, on the 0.1 tick
FILL_SELL = 89_991.0


def test_market_buy_with_client_id_fills_at_mark_plus_slippage(client: Any) -> None:
    order = client.create_order(BTC, "market", "buy", 0.01, None, {"clientOrderId": "entry-1"})

    assert order["clientOrderId"] == "entry-1"
    assert order["status"] == "closed"
    assert order["filled"] == pytest.approx(0.01)
    assert order["average"] == pytest.approx(FILL_BUY)
    assert order["cost"] == pytest.approx(0.01 * FILL_BUY)
    assert order["info"]["type"] == "MARKET"


def test_fetch_order_by_id_and_by_client_id(client: Any) -> None:
    placed = client.create_order(BTC, "market", "sell", 0.02, None, {"clientOrderId": "s-1"})

    by_id = client.fetch_order(placed["id"], BTC)
    by_client_id = client.fetch_order(None, BTC, {"clientOrderId": "s-1"})

    assert by_id["id"] == by_client_id["id"] == placed["id"]
    assert by_client_id["status"] == "closed"
    assert by_client_id["average"] == pytest.approx(FILL_SELL)
    assert by_id["timestamp"] > 0


def test_unknown_order_is_not_found(client: Any) -> None:
    with pytest.raises(ccxt.OrderNotFound, match="-2013"):
        client.fetch_order("12345", BTC)
    with pytest.raises(ccxt.OrderNotFound, match="-2013"):
        client.fetch_order(None, BTC, {"clientOrderId": "never-sent"})


def test_positions_agree_with_the_market_mark(client: Any, sim: SimExchange) -> None:
    client.create_order(BTC, "market", "buy", 0.01)
    client.create_order(BTC, "market", "buy", 0.03)
    sim.market.set_price("BTCUSDT", 91_000.0)

    position = client.fetch_positions([BTC])[0]

    assert position["side"] == "long"
    assert position["contracts"] == pytest.approx(0.04)
    assert position["entryPrice"] == pytest.approx(FILL_BUY)
    assert position["markPrice"] == pytest.approx(sim.market.price("BTCUSDT"))
    assert position["unrealizedPnl"] == pytest.approx(0.04 * (91_000 - FILL_BUY))
    assert position["marginMode"] == "cross"
    assert position["notional"] == pytest.approx(0.04 * 91_000)


def test_reducing_realises_pnl_and_closing_removes_the_position(client: Any) -> None:
    client.create_order(BTC, "market", "buy", 0.02)
    client.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True})
    half = client.fetch_positions([BTC])

    client.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True})

    assert half[0]["contracts"] == pytest.approx(0.01)
    assert half[0]["entryPrice"] == pytest.approx(FILL_BUY)
    assert client.fetch_positions([BTC]) == []
    fees = 0.02 * FILL_BUY * 0.0004 + 0.02 * FILL_SELL * 0.0004
    realised = 0.02 * (FILL_SELL - FILL_BUY)
    assert client.fetch_balance()["USDT"]["total"] == pytest.approx(10_000 + realised - fees)


def test_limit_order_rests_then_fills_when_the_mark_crosses(client: Any, sim: SimExchange) -> None:
    order = client.create_order(BTC, "limit", "buy", 0.01, 89_000, {"clientOrderId": "dip"})
    resting = client.fetch_open_orders(BTC)

    move(sim, "BTCUSDT", 89_500.0)
    still = client.fetch_order(order["id"], BTC)
    move(sim, "BTCUSDT", 88_950.0)
    filled = client.fetch_order(order["id"], BTC)

    assert order["status"] == "open"
    assert [o["id"] for o in resting] == [order["id"]]
    assert still["status"] == "open"
    assert filled["status"] == "closed"
    assert filled["average"] == pytest.approx(89_000)  # a resting order fills at its limit
    assert client.fetch_open_orders(BTC) == []
    assert client.fetch_positions([BTC])[0]["entryPrice"] == pytest.approx(89_000)


def test_marketable_limit_fills_at_once_never_worse_than_its_price(client: Any) -> None:
    order = client.create_order(BTC, "limit", "buy", 0.01, 90_005)

    assert order["status"] == "closed"
    assert order["average"] == pytest.approx(90_005)  # the slipped mark would be 90,009


def test_cancel_order(client: Any) -> None:
    order = client.create_order(ETH, "limit", "sell", 0.5, 3_100)

    cancelled = client.cancel_order(order["id"], ETH)

    assert cancelled["status"] == "canceled"
    assert client.fetch_order(order["id"], ETH)["status"] == "canceled"
    with pytest.raises(ccxt.OrderNotFound, match="-2011"):
        client.cancel_order(order["id"], ETH)


def test_client_ids_are_unique_among_open_orders_only(client: Any) -> None:
    first = client.create_order(ETH, "limit", "buy", 0.1, 2_900, {"clientOrderId": "dup"})
    with pytest.raises(ccxt.InvalidOrder, match="-4116"):
        client.create_order(ETH, "limit", "buy", 0.1, 2_890, {"clientOrderId": "dup"})

    client.cancel_order(first["id"], ETH)
    again = client.create_order(ETH, "limit", "buy", 0.1, 2_890, {"clientOrderId": "dup"})

    assert again["status"] == "open"
    assert client.fetch_order(None, ETH, {"clientOrderId": "dup"})["id"] == again["id"]


def test_reduce_only_never_opens_or_adds(client: Any) -> None:
    with pytest.raises(ccxt.InvalidOrder, match="-2022"):
        client.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True})
    client.create_order(BTC, "market", "buy", 0.01)
    with pytest.raises(ccxt.InvalidOrder, match="-2022"):
        client.create_order(BTC, "market", "buy", 0.01, None, {"reduceOnly": True})


def test_reduce_only_beyond_the_position_is_capped(client: Any) -> None:
    client.create_order(BTC, "market", "buy", 0.01)

    order = client.create_order(BTC, "market", "sell", 0.05, None, {"reduceOnly": True})

    assert order["filled"] == pytest.approx(0.01)
    assert order["status"] == "expired"
    assert client.fetch_positions([BTC]) == []


def test_resting_reduce_only_expires_with_the_position(client: Any) -> None:
    client.create_order(BTC, "market", "buy", 0.01)
    target = client.create_order(BTC, "limit", "sell", 0.01, 95_000, {"reduceOnly": True})

    client.create_order(BTC, "market", "sell", 0.01)

    assert client.fetch_order(target["id"], BTC)["status"] == "expired"


def test_insufficient_margin(client: Any) -> None:
    # 10,000 USDT at the default 20x carries about 200,000 USDT of notional.
    with pytest.raises(ccxt.InsufficientFunds, match="-2019"):
        client.create_order(BTC, "market", "buy", 2.5)


def test_resting_orders_hold_margin(client: Any) -> None:
    client.create_order(BTC, "limit", "buy", 2.0, 88_000)  # holds 8,800 of 10,000

    with pytest.raises(ccxt.InsufficientFunds):
        client.create_order(ETH, "market", "buy", 10)  # needs about 1,500 more


@pytest.mark.parametrize(
    ("amount", "price", "error", "code"),
    [
        (0.001, None, ccxt.InvalidOrder, "-4164"),  # 90 USDT < MIN_NOTIONAL 100
        (0.01, 100_000, ccxt.ExchangeError, "-4016"),  # a buy more than 5 % above the mark
    ],
)
def test_filters_are_enforced(
    client: Any, amount: float, price: float | None, error: type[Exception], code: str
) -> None:
    kind = "market" if price is None else "limit"
    with pytest.raises(error, match=code):
        client.create_order(BTC, kind, "buy", amount, price)


def test_raw_precision_errors(client: Any) -> None:
    # ccxt rounds before sending, so talk to the endpoint directly to see Binance's checks.
    base = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    with pytest.raises(ccxt.BadRequest, match="-1111"):
        client.fapiPrivatePostOrder({**base, "quantity": "0.0105", "price": "89000"})
    with pytest.raises(ccxt.BadRequest, match="-4014"):
        client.fapiPrivatePostOrder({**base, "quantity": "0.01", "price": "89000.05"})


def test_conditional_types_belong_to_the_algo_endpoint(client: Any) -> None:
    request = {
        "symbol": "BTCUSDT",
        "side": "SELL",
        "type": "STOP_MARKET",
        "quantity": "0.01",
        "stopPrice": "85000",
    }
    with pytest.raises(ccxt.InvalidOrder, match="-4120"):
        client.fapiPrivatePostOrder(request)


def test_ack_answers_before_execution(client: Any) -> None:
    # ccxt always asks for RESULT; Binance's default ACK reports the order as accepted.
    request = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "MARKET",
        "quantity": "0.010",
        "newClientOrderId": "ack-1",
    }

    answer = client.fapiPrivatePostOrder(request)
    later = client.fetch_order(None, BTC, {"clientOrderId": "ack-1"})

    assert (answer["status"], answer["executedQty"]) == ("NEW", "0.000")
    assert "time" not in answer  # Binance's POST answer has updateTime only
    assert later["status"] == "closed"
