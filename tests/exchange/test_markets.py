"""``MarketCatalog`` over ccxt's own parsed markets (no server): rounding and size checks."""

from __future__ import annotations

import pytest

from bot.errors import InvalidOrder
from bot.exchange import MarketRules
from tests.exchange.helpers import BTC, offline_catalog


@pytest.mark.parametrize("symbol", ["BTCUSDT", "btcusdt", BTC])
def test_symbols_are_accepted_in_both_forms(symbol: str) -> None:
    assert offline_catalog().unified(symbol) == BTC


def test_rules_come_from_the_exchange_filters() -> None:
    assert offline_catalog().rules("BTCUSDT") == MarketRules(
        symbol="BTCUSDT", unified=BTC, step_size=0.001, tick_size=0.1, min_quantity=0.001,
        max_quantity=1000.0, max_market_quantity=120.0, min_notional=100.0,
    )


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [(0.0019, 0.001), (1.23456, 1.234), (0.001, 0.001), (2.0, 2.0)],
)
def test_amounts_are_truncated_to_the_lot_step(quantity: float, expected: float) -> None:
    assert offline_catalog().round_amount("BTCUSDT", quantity) == expected


def test_an_amount_below_one_step_is_an_invalid_order() -> None:
    with pytest.raises(InvalidOrder, match="precision"):
        offline_catalog().round_amount("BTCUSDT", 0.0004)


@pytest.mark.parametrize(
    ("price", "expected"),
    [(90_123.456, 90_123.5), (90_123.44, 90_123.4), (100.0, 100.0)],
)
def test_prices_are_rounded_to_the_tick(price: float, expected: float) -> None:
    assert offline_catalog().round_price(BTC, price) == expected


def test_unknown_symbols_are_invalid_orders() -> None:
    catalog = offline_catalog()

    with pytest.raises(InvalidOrder, match="unknown symbol"):
        catalog.unified("DOGEUSDT")
    with pytest.raises(InvalidOrder, match="unknown symbol"):
        catalog.unified("???")


def test_listed_symbols() -> None:
    assert offline_catalog().symbols() == ["BTCUSDT", "ETHUSDT"]


@pytest.mark.parametrize(
    ("quantity", "price", "kwargs", "message"),
    [
        (0.0005, 90_000.0, {}, "below the minimum 0.001"),
        (0.001, 90_000.0, {}, "notional 90 below the minimum 100"),
        (1_001.0, 90_000.0, {}, "above the maximum 1000"),
        (121.0, 90_000.0, {"market_order": True}, "above the maximum 120"),
        (0.0, 90_000.0, {}, "must be positive"),
        (0.01, -1.0, {}, "must be positive"),
        (0.01, None, {}, "price is needed"),
    ],
)
def test_orders_too_small_or_too_large_are_refused_before_sending(
    quantity: float, price: float | None, kwargs: dict[str, bool], message: str
) -> None:
    with pytest.raises(InvalidOrder, match=message):
        offline_catalog().check_order_size("BTCUSDT", quantity, price, **kwargs)


@pytest.mark.parametrize(
    ("quantity", "price", "kwargs"),
    [
        (0.002, 90_000.0, {}),  # 180 USDT ≥ 100
        (0.001, 90_000.0, {"reduce_only": True}),  # reduce-only: no MIN_NOTIONAL
        (0.001, None, {"reduce_only": True}),
        (121.0, 90_000.0, {}),  # a limit order may exceed MARKET_LOT_SIZE
    ],
)
def test_orders_within_the_filters_pass(
    quantity: float, price: float | None, kwargs: dict[str, bool]
) -> None:
    offline_catalog().check_order_size("BTCUSDT", quantity, price, **kwargs)


def test_loading_is_cached() -> None:
    catalog = offline_catalog()

    catalog.load()
    catalog.load()

    assert catalog.loaded
