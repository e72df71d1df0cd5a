"""Order checks of the paper venue: refusals, idempotent ids, marks, threads."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from bot.domain import ClosedPosition, PositionSide
from bot.errors import InvalidOrder, TemporaryExchangeError
from bot.execution import MarkPriceUnavailable, NoOpenPosition, PaperConfig, PaperExecution

from .helpers import T0, ManualClock, order

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT


def test_missing_mark_is_refused(venue: PaperExecution) -> None:
    with pytest.raises(MarkPriceUnavailable, match="no mark price"):
        venue.open_position(order(LONG), "e1")


def test_stale_mark_is_refused_for_entries_and_exits(
    venue: PaperExecution, clock: ManualClock
) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    venue.on_mark_price("ETHUSDT", 3_000.0, T0)
    clock.advance(10.0)  # exactly the limit: still fresh
    venue.open_position(order(LONG), "e1")
    clock.advance(0.001)

    with pytest.raises(MarkPriceUnavailable, match="old") as refused:
        venue.close_position("BTCUSDT", "manual", "x1")

    assert isinstance(refused.value, TemporaryExchangeError)  # retry once a mark arrives
    with pytest.raises(MarkPriceUnavailable):
        venue.open_position(order(LONG, symbol="ETHUSDT", reference=3_000.0), "e2")


def test_closing_without_a_position_is_a_clear_error(venue: PaperExecution) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)

    with pytest.raises(NoOpenPosition, match="BTCUSDT: no open position") as refused:
        venue.close_position("BTCUSDT", "manual", "x1")

    assert isinstance(refused.value, InvalidOrder)


def test_one_position_per_symbol(venue: PaperExecution) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    venue.open_position(order(LONG), "e1")

    with pytest.raises(InvalidOrder, match="already open"):
        venue.open_position(order(SHORT), "e2")


@pytest.mark.parametrize(
    ("side", "quantity", "leverage", "stop", "target", "message"),
    [
        (LONG, 0.0, 5.0, None, None, "quantity"),
        (LONG, -0.1, 5.0, None, None, "quantity"),
        (LONG, float("nan"), 5.0, None, None, "quantity"),
        (LONG, 0.1, 0.5, None, None, "leverage"),
        (LONG, 0.1, float("inf"), None, None, "leverage"),
        (LONG, 0.1, 5.0, 50_000.0, None, "stop < mark"),  # the stop is already reached
        (LONG, 0.1, 5.0, None, 49_000.0, "stop < mark"),  # the target is below the mark
        (SHORT, 0.1, 5.0, 49_000.0, None, "take profit < mark"),
        (SHORT, 0.1, 5.0, None, 50_000.0, "take profit < mark"),
        (SHORT, 0.1, 5.0, None, -1.0, "take profit < mark"),
    ],
)
def test_malformed_orders_are_invalid(
    venue: PaperExecution,
    side: PositionSide,
    quantity: float,
    leverage: float,
    stop: float | None,
    target: float | None,
    message: str,
) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    bad = order(side, quantity=quantity, leverage=leverage, stop=stop, target=target)

    with pytest.raises(InvalidOrder, match=message):
        venue.open_position(bad, "e1")

    assert venue.balance() == 10_000.0
    assert venue.positions() == []


def test_retried_entry_returns_the_same_position(venue: PaperExecution) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    first = venue.open_position(order(LONG), "e1")

    retried = venue.open_position(order(LONG), "e1")

    assert retried == first
    assert venue.positions() == [first]
    assert venue.open_position_count() == 1  # the retry opened nothing more
    assert venue.balance() == pytest.approx(10_000.0 - first.entry_fee, abs=1e-9)
    assert venue.find_by_client_order_id("e1") == first


def test_retried_entry_after_the_close_does_not_reopen(
    venue: PaperExecution, clock: ManualClock
) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    first = venue.open_position(order(LONG), "e1")
    (closed,) = venue.on_mark_price("BTCUSDT", 40_000.0, clock.advance(1))
    venue.on_mark_price("BTCUSDT", 50_000.0, clock.advance(1))

    retried = venue.open_position(order(LONG), "e1")

    assert retried == first
    assert venue.positions() == []
    assert venue.open_position_count() == 0
    assert venue.find_by_client_order_id("e1") == closed


def test_retried_exit_returns_the_same_result(venue: PaperExecution) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    venue.open_position(order(LONG), "e1")
    closed = venue.close_position("BTCUSDT", "manual", "x1")
    balance = venue.balance()

    retried = venue.close_position("BTCUSDT", "manual", "x1")

    assert retried == closed
    assert venue.balance() == balance
    found = venue.find_by_client_order_id("x1")
    assert isinstance(found, ClosedPosition)
    assert found == closed


@pytest.mark.parametrize("reused", ["e1", "x1"])
def test_an_id_reused_for_another_order_is_invalid(venue: PaperExecution, reused: str) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    venue.on_mark_price("ETHUSDT", 3_000.0, T0)
    venue.open_position(order(LONG), "e1")
    venue.close_position("BTCUSDT", "manual", "x1")

    with pytest.raises(InvalidOrder, match="already used"):
        venue.open_position(order(LONG, symbol="ETHUSDT", reference=3_000.0), reused)
    venue.open_position(order(LONG), "e2")
    with pytest.raises(InvalidOrder, match="already used"):
        venue.close_position("BTCUSDT", "manual", "e1")
    assert venue.find_by_client_order_id("unknown") is None


@pytest.mark.parametrize(
    ("price", "at"),
    [
        (0.0, T0),
        (-1.0, T0),
        (float("nan"), T0),
        (50_000.0, datetime(2025, 1, 15, 12)),  # noqa: DTZ001 - the naive time under test
    ],
)
def test_bad_marks_are_refused(venue: PaperExecution, price: float, at: datetime) -> None:
    with pytest.raises(ValueError, match="mark"):
        venue.on_mark_price("BTCUSDT", price, at)


def test_a_naive_clock_is_refused() -> None:
    naive = datetime(2025, 1, 15, 12)  # noqa: DTZ001 - the naive time under test
    venue = PaperExecution(PaperConfig(), lambda: naive)
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)

    with pytest.raises(ValueError, match="clock time"):
        venue.open_position(order(LONG), "e1")


def test_concurrent_opens_on_one_symbol_fill_once(venue: PaperExecution) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def attempt(n: int) -> None:
        start.wait()
        try:
            venue.open_position(order(LONG), f"e{n}")
            outcomes.append("filled")
        except InvalidOrder:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)

    assert sorted(outcomes) == ["filled"] + ["refused"] * 7
    assert len(venue.positions()) == 1
