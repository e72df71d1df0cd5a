"""Order requests (the exact ccxt params) and creation's never-resend rule, offline."""

from __future__ import annotations

from typing import Any

import ccxt
import pytest

from bot import errors
from bot.domain import OrderSide
from bot.exchange import (
    BinanceGateway,
    LookupPolicy,
    MarketCatalog,
    OrderStatus,
    check_client_order_id,
)
from bot.exchange.orders import limit_request, market_request, stop_request
from tests.exchange.helpers import (
    BTC,
    ManualClock,
    RecordingSleep,
    ScriptedBinance,
    ccxt_order,
    offline_exchange,
    retrier,
)

CID = "bot-entry-0001"


def binance_request(exchange: Any, request: Any) -> dict[str, Any]:
    """The Binance request ccxt builds for ``request`` (no network)."""
    algo = exchange.is_conditional_order(request.params)
    params = {**request.params, "isAlgoOrder": algo}
    built: dict[str, Any] = exchange.create_order_request(
        request.unified_symbol, request.type, request.side.value, request.amount,
        request.price, params,
    )
    return {**built, "_algo": algo}


@pytest.mark.parametrize(("kind", "binance_type"),
                         [("stop", "STOP_MARKET"), ("take_profit", "TAKE_PROFIT_MARKET")])
def test_stops_go_to_the_algo_endpoint_as_mark_price_triggered_market_orders(
    kind: str, binance_type: str
) -> None:
    # Arrange
    request = stop_request(BTC, OrderSide.SELL, 85_000.0, CID, kind=kind,  # type: ignore[arg-type]
                           close_position=True, quantity=None)

    # Act
    sent = binance_request(offline_exchange(), request)

    # Assert
    assert sent["_algo"] is True
    assert sent["type"] == binance_type
    assert sent["triggerPrice"] == "85000"
    assert sent["workingType"] == "MARK_PRICE"
    assert sent["clientAlgoId"] == CID
    assert sent["closePosition"] is True
    assert "quantity" not in sent
    assert "reduceOnly" not in sent


def test_a_stop_with_a_quantity_is_reduce_only() -> None:
    request = stop_request(BTC, OrderSide.BUY, 95_000.0, CID, kind="stop",
                           close_position=False, quantity=0.01)

    sent = binance_request(offline_exchange(), request)

    assert (sent["type"], sent["quantity"], sent["reduceOnly"]) == ("STOP_MARKET", "0.01", True)
    assert "closePosition" not in sent


@pytest.mark.parametrize(("close_position", "quantity"), [(True, 0.01), (False, None)])
def test_a_stop_takes_close_position_or_a_quantity(
    close_position: bool, quantity: float | None
) -> None:
    with pytest.raises(errors.InvalidOrder, match="either"):
        stop_request(BTC, OrderSide.SELL, 1.0, CID, kind="stop",
                     close_position=close_position, quantity=quantity)


def test_market_and_limit_orders_go_to_the_order_endpoint() -> None:
    exchange = offline_exchange()

    market = binance_request(
        exchange, market_request(BTC, OrderSide.BUY, 0.01, CID, reduce_only=True)
    )
    limit = binance_request(exchange, limit_request(
        BTC, OrderSide.SELL, 0.01, 91_000.0, CID, reduce_only=False, time_in_force="GTC"
    ))

    assert market["_algo"] is False
    assert (market["type"], market["newClientOrderId"], market["reduceOnly"]) == (
        "MARKET", CID, True)
    assert (limit["type"], limit["price"], limit["timeInForce"]) == ("LIMIT", "91000", "GTC")


@pytest.mark.parametrize("cid", ["", "x" * 37, "has space", "ümlaut", "semi;colon"])
def test_bad_client_order_ids_are_refused(cid: str) -> None:
    with pytest.raises(errors.InvalidOrder, match="client order id"):
        check_client_order_id(cid)


@pytest.mark.parametrize("cid", ["a", "x" * 36, "bot.entry:BTC/1_2-3", "ABCxyz0189"])
def test_good_client_order_ids_pass(cid: str) -> None:
    assert check_client_order_id(cid) == cid


# -- creation against a scripted ccxt ----------------------------------------------------


def gateway(exchange: ScriptedBinance, sleep: RecordingSleep,
            attempts: int = 3) -> BinanceGateway:
    r = retrier(sleep)
    return BinanceGateway(exchange, MarketCatalog(exchange, r), r, ManualClock(),
                          lookup=LookupPolicy(attempts=attempts, delay_seconds=0.25))


def buy(g: BinanceGateway) -> Any:
    return g.create_market_order("BTCUSDT", OrderSide.BUY, 0.0123, CID, reference_price=90_000.0)


