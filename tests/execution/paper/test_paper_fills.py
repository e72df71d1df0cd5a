"""Market entries and exits of the paper venue: prices, fees and PnL to the cent."""

from __future__ import annotations

import pytest

from bot.domain import PositionSide
from bot.execution import ExecutionVenue, PaperConfig, PaperExecution

from .helpers import T0, ManualClock, order

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT
CENT = 0.005


@pytest.mark.parametrize(
    ("side", "exit_mark", "entry_price", "exit_price", "entry_fee", "exit_fee", "pnl"),
    [
        # 0.1 BTC, mark 50,000 at entry, 2 bps slippage, 0.05 % taker fee each way.
        (LONG, 51_000.0, 50_010.0, 50_989.8, 2.5005, 2.54949, 92.93),  # long wins
        (LONG, 49_000.0, 50_010.0, 48_990.2, 2.5005, 2.44951, -106.93),  # long loses
        (SHORT, 49_000.0, 49_990.0, 49_009.8, 2.4995, 2.45049, 93.07),  # short wins
        (SHORT, 51_000.0, 49_990.0, 51_010.2, 2.4995, 2.55051, -107.07),  # short loses
    ],
)
def test_round_trip_to_the_cent(
    venue: PaperExecution,
    clock: ManualClock,
    side: PositionSide,
    exit_mark: float,
    entry_price: float,
    exit_price: float,
    entry_fee: float,
    exit_fee: float,
    pnl: float,
) -> None:
    # Arrange
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    stop, target = (48_500.0, 52_000.0) if side is LONG else (51_500.0, 48_000.0)

    # Act
    opened = venue.open_position(order(side, stop=stop, target=target), "e1")
    venue.on_mark_price("BTCUSDT", exit_mark, clock.advance(5))
    closed = venue.close_position("BTCUSDT", "signal", "x1")

    # Assert
    assert opened.entry_price == pytest.approx(entry_price, abs=1e-6)
    assert opened.entry_fee == pytest.approx(entry_fee, abs=1e-9)
    assert closed.exit_price == pytest.approx(exit_price, abs=1e-6)
    assert closed.exit_fee == pytest.approx(exit_fee, abs=1e-9)
    assert closed.pnl == pytest.approx(pnl, abs=CENT)
    assert closed.reason == "signal"
    assert closed.exit_time == clock.now
    assert closed.exit_client_order_id == "x1"
    assert venue.balance() == pytest.approx(10_000.0 + pnl, abs=CENT)
    assert venue.positions() == []
    assert venue.equity() == venue.balance()


@pytest.mark.parametrize(
    ("side", "entry_above_mark", "exit_above_mark"),
    [(LONG, True, False), (SHORT, False, True)],
)
def test_slippage_direction_on_entry_and_exit(
    venue: PaperExecution, side: PositionSide, entry_above_mark: bool, exit_above_mark: bool
) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)

    opened = venue.open_position(order(side), "e1")
    closed = venue.close_position("BTCUSDT", "manual", "x1")

    # A long buys in above the mark and sells out below it; a short the reverse.
    assert (opened.entry_price > 50_000.0) is entry_above_mark
    assert (closed.exit_price > 50_000.0) is exit_above_mark
    # A round trip at an unchanged mark costs 20 USDT of price (× 0.1) plus 5 of fees.
    assert closed.pnl == pytest.approx(-2.0 - 5.0, abs=CENT)


def test_zero_slippage_and_fees_fill_at_the_mark(clock: ManualClock) -> None:
    venue = PaperExecution(PaperConfig(taker_fee_rate=0.0, slippage_bps=0.0), clock)
    venue.on_mark_price("ETHUSDT", 3_000.0, T0)

    opened = venue.open_position(order(LONG, symbol="ETHUSDT", reference=3_000.0), "e1")
    venue.on_mark_price("ETHUSDT", 3_050.0, clock.advance(1))
    closed = venue.close_position("ETHUSDT", "manual", "x1")

    assert (opened.entry_price, opened.entry_fee) == (3_000.0, 0.0)
    assert closed.pnl == pytest.approx(5.0, abs=1e-9)


def test_position_fields_come_from_the_order(venue: PaperExecution, clock: ManualClock) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    clock.advance(2)

    position = venue.open_position(order(SHORT, stop=51_000.0, target=47_000.0), "e1")

    assert position.symbol == "BTCUSDT"
    assert position.side is SHORT
    assert position.quantity == 0.1
    assert (position.stop_price, position.take_profit_price) == (51_000.0, 47_000.0)
    assert position.opened_at == clock.now
    assert position.client_order_id == "e1"
    assert venue.position("BTCUSDT") == position


def test_unified_symbols_are_held_under_the_exchange_id(venue: PaperExecution) -> None:
    venue.on_mark_price("BTC/USDT:USDT", 50_000.0, T0)

    position = venue.open_position(order(LONG, symbol="BTC/USDT:USDT"), "e1")

    assert position.symbol == "BTCUSDT"
    assert venue.position("BTCUSDT") == venue.position("BTC/USDT:USDT") == position
    assert venue.mark_price("btcusdt") == (50_000.0, T0)
    assert venue.close_position("BTC/USDT:USDT", "manual", "x1").position == position


def test_paper_venue_is_an_execution_venue(venue: PaperExecution) -> None:
    port: ExecutionVenue = venue  # mypy checks the structural match

    assert port.mode == "paper"
