"""Orders against the simulator: positions, trigger orders, fetch and cancel by client id."""

from __future__ import annotations

import pytest

from bot.domain import OrderSide, PositionSide
from bot.errors import InsufficientFunds, OrderNotFound
from bot.exchange import BinanceGateway, OrderStatus
from bot.sim import SimExchange


def open_long(gateway: BinanceGateway, quantity: float = 0.01, cid: str = "entry-1") -> None:
    gateway.set_leverage("BTCUSDT", 10)
    gateway.set_margin_mode("BTCUSDT", "isolated")
    gateway.create_market_order("BTCUSDT", OrderSide.BUY, quantity, cid)


def test_a_market_order_fills_and_shows_as_a_position(gateway: BinanceGateway) -> None:
    # Arrange
    gateway.set_leverage("BTCUSDT", 10)
    gateway.set_margin_mode("BTCUSDT", "isolated")
    gateway.set_margin_mode("BTCUSDT", "isolated")  # -4046 "no need to change": success

    # Act
    order = gateway.create_market_order("BTC/USDT:USDT", OrderSide.BUY, 0.0109, "entry-1")
    positions = gateway.fetch_positions(["BTCUSDT"])
    balance = gateway.fetch_balance()

    # Assert
    assert (order.symbol, order.status, order.quantity, order.filled) == (
        "BTCUSDT", OrderStatus.CLOSED, 0.01, 0.01)  # 0.0109 truncated to the 0.001 step
    assert order.client_order_id == "entry-1"
    [position] = positions
    assert (position.symbol, position.side, position.quantity) == (
        "BTCUSDT", PositionSide.LONG, 0.01)
    assert position.entry_price == pytest.approx(order.average_price)
    assert position.margin_mode == "isolated"
    assert position.liquidation_price is not None
    assert position.liquidation_price < 90_000 * 1.1
    assert balance.used > 0
    assert gateway.fetch_positions(["ETHUSDT"]) == []


def test_stop_and_take_profit_are_trigger_orders_on_the_mark_price(
    sim: SimExchange, gateway: BinanceGateway
) -> None:
    # Arrange
    open_long(gateway)
    mark = gateway.fetch_mark_price("BTCUSDT").price

    # Act
    stop = gateway.create_stop_order("BTCUSDT", OrderSide.SELL, mark * 0.95, "sl-1",
                                     kind="stop", close_position=True)
    target = gateway.create_stop_order("BTCUSDT", OrderSide.SELL, mark * 1.05, "tp-1",
                                       kind="take_profit", close_position=False, quantity=0.01)

    # Assert: both wait as algo orders, none as a regular order
    assert (stop.type, stop.trigger, stop.status) == ("stop_market", True, OrderStatus.OPEN)
    assert (target.type, target.trigger) == ("take_profit_market", True)
    assert stop.trigger_price == gateway.catalog.round_price("BTCUSDT", mark * 0.95)
    waiting = {o.client_order_id: o for o in gateway.fetch_open_orders("BTCUSDT", trigger=True)}
    assert set(waiting) == {"sl-1", "tp-1"}
    assert gateway.fetch_open_orders("BTCUSDT") == []
    algos = {a.client_algo_id: a for a in sim.rest.engine.open_algos("BTCUSDT")}
    assert algos["sl-1"].working_type == "MARK_PRICE"
    assert algos["sl-1"].close_position is True
    assert (algos["tp-1"].reduce_only, algos["tp-1"].working_type) == (True, "MARK_PRICE")


def test_fetch_and_cancel_a_limit_order_by_client_id(gateway: BinanceGateway) -> None:
    # Arrange: a bid far below the market rests
    placed = gateway.create_limit_order("BTCUSDT", OrderSide.BUY, 0.01, 80_000.04, "bid-1")

    # Act
    fetched = gateway.fetch_order("BTCUSDT", "bid-1")
    cancelled = gateway.cancel_order("BTCUSDT", "bid-1")
    after = gateway.fetch_order("BTCUSDT", "bid-1")

    # Assert
    assert (placed.status, placed.price) == (OrderStatus.OPEN, 80_000.0)
    assert fetched is not None
    assert fetched.id == placed.id
    assert fetched.is_open
    assert cancelled.order is not None
    assert cancelled.order.status is OrderStatus.CANCELED
    assert (cancelled.client_order_id, cancelled.order_id) == ("bid-1", placed.id)
    assert after is None or after.status is OrderStatus.CANCELED
    with pytest.raises(OrderNotFound):
        gateway.cancel_order("BTCUSDT", "bid-1")


def test_fetch_and_cancel_a_trigger_order_by_client_id(gateway: BinanceGateway) -> None:
    # Arrange
    open_long(gateway)
    placed = gateway.create_stop_order("BTCUSDT", OrderSide.SELL, 80_000.0, "sl-2",
                                       kind="stop", close_position=True)

    # Act
    fetched = gateway.fetch_order("BTCUSDT", "sl-2", trigger=True)
    as_regular = gateway.fetch_order("BTCUSDT", "sl-2")
    cancelled = gateway.cancel_order("BTCUSDT", "sl-2", trigger=True)

    # Assert
    assert fetched is not None
    assert fetched.id == placed.id
    assert fetched.trigger
    assert as_regular is None  # a clientAlgoId is not a clientOrderId
    assert (cancelled.trigger, cancelled.order_id) == (True, placed.id)
    assert gateway.fetch_open_orders("BTCUSDT", trigger=True) == []
    with pytest.raises(OrderNotFound):
        gateway.cancel_order("BTCUSDT", "sl-2", trigger=True)


def test_unknown_client_ids_read_as_none(gateway: BinanceGateway) -> None:
    assert gateway.fetch_order("BTCUSDT", "never-sent") is None
    assert gateway.fetch_order("BTCUSDT", "never-sent", trigger=True) is None


def test_margin_shortfall_is_insufficient_funds_on_the_simulators_host(
    sim: SimExchange, gateway: BinanceGateway
) -> None:
    # -2019 maps only because build_ccxt restored ccxt's USDⓈ-M codes for this host.
    gateway.set_leverage("BTCUSDT", 2)

    with pytest.raises(InsufficientFunds, match="-2019"):
        gateway.create_market_order("BTCUSDT", OrderSide.BUY, 1.0, "too-big-1")

    assert gateway.fetch_positions() == []
