"""Against the simulator (real ccxt, real HTTP): markets, mark prices, account, paper mode."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import SecretStr

from bot.domain import OrderSide
from bot.errors import AuthenticationFailed, InvalidOrder
from bot.exchange import BinanceGateway, MarkPriceFeed, build_mark_price_feed, translating
from bot.heatmap import LiveLiquidationHeatmap
from bot.settings.models import ExchangeSettings
from bot.sim import DEFAULT_SYMBOLS, SimExchange, utc_now
from tests.exchange.conftest import GatewayFactory

PREMIUM_INDEX = "GET /fapi/v1/premiumIndex"
NEW_ORDER = "POST /fapi/v1/order"


def test_markets_load_with_the_simulators_filters(gateway: BinanceGateway) -> None:
    for spec in DEFAULT_SYMBOLS:
        rules = gateway.catalog.rules(spec.symbol)
        assert Decimal(str(rules.tick_size)) == spec.tick_size
        assert Decimal(str(rules.step_size)) == spec.step_size
        assert Decimal(str(rules.min_notional)) == spec.min_notional
    assert gateway.catalog.symbols() == sorted(s.symbol for s in DEFAULT_SYMBOLS)


def test_markets_are_loaded_once_and_refreshed_on_demand(
    sim: SimExchange, gateway: BinanceGateway
) -> None:
    # Arrange
    loads = sim.rest.stats().by_endpoint["GET /fapi/v1/exchangeInfo"]

    # Act
    gateway.catalog.load()
    gateway.catalog.rules("ETHUSDT")
    cached = sim.rest.stats().by_endpoint["GET /fapi/v1/exchangeInfo"]
    gateway.catalog.refresh()

    # Assert
    assert cached == loads == 1
    assert sim.rest.stats().by_endpoint["GET /fapi/v1/exchangeInfo"] == 2


def test_rounding_and_size_checks_stop_an_order_before_it_leaves(
    sim: SimExchange, gateway: BinanceGateway
) -> None:
    # Arrange
    catalog = gateway.catalog

    # Act / Assert: ccxt's precision helpers with the simulator's filters
    assert catalog.round_amount("SOLUSDT", 2.9) == 2.0
    assert catalog.round_price("BTCUSDT", 90_000.06) == 90_000.1
    with pytest.raises(InvalidOrder, match="notional"):
        gateway.create_market_order("BTCUSDT", OrderSide.BUY, 0.001, "too-small-1")
    with pytest.raises(InvalidOrder, match="notional"):
        gateway.create_limit_order("ETHUSDT", OrderSide.BUY, 0.005, 3_000.0, "too-small-2")
    with pytest.raises(InvalidOrder, match="precision"):  # truncates to 0 SOL
        gateway.create_limit_order("SOLUSDT", OrderSide.BUY, 0.5, 100.0, "too-small-3")
    assert NEW_ORDER not in sim.rest.stats().by_endpoint


def test_mark_price_feed_makes_one_request_per_poll_and_agrees_with_the_market(
    sim: SimExchange, gateway: BinanceGateway
) -> None:
    # Arrange
    heatmap = LiveLiquidationHeatmap(clock=utc_now)
    feed = MarkPriceFeed(gateway, utc_now, max_age_seconds=5.0,
                         listeners=[heatmap.update_price])
    before = sim.rest.stats()

    # Act
    polled = feed.poll()
    market_now = sim.market.prices()
    after = sim.rest.stats()

    # Assert: exactly one request, for all symbols at once
    assert after.requests - before.requests == 1
    assert after.by_endpoint[PREMIUM_INDEX] - before.by_endpoint.get(PREMIUM_INDEX, 0) == 1
    assert set(polled) == set(market_now)
    now = utc_now()
    for symbol, mark in polled.items():
        # the market steps every 100 ms: a tick's move is far below 0.5 %
        assert mark.price == pytest.approx(market_now[symbol], rel=5e-3)
        assert now - timedelta(seconds=2) <= mark.timestamp <= now + timedelta(seconds=1)
        assert feed.is_fresh(symbol, now)
        assert heatmap.get_price(symbol) == mark.price
        # the funding the exchange announces with the mark (paper funding settles on it)
        assert mark.funding_rate == pytest.approx(float(sim.market.config.funding_rate))
        assert mark.next_funding_at is not None
        assert now < mark.next_funding_at <= now + timedelta(hours=8)


def test_balance_of_a_fresh_account(gateway: BinanceGateway) -> None:
    balance = gateway.fetch_balance()

    assert (balance.asset, balance.total, balance.free, balance.used) == (
        "USDT", 10_000.0, 10_000.0, 0.0)


def test_server_time_is_close_to_ours(gateway: BinanceGateway) -> None:
    assert abs(gateway.fetch_time().offset_seconds) < 1.0


def test_paper_gateway_reads_public_data_and_never_signs(
    sim: SimExchange, make_gateway: GatewayFactory
) -> None:
    # Arrange
    paper = make_gateway(keys=False)

    # Act: public data works
    paper.catalog.load()
    prices = paper.fetch_mark_prices()
    paper.fetch_time()

    # Assert: every private call fails clearly, before any signed request exists
    assert set(prices) == {s.symbol for s in DEFAULT_SYMBOLS}
    private_calls = [
        paper.fetch_balance,
        lambda: paper.fetch_positions(["BTCUSDT"]),
        lambda: paper.set_leverage("BTCUSDT", 5),
        lambda: paper.set_margin_mode("BTCUSDT", "isolated"),
        lambda: paper.create_market_order("BTCUSDT", OrderSide.BUY, 0.01, "paper-1"),
        lambda: paper.create_stop_order("BTCUSDT", OrderSide.SELL, 80_000.0, "paper-2",
                                        kind="stop", close_position=True),
        lambda: paper.fetch_order("BTCUSDT", "paper-1"),
        lambda: paper.fetch_open_orders("BTCUSDT"),
        lambda: paper.cancel_order("BTCUSDT", "paper-1"),
    ]
    for call in private_calls:
        with pytest.raises(AuthenticationFailed, match="no API keys"):
            call()
    assert sim.rest.signed_requests.total == 0


def test_ccxt_itself_refuses_to_sign_without_keys(
    sim: SimExchange, make_gateway: GatewayFactory
) -> None:
    # Below the gateway's own guard: ccxt raises before sending, and it is translated.
    paper = make_gateway(keys=False)
    exchange = paper._exchange  # the raw ccxt instance, on purpose

    with pytest.raises(AuthenticationFailed, match="apiKey"), translating(exchange):
        exchange.fetch_balance()

    assert sim.rest.signed_requests.total == 0


def test_the_bootstrap_feed_uses_no_keys_even_when_settings_hold_them(sim: SimExchange) -> None:
    # Arrange: settings as the composition root passes them (SecretStr keys present)
    settings = ExchangeSettings(
        rest_url=sim.rest_url, api_key=SecretStr(sim.credentials.api_key),
        api_secret=SecretStr(sim.credentials.api_secret),
    )
    closers: list[object] = []

    # Act
    feed = build_mark_price_feed(settings, utc_now, closers.append, with_keys=False)
    polled = feed.poll()

    # Assert
    assert set(polled) == {s.symbol for s in DEFAULT_SYMBOLS}
    assert len(closers) == 1
    assert sim.rest.signed_requests.total == 0


def test_quote_volumes_come_from_fetch_tickers_and_scale_heatmap_strength(
    sim: SimExchange, make_gateway: GatewayFactory
) -> None:
    # Arrange
    public = make_gateway(keys=False)
    heatmap = LiveLiquidationHeatmap()
    # Act
    volumes = public.fetch_quote_volumes()
    heatmap.set_quote_volumes(volumes)
    # Assert: every simulated symbol, as the sim's ticker/24hr says (positive USDT amounts).
    assert set(volumes) == {s.symbol for s in DEFAULT_SYMBOLS}
    assert all(v > 0 for v in volumes.values())
    assert heatmap._quote_volumes == volumes
