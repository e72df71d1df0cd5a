"""The pure synthetic market: determinism, liquidation rules, throttle, liveliness."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.domain import to_epoch_ms
from bot.sim import ForceOrder, LiquidationThrottle, MarketConfig, MarketUpdate, SimMarket
from bot.sim.book import Position, PositionBook
from bot.sim.events import round_to_step

START = datetime(2026, 5, 4, 12, 0, 0, 400_000, tzinfo=UTC)
TICK = timedelta(milliseconds=100)
QUIET = MarketConfig(volatility_scale=0, jumps_per_hour=0, positions_per_second=0)


def run(market: SimMarket, steps: int, start: datetime = START) -> list[MarketUpdate]:
    return [market.step(start + index * TICK) for index in range(steps)]


def test_same_seed_same_events_different_seed_different_events() -> None:
    first = run(SimMarket(MarketConfig(), rng=random.Random(42)), 300)
    second = run(SimMarket(MarketConfig(), rng=random.Random(42)), 300)
    other = run(SimMarket(MarketConfig(), rng=random.Random(43)), 300)

    assert first == second
    assert sum(len(u.liquidations) for u in first) > 0
    assert first != other


def test_defaults_are_lively_over_two_minutes() -> None:
    market = SimMarket(MarketConfig(), rng=random.Random(0))
    start_prices = market.prices()

    updates = run(market, 1_201)  # two minutes of 100 ms ticks

    counts = {symbol: 0 for symbol in market.symbols}
    for update in updates:
        for order in update.liquidations:
            counts[order.symbol] += 1
    assert market.symbols == ("BTCUSDT", "ETHUSDT", "SOLUSDT")
    assert all(count >= 24 for count in counts.values()), counts  # dozens per symbol
    moves = [abs(market.price(s) / start_prices[s] - 1) for s in market.symbols]
    assert max(moves) >= 0.01
    assert all(move < 0.25 for move in moves)


def test_at_most_one_liquidation_per_symbol_per_second() -> None:
    updates = run(SimMarket(MarketConfig(), rng=random.Random(5)), 600)

    windows = [
        (order.symbol, order.trade_time_ms // 1000) for u in updates for order in u.liquidations
    ]
    assert len(windows) == len(set(windows))
    assert sum(u.raw_liquidations for u in updates) > len(windows)  # cascades were cut


def test_marks_and_liquidations_come_from_one_price_path() -> None:
    market = SimMarket(MarketConfig(), rng=random.Random(9))
    price_at: dict[tuple[str, int], float] = {}

    for index in range(600):
        update = market.step(START + index * TICK)
        for mark in update.mark_prices:
            price = market.price(mark.symbol)
            price_at[(mark.symbol, update.event_time_ms)] = price
            tick = market.spec(mark.symbol).tick_size
            assert mark.mark_price == round_to_step(price, tick)
            assert mark.event_time_ms == update.event_time_ms
        for order in update.liquidations:
            # The fill is the path's price when it happened, never worse than bankruptcy.
            path_price = price_at[(order.symbol, order.trade_time_ms)]
            tick = market.spec(order.symbol).tick_size
            best = max if order.side == "SELL" else min
            assert order.average_price == round_to_step(best(path_price, float(order.price)), tick)
            assert order.trade_time_ms < update.event_time_ms


def test_falling_price_liquidates_longs_rising_price_shorts() -> None:
    market = SimMarket(QUIET, rng=random.Random(1))
    base = market.price("BTCUSDT")

    market.set_price("BTCUSDT", base * 0.95)
    crash = market.step(START)
    fell = market.step(START + timedelta(seconds=1))
    market.set_price("BTCUSDT", base * 1.05)
    market.step(START + timedelta(seconds=2))
    rose = market.step(START + timedelta(seconds=3))

    assert [o.side for o in fell.liquidations if o.symbol == "BTCUSDT"] == ["SELL"]
    assert [o.side for o in rose.liquidations if o.symbol == "BTCUSDT"] == ["BUY"]
    assert crash.raw_liquidations > 10  # the longs within 5 % all went at once


def test_quiet_market_produces_no_liquidations() -> None:
    updates = run(SimMarket(QUIET, rng=random.Random(3)), 100)

    assert all(u.raw_liquidations == 0 for u in updates)
    assert {m.mark_price for u in updates for m in u.mark_prices if m.symbol == "BTCUSDT"} == {
        Decimal("90000.00000000")
    }


def test_injected_liquidations_are_throttled_to_the_latest() -> None:
    market = SimMarket(QUIET, rng=random.Random(3))
    first = ForceOrder.filled("BTCUSDT", "SELL", 89_000, 1, to_epoch_ms(START))
    second = ForceOrder.filled("BTCUSDT", "BUY", 91_000, 2, to_epoch_ms(START) + 300)

    market.inject(first)
    market.inject(second)
    same_window = market.step(START)
    next_window = market.step(START + timedelta(milliseconds=600))

    assert same_window.liquidations == ()
    assert next_window.liquidations == (second,)
    assert next_window.event_time_ms == to_epoch_ms(START) + 600


def test_throttle_windows() -> None:
    throttle = LiquidationThrottle(1_000)
    orders = [ForceOrder.filled(s, "SELL", p, 1, 0) for s, p in (("A", 1), ("A", 2), ("B", 3))]

    throttle.offer(orders[0], 5_100)
    throttle.offer(orders[1], 5_900)
    throttle.offer(orders[2], 5_999)
    assert throttle.flush(5_999) == ()
    assert throttle.flush(6_000) == (orders[1], orders[2])
    throttle.offer(orders[0], 6_500)
    throttle.offer(orders[1], 7_200)  # A's 6 s window ended before anyone flushed it
    assert throttle.flush(8_000) == (orders[0], orders[1])
    assert throttle.flush(9_000) == ()


def test_position_liquidation_prices() -> None:
    long = Position.open("long", 100.0, 50, Decimal(1), maintenance_margin=0.004)
    short = Position.open("short", 100.0, 10, Decimal(1), maintenance_margin=0.004)

    assert long.liquidation_price == pytest.approx(98.4)
    assert long.bankruptcy_price == pytest.approx(98.0)
    assert short.liquidation_price == pytest.approx(109.6)
    assert short.bankruptcy_price == pytest.approx(110.0)


def test_book_liquidates_reached_positions_and_caps_each_side() -> None:
    book = PositionBook(max_per_side=2)
    for leverage in (10, 50, 100):
        book.add(Position.open("long", 100.0, leverage, Decimal(1), 0.004))

    assert len(book) == 2  # the 10x long, farthest from liquidation, was dropped
    assert book.liquidate(99.5) == []
    hit = book.liquidate(98.0)
    assert [p.leverage for p in hit] == [100, 50]
    assert len(book) == 0


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="pair up"):
        MarketConfig(leverage_levels=(10, 20), leverage_weights=(1.0,))
    with pytest.raises(ValueError, match="maintenance_margin"):
        MarketConfig(maintenance_margin=0.01)