def test_a_created_order_comes_back_typed() -> None:
    # Arrange
    exchange = ScriptedBinance()
    exchange.creates = [ccxt_order(CID, amount=0.012)]

    # Act
    order = buy(gateway(exchange, RecordingSleep()))

    # Assert
    assert (order.symbol, order.side, order.type, order.status) == (
        "BTCUSDT", OrderSide.BUY, "market", OrderStatus.CLOSED)
    assert (order.client_order_id, order.quantity, order.average_price) == (CID, 0.012, 90_000.0)
    assert order.timestamp is not None
    assert order.timestamp.tzinfo is not None
    symbol, kind, side, amount, _, params = exchange.create_calls[0]
    assert (symbol, kind, side, amount, params) == (BTC, "market", "buy", 0.012,
                                                    {"clientOrderId": CID})


@pytest.mark.parametrize(
    "failure",
    [ccxt.RequestTimeout("timeout"), ccxt.ExchangeNotAvailable("503"),
     ccxt.NetworkError("connection reset"), ccxt.OperationFailed('{"code":-1006}')],
    ids=lambda e: type(e).__name__,
)
def test_an_unclear_create_is_resolved_by_lookup_not_by_resending(failure: Exception) -> None:
    # Arrange: the order exists but reads as "does not exist" twice first
    exchange = ScriptedBinance()
    sleep = RecordingSleep()
    exchange.creates = [failure]
    exchange.lookups = [ccxt.OrderNotFound("-2013"), ccxt.OrderNotFound("-2013"),
                        ccxt_order(CID)]

    # Act
    order = buy(gateway(exchange, sleep))

    # Assert
    assert order.client_order_id == CID
    assert len(exchange.create_calls) == 1
    assert exchange.lookup_calls == [{"clientOrderId": CID}] * 3
    assert sleep.waits == [0.25] * 3


def test_an_unclear_create_that_lookups_cannot_settle_is_an_unknown_outcome() -> None:
    # Arrange
    exchange = ScriptedBinance()
    exchange.creates = [ccxt.RequestTimeout("timeout")]
    exchange.lookups = [ccxt.OrderNotFound("-2013"), ccxt.NetworkError("down"),
                        ccxt.OrderNotFound("-2013")]

    # Act
    with pytest.raises(errors.UnknownOrderOutcome, match=CID) as caught:
        buy(gateway(exchange, RecordingSleep(), attempts=3))

    # Assert
    assert isinstance(caught.value.__cause__, errors.TemporaryExchangeError)
    assert len(exchange.create_calls) == 1
    assert len(exchange.lookup_calls) == 3


def test_a_trigger_order_is_looked_up_among_trigger_orders() -> None:
    exchange = ScriptedBinance()
    exchange.creates = [ccxt.RequestTimeout("timeout")]
    exchange.lookups = [ccxt_order(CID, side="sell", status="open", binance_type="STOP_MARKET",
                                   trigger_price=85_000.0)]

    order = gateway(exchange, RecordingSleep()).create_stop_order(
        "BTCUSDT", OrderSide.SELL, 85_000.04, CID, kind="stop", close_position=True)

    assert (order.type, order.trigger, order.trigger_price) == ("stop_market", True, 85_000.0)
    assert exchange.lookup_calls == [{"clientOrderId": CID, "trigger": True}]
    assert exchange.create_calls[0][5]["stopLossPrice"] == 85_000.0  # rounded to the tick


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (ccxt.RateLimitExceeded("-1003"), errors.RateLimited),
        (ccxt.DDoSProtection("binanceusdm 418 I'm a teapot"), errors.IpBanned),
        (ccxt.InsufficientFunds("-2019"), errors.InsufficientFunds),
        (ccxt.InvalidOrder("-4164"), errors.InvalidOrder),
        (ccxt.AuthenticationError("-2015"), errors.AuthenticationFailed),
        (ccxt.InvalidNonce("-1021"), errors.ClockSkew),
    ],
    ids=lambda v: getattr(v, "__name__", type(v).__name__),
)
def test_definite_refusals_are_raised_without_lookup_or_resend(
    failure: Exception, expected: type[Exception]
) -> None:
    exchange = ScriptedBinance()
    exchange.creates = [failure]

    with pytest.raises(expected):
        buy(gateway(exchange, RecordingSleep()))

    assert len(exchange.create_calls) == 1
    assert exchange.lookup_calls == []


def test_clock_skew_on_create_resyncs_the_clock_for_the_callers_next_try() -> None:
    exchange = ScriptedBinance()
    exchange.creates = [ccxt.InvalidNonce("-1021")]

    with pytest.raises(errors.ClockSkew):
        buy(gateway(exchange, RecordingSleep()))

    assert exchange.clock_syncs == 1


def test_nothing_is_sent_for_a_bad_client_id_or_a_too_small_order() -> None:
    exchange = ScriptedBinance()
    g = gateway(exchange, RecordingSleep())

    with pytest.raises(errors.InvalidOrder, match="client order id"):
        g.create_market_order("BTCUSDT", OrderSide.BUY, 0.01, "bad id!", reference_price=1e5)
    with pytest.raises(errors.InvalidOrder, match="notional"):
        g.create_market_order("BTCUSDT", OrderSide.BUY, 0.001, CID, reference_price=90_000.0)

    assert exchange.create_calls == []
