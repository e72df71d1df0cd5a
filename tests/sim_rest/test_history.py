"""Trade history, income and position mode through real ccxt (issue 11)."""

from __future__ import annotations

from typing import Any

import ccxt
import pytest

from bot.sim import SimExchange
from tests.sim_rest.helpers import BTC, ETH, move


def _wallet(client: Any) -> float:
    return float(client.fetch_balance()["info"]["totalWalletBalance"])


def test_user_trades_list_every_fill_with_commission_and_realised_pnl(
    sim: SimExchange, client: Any
) -> None:
    # Arrange
    start = _wallet(client)
    client.create_order(BTC, "market", "buy", 0.1)
    move(sim, "BTCUSDT", 91_000.0)
    client.create_order(BTC, "market", "sell", 0.1, params={"reduceOnly": True})

    # Act
    trades = client.fetch_my_trades(BTC)

    # Assert: what the fills booked is exactly how the wallet moved
    assert [t["side"] for t in trades] == ["buy", "sell"]
    info = [t["info"] for t in trades]
    realised = sum(float(i["realizedPnl"]) for i in info)
    commission = sum(float(i["commission"]) for i in info)
    assert float(info[0]["realizedPnl"]) == 0.0
    assert realised == pytest.approx(0.1 * (float(info[1]["price"]) - float(info[0]["price"])))
    assert commission == pytest.approx(sum(t["fee"]["cost"] for t in trades))
    assert _wallet(client) == pytest.approx(start + realised - commission)


def test_user_trades_filter_by_order_and_time(client: Any) -> None:
    first = client.create_order(BTC, "market", "buy", 0.1)
    second = client.create_order(BTC, "market", "buy", 0.2)

    by_order = client.fetch_my_trades(BTC, params={"orderId": second["id"]})
    later = client.fetch_my_trades(BTC, since=by_order[0]["timestamp"] + 1)

    assert [t["order"] for t in by_order] == [second["id"]]
    assert first["id"] not in [t["order"] for t in later]


def test_income_adds_up_to_the_wallet(sim: SimExchange, client: Any) -> None:
    start = _wallet(client)
    client.create_order(ETH, "market", "sell", 1.0)
    move(sim, "ETHUSDT", 2_900.0)
    client.create_order(ETH, "market", "buy", 1.0, params={"reduceOnly": True})

    income = client.fapiPrivateGetIncome()

    assert {i["incomeType"] for i in income} == {"REALIZED_PNL", "COMMISSION"}
    assert _wallet(client) == pytest.approx(start + sum(float(i["income"]) for i in income))


def test_position_mode_is_one_way_and_switchable_while_flat(client: Any) -> None:
    assert client.fapiPrivateGetPositionSideDual() == {"dualSidePosition": False}

    client.set_position_mode(True)

    assert client.fapiPrivateGetPositionSideDual() == {"dualSidePosition": True}


def test_position_mode_cannot_change_with_a_position_open(client: Any) -> None:
    client.create_order(BTC, "market", "buy", 0.1)

    with pytest.raises(ccxt.ExchangeError, match="-4068"):
        client.set_position_mode(True)


def test_funding_is_charged_every_interval_and_listed_as_income() -> None:
    # Arrange: funding every second (Binance: every 8 h), a long and a short open
    import random
    import time

    from bot.sim import utc_now
    from bot.sim.rest import AccountConfig
    from tests.sim_rest.helpers import QUIET, make_client

    account = AccountConfig(funding_interval_ms=1_000)
    with SimExchange(clock=utc_now, rng=random.Random(5), market=QUIET,
                     account=account) as sim:
        client = make_client(sim.rest_url, sim.credentials.api_key, sim.credentials.api_secret)
        client.create_order(BTC, "market", "buy", 0.1)
        client.create_order(ETH, "market", "sell", 1.0)

        # Act
        time.sleep(2.5)
        while True:  # a settlement between the two reads would make them disagree
            every = client.fapiPrivateGetIncome({"limit": 1000})
            wallet = _wallet(client)
            if client.fapiPrivateGetIncome({"limit": 1000}) == every:
                break
        funding = client.fetch_funding_history(BTC, since=0)
        income = [i for i in every if i["incomeType"] == "FUNDING_FEE"]

    # Assert: longs pay, shorts get, at the positive default rate; the wallet moved by that
    btc = [float(i["income"]) for i in income if i["symbol"] == "BTCUSDT"]
    eth = [float(i["income"]) for i in income if i["symbol"] == "ETHUSDT"]
    assert len(btc) >= 2
    assert all(a < 0 for a in btc)
    assert all(a > 0 for a in eth)
    assert len(funding) >= len(btc)  # ccxt reads the same income (later: maybe one more)
    # Every wallet movement is income: commissions and funding, nothing else here.
    assert wallet == pytest.approx(float(account.starting_balance)
                                   + sum(float(i["income"]) for i in every))
