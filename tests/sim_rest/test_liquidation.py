"""The account's liquidations: at the reported price, and on the forceOrder stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import websocket

from bot.sim import SimExchange
from tests.sim_rest.helpers import BTC, move


@pytest.fixture
def force_orders(sim: SimExchange) -> Iterator[websocket.WebSocket]:
    ws = websocket.create_connection(f"{sim.ws_url}/ws/btcusdt@forceOrder", timeout=3)
    yield ws
    ws.close(timeout=0.2)


def test_isolated_position_is_liquidated_at_its_liquidation_price(
    client: Any, sim: SimExchange, force_orders: websocket.WebSocket
) -> None:
    client.set_margin_mode("isolated", BTC)
    client.set_leverage(50, BTC)
    client.create_order(BTC, "market", "buy", 0.05)
    position = client.fetch_positions([BTC])[0]
    liquidation = position["liquidationPrice"]
    wallet = client.fetch_balance()["USDT"]["total"] - position["unrealizedPnl"]

    move(sim, "BTCUSDT", liquidation * 1.0005)
    survived = client.fetch_positions([BTC])
    move(sim, "BTCUSDT", liquidation * 0.9995)
    event = json.loads(force_orders.recv())  # the 1 s throttle window closes first

    entry = 90_009.0
    isolated_wallet = 0.05 * entry / 50
    # Binance's isolated long formula: (q·EP − WB) / (q·(1 − MMR)), MMR 0.4 % here.
    assert liquidation == pytest.approx((0.05 * entry - isolated_wallet) / (0.05 * 0.996))
    assert survived[0]["contracts"] == pytest.approx(0.05)
    assert client.fetch_positions([BTC]) == []
    assert client.fetch_balance()["USDT"]["total"] == pytest.approx(wallet - isolated_wallet)
    order = event["o"]
    assert (event["e"], order["s"], order["S"], order["q"]) == (
        "forceOrder",
        "BTCUSDT",
        "SELL",
        "0.050",
    )
    assert float(order["p"]) == pytest.approx(entry - isolated_wallet / 0.05, abs=0.1)


def test_cross_liquidation_takes_the_cross_wallet(client: Any, sim: SimExchange) -> None:
    client.create_order(BTC, "market", "buy", 2)  # 180,000 USDT at 20x
    liquidation = client.fetch_positions([BTC])[0]["liquidationPrice"]
    client.create_order(BTC, "limit", "buy", 0.01, 80_000)  # cancelled by the liquidation

    move(sim, "BTCUSDT", liquidation - 1)

    assert 80_000 < liquidation < 90_000
    assert client.fetch_positions([BTC]) == []
    assert client.fetch_open_orders(BTC) == []
    assert client.fetch_balance()["USDT"]["total"] == pytest.approx(0)


def test_reported_liquidation_price_moves_with_other_cross_positions(
    client: Any, sim: SimExchange
) -> None:
    client.create_order(BTC, "market", "buy", 1)
    alone = client.fetch_positions([BTC])[0]["liquidationPrice"]
    client.create_order("ETH/USDT:USDT", "market", "buy", 10)
    move(sim, "ETHUSDT", 2_900.0)  # the ETH loss eats into the shared cross wallet

    shared = client.fetch_positions([BTC])[0]["liquidationPrice"]

    assert shared > alone
