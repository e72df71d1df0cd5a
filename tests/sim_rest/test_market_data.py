"""Public market data through real ccxt: markets, time, mark prices, tickers."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.sim import SimExchange
from tests.sim_rest.helpers import BTC, ETH, SOL, move


def test_load_markets_gives_symbols_precision_and_limits(client: Any) -> None:
    markets = client.markets

    assert sorted(markets) == [BTC, ETH, SOL]
    btc = markets[BTC]
    assert (btc["id"], btc["type"], btc["linear"], btc["settle"]) == (
        "BTCUSDT",
        "swap",
        True,
        "USDT",
    )
    assert btc["active"] is True
    assert btc["precision"]["price"] == pytest.approx(0.1)
    assert btc["precision"]["amount"] == pytest.approx(0.001)
    assert btc["limits"]["amount"]["min"] == pytest.approx(0.001)
    assert btc["limits"]["cost"]["min"] == pytest.approx(100)
    assert markets[SOL]["precision"]["amount"] == pytest.approx(1)
    assert {"LIMIT", "MARKET", "STOP_MARKET", "TAKE_PROFIT_MARKET"} <= set(
        btc["info"]["orderTypes"]
    )


def test_ccxt_rounds_with_the_filters(client: Any) -> None:
    assert client.amount_to_precision(BTC, 0.12345) == "0.123"
    assert client.price_to_precision(BTC, 90000.123) == "90000.1"
    assert client.amount_to_precision(SOL, 3.7) == "3"


def test_fetch_time_is_the_server_clock(client: Any, sim: SimExchange) -> None:
    server_ms = client.fetch_time()

    assert abs(server_ms - time.time() * 1000) < 2_000
    sim.rest_faults.timestamp_skew_ms = 60_000
    assert client.fetch_time() - server_ms >= 59_000


def test_mark_prices_come_from_the_shared_market(client: Any, sim: SimExchange) -> None:
    sim.market.set_price("BTCUSDT", 91_234.56)

    one = client.fetch_mark_price(BTC)
    every = client.fetch_mark_prices()

    assert one["markPrice"] == pytest.approx(91_234.6)  # the market's mark is on the tick
    assert one["indexPrice"] == pytest.approx(91_234.56 / 1.0001, rel=1e-9)
    assert set(every) == {BTC, ETH, SOL}
    assert every[ETH]["markPrice"] == pytest.approx(sim.market.price("ETHUSDT"))


def test_fetch_ticker_tracks_the_day(client: Any, sim: SimExchange) -> None:
    sim.rest.on_mark_prices()
    move(sim, "ETHUSDT", 3_100.0)
    move(sim, "ETHUSDT", 2_950.0)

    ticker = client.fetch_ticker(ETH)

    assert ticker["symbol"] == ETH
    assert ticker["last"] == pytest.approx(2_950.0)
    assert ticker["open"] == pytest.approx(3_000.0)
    assert ticker["high"] == pytest.approx(3_100.0)
    assert ticker["low"] == pytest.approx(2_950.0)
    assert ticker["percentage"] == pytest.approx(-50 / 3_000 * 100, abs=1e-3)
    assert ticker["quoteVolume"] > 0


def test_public_calls_are_not_signed(client: Any, sim: SimExchange) -> None:
    client.fetch_time()
    client.fetch_ticker(BTC)
    client.fetch_mark_prices()

    counts = sim.rest.signed_requests
    assert (counts.total, counts.accepted, counts.rejected) == (0, 0, 0)
    assert sim.rest.stats().by_endpoint["GET /fapi/v1/exchangeInfo"] == 1
