"""Live entries and stream news against the simulator: nothing waits for a resting entry.

A limit entry waits for its fill off the venue's lock (marks, polls and the position view go
on), and a user-data event that says a position is flat updates the view at once, before the
REST reconcile books the closure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from bot.app.live import LiveJournal
from bot.app.trade_log import TradeLog
from bot.domain import OrderSide, SizedOrder
from bot.errors import InvalidOrder
from bot.exchange import BinanceGateway
from bot.execution.live.user_stream.events import AccountUpdate
from bot.execution.live.venue import LiveExecution
from bot.journal import OrderStatus, TradeMode
from bot.sim import SimExchange
from tests.execution.live.helpers import PRICE, SYMBOL, entry_id, make_venue, sized, utc_now


def _finishes(job: Callable[[], object]) -> bool:
    """Whether ``job`` returns within 5 s (on a thread, so a block fails the test, not hangs)."""
    thread = threading.Thread(target=job, daemon=True)
    thread.start()
    thread.join(timeout=5)
    return not thread.is_alive()


def test_a_resting_limit_entry_holds_up_no_mark_poll_or_view(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: a limit entry the mark never reaches, waiting on a thread
    venue = make_venue(gateway, journal, limit_timeout=3.0)
    order = sized()
    cid = entry_id(order)
    TradeLog(journal, TradeMode.LIVE, utc_now).entry_requested(order.intent, order.quantity, cid)
    outcome: list[BaseException] = []

    def enter() -> None:
        try:
            venue.open_position(order, cid)
        except InvalidOrder as exc:
            outcome.append(exc)

    entering = threading.Thread(target=enter)
    entering.start()
    while not gateway.fetch_open_orders(SYMBOL):
        pass  # the order rests on the book

    # Act: the other work of the venue meanwhile
    jobs_ran = all(_finishes(job) for job in (
        lambda: venue.on_mark_price(SYMBOL, PRICE, utc_now()), venue.poll, venue.positions))
    still_waiting = entering.is_alive()
    entering.join(timeout=10)

    # Assert: the polls left the resting entry to its own follow-up, which cancelled it
    assert jobs_ran
    assert still_waiting
    assert len(outcome) == 1
    assert "not filled within 3 s; cancelled" in str(outcome[0])
    row = journal.find_order(cid)
    assert row is not None
    assert row.status == OrderStatus.CANCELED
    assert venue.positions() == []
    assert gateway.fetch_open_orders(SYMBOL) == []


def test_a_flat_position_on_the_stream_leaves_the_view_before_any_reconcile(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: a position the venue holds, closed by hand on the exchange
    venue, order = _holding(gateway, journal)
    held_before = venue.position(SYMBOL) is not None
    gateway.create_market_order(SYMBOL, OrderSide.SELL, order.quantity, "by-hand-1",
                                reduce_only=True)

    # Act: the view answers at once, even while the venue's lock is taken (as a slow REST
    # poll takes it); the reconcile then books the closure from the exchange's fills
    with venue._lock:  # what a poll under way would hold
        venue.on_user_event(AccountUpdate("ORDER", ((SYMBOL, 0.0),), 1))
        flat_at_once = venue.position(SYMBOL) is None and venue.positions() == []
    deadline = time.monotonic() + 10
    while journal.open_trades(mode=TradeMode.LIVE) and time.monotonic() < deadline:
        time.sleep(0.02)

    # Assert
    assert held_before
    assert flat_at_once
    assert journal.open_trades(mode=TradeMode.LIVE) == []
    assert venue.position(SYMBOL) is None


def test_a_stopped_venue_leaves_no_reconcile_behind(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: a background reconcile under way (stream news), held up by the venue's lock
    venue, _order = _holding(gateway, journal)
    with venue._lock:
        venue.on_user_event(AccountUpdate("ORDER", ((SYMBOL, 0.0),), 1))
        running = venue._soon_thread

    # Act: the bot stops (before its HTTP session closes), then more news comes
    venue.stop(timeout=10)
    venue.on_user_event(AccountUpdate("ORDER", ((SYMBOL, 0.0),), 2))

    # Assert: the one under way ended, and none started after the stop
    assert running is not None
    assert not running.is_alive()
    assert venue._soon_thread is running


@pytest.mark.parametrize("amount", [0.01, 0.02])
def test_the_stream_never_hides_a_position_it_reports_open(
    gateway: BinanceGateway, journal: LiveJournal, amount: float
) -> None:
    venue, _order = _holding(gateway, journal)

    venue.on_user_event(AccountUpdate("ORDER", ((SYMBOL, amount),), 1))

    assert venue.position(SYMBOL) is not None


def _holding(gateway: BinanceGateway, journal: LiveJournal) -> tuple[LiveExecution, SizedOrder]:
    """A started venue (no timed polls) holding a fresh long, and the order that opened it."""
    venue = make_venue(gateway, journal, poll=3600.0)
    order = sized()
    venue.open_position(order, entry_id(order))
    return venue, order
