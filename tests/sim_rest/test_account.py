"""Balance, leverage and margin mode through real ccxt."""

from __future__ import annotations

from typing import Any

import ccxt
import pytest

from bot.sim import SimExchange
from tests.sim_rest.helpers import BTC, ETH, make_client


def test_fetch_balance_starts_with_the_configured_wallet(client: Any) -> None:
    balance = client.fetch_balance()

    assert balance["USDT"] == {"free": 10_000.0, "used": 0.0, "total": 10_000.0}
    assert balance["info"]["assets"][0]["updateTime"] > 0  # ccxt skips assets at 0


def test_fetch_balance_shows_margin_in_use(client: Any) -> None:
    client.set_leverage(10, BTC)
    client.create_order(BTC, "market", "buy", 0.1)

    usdt = client.fetch_balance()["USDT"]

    fill = 90_009.0  # mark 90,000 plus 1 bp of slippage, on the tick
    fee = 0.1 * fill * 0.0004
    pnl = 0.1 * (90_000 - fill)
    assert usdt["used"] == pytest.approx(0.1 * 90_000 / 10)
    assert usdt["total"] == pytest.approx(10_000 - fee + pnl)
    assert usdt["free"] == pytest.approx(10_000 - fee + pnl - 900)


def test_set_leverage_answers_like_binance(client: Any) -> None:
    answer = client.set_leverage(50, BTC)

    assert answer == {"leverage": 50, "maxNotionalValue": "1000000", "symbol": "BTCUSDT"}


def test_set_leverage_out_of_range_is_refused(client: Any) -> None:
    # ccxt itself refuses > 125 before sending, so ask the endpoint directly.
    with pytest.raises(ccxt.BadRequest, match="-4028"):
        client.fapiPrivatePostLeverage({"symbol": "BTCUSDT", "leverage": 126})


def test_set_margin_mode_switches_and_reports(client: Any) -> None:
    answer = client.set_margin_mode("isolated", ETH)
    client.create_order(ETH, "market", "buy", 1)

    position = client.fetch_positions([ETH])[0]

    assert answer == {"code": 200, "msg": "success"}
    assert position["marginMode"] == "isolated"
    entry = 3_000.30  # mark 3,000 plus 1 bp, on the 0.01 tick
    isolated_wallet = entry / 20  # the default leverage
    assert position["entryPrice"] == pytest.approx(entry)
    assert float(position["info"]["isolatedWallet"]) == pytest.approx(isolated_wallet)
    assert position["collateral"] == pytest.approx(isolated_wallet + (3_000 - entry))


def test_unchanged_margin_mode_raises_by_default_in_ccxt(client: Any) -> None:
    # ccxt 4.5.90 ships options['setMarginMode']['throwMarginModeAlreadySet'] = True.
    with pytest.raises(ccxt.MarginModeAlreadySet, match="-4046"):
        client.set_margin_mode("cross", BTC)


def test_unchanged_margin_mode_is_swallowed_when_ccxt_is_told(sim: SimExchange) -> None:
    creds = sim.credentials
    exchange = make_client(
        sim.rest_url,
        creds.api_key,
        creds.api_secret,
        setMarginMode={"throwMarginModeAlreadySet": False},
    )

    answer = exchange.set_margin_mode("cross", BTC)

    assert answer == {"code": -4046, "msg": "No need to change margin type."}


def test_margin_mode_cannot_change_with_a_position(client: Any) -> None:
    client.create_order(BTC, "market", "buy", 0.01)

    with pytest.raises(ccxt.ExchangeError, match="-4048"):
        client.set_margin_mode("isolated", BTC)
