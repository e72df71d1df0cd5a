"""Stops and targets of the paper venue, triggered by mark-price updates."""

from __future__ import annotations

import pytest

from bot.domain import PositionSide
from bot.execution import PaperExecution

from .helpers import T0, ManualClock, order

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT

# Long: stop 48,500, target 52,000. Short: stop 51,500, target 48,000. Mark at entry 50,000.
LEVELS = {LONG: (48_500.0, 52_000.0), SHORT: (51_500.0, 48_000.0)}


def _opened(venue: PaperExecution, side: PositionSide) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    stop, target = LEVELS[side]
    venue.open_position(order(side, stop=stop, target=target), "e1")


@pytest.mark.parametrize(
    ("side", "mark", "reason", "exit_price"),
    [
        # Touching the level exactly triggers; the fill is the level, slipped against you.
        (LONG, 48_500.0, "stop_loss", 48_490.3),
        (LONG, 52_000.0, "take_profit", 51_989.6),
        (SHORT, 51_500.0, "stop_loss", 51_510.3),
        (SHORT, 48_000.0, "take_profit", 48_009.6),
        # Gapped through a stop: the fill is the worse mark, slipped.
        (LONG, 47_000.0, "stop_loss", 46_990.6),
        (SHORT, 52_000.0, "stop_loss", 52_010.4),
        # Gapped through a target: the level is credited, not the better mark.
        (LONG, 53_000.0, "take_profit", 51_989.6),
        (SHORT, 47_000.0, "take_profit", 48_009.6),
    ],
)
def test_mark_update_closes_at_stop_or_target(
    venue: PaperExecution,
    clock: ManualClock,
    side: PositionSide,
    mark: float,
    reason: str,
    exit_price: float,
) -> None:
    # Arrange
    _opened(venue, side)
    at = clock.advance(30)

    # Act
    closed = venue.on_mark_price("BTCUSDT", mark, at)

    # Assert
    assert len(closed) == 1
    result = closed[0]
    assert result.reason == reason
    assert result.exit_price == pytest.approx(exit_price, abs=1e-6)
    assert result.exit_time == at
    assert result.exit_client_order_id == ("e1-sl" if reason == "stop_loss" else "e1-tp")
    assert result.exit_fee == pytest.approx(exit_price * 0.1 * 0.0005, abs=1e-9)
    assert venue.position("BTCUSDT") is None
    assert venue.balance() == pytest.approx(10_000.0 + result.pnl, abs=0.005)
    assert venue.find_by_client_order_id(result.exit_client_order_id) == result


@pytest.mark.parametrize(
    ("side", "marks"),
    [
        (LONG, [48_500.01, 51_999.99, 50_000.0]),
        (SHORT, [51_499.99, 48_000.01, 50_000.0]),
    ],
)
def test_marks_short_of_the_levels_leave_the_position_open(
    venue: PaperExecution, clock: ManualClock, side: PositionSide, marks: list[float]
) -> None:
    _opened(venue, side)

    results = [venue.on_mark_price("BTCUSDT", mark, clock.advance(1)) for mark in marks]

    assert results == [[], [], []]
    assert venue.position("BTCUSDT") is not None


def test_stop_loss_pnl_to_the_cent(venue: PaperExecution, clock: ManualClock) -> None:
    _opened(venue, LONG)  # bought at 50,010, entry fee 2.5005

    (closed,) = venue.on_mark_price("BTCUSDT", 48_500.0, clock.advance(1))

    # Sold at 48,490.30: gross (48,490.3 − 50,010) × 0.1 = −151.97; exit fee 2.424515.
    assert closed.gross_pnl == pytest.approx(-151.97, abs=1e-6)
    assert closed.pnl == pytest.approx(-151.97 - 2.5005 - 2.424515, abs=1e-6)
    assert venue.balance() == pytest.approx(10_000.0 - 156.895015, abs=1e-6)


def test_a_closed_position_is_not_triggered_again(
    venue: PaperExecution, clock: ManualClock
) -> None:
    _opened(venue, LONG)
    venue.on_mark_price("BTCUSDT", 48_000.0, clock.advance(1))
    balance = venue.balance()

    again = venue.on_mark_price("BTCUSDT", 47_000.0, clock.advance(1))

    assert again == []
    assert venue.balance() == balance
    assert len(venue.closed_positions()) == 1


def test_marks_on_other_symbols_do_not_touch_the_position(
    venue: PaperExecution, clock: ManualClock
) -> None:
    _opened(venue, LONG)

    assert venue.on_mark_price("ETHUSDT", 1.0, clock.advance(1)) == []
    assert venue.position("BTCUSDT") is not None


def test_a_late_mark_is_ignored(venue: PaperExecution, clock: ManualClock) -> None:
    _opened(venue, LONG)
    venue.on_mark_price("BTCUSDT", 50_100.0, clock.advance(5))

    # A frame older than the held mark must neither move the mark back nor trigger.
    closed = venue.on_mark_price("BTCUSDT", 40_000.0, T0)

    assert closed == []
    assert venue.mark_price("BTCUSDT") == (50_100.0, clock.now)
    assert venue.position("BTCUSDT") is not None
