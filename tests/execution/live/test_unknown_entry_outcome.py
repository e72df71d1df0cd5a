"""An entry whose outcome stayed unknown is found filled later: journaled, protected, once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.app.live import LiveJournal
from bot.app.trade_log import TradeLog
from bot.errors import InvalidOrder, UnknownOrderOutcome
from bot.exchange import BinanceGateway
from bot.execution.live.protection import derived_id
from bot.execution.live.reconcile.reconciler import Reconciler
from bot.execution.live.venue import LiveExecution
from bot.journal import OrderStatus, TradeMode
from bot.sim import SimExchange
from tests.execution.live.helpers import (
    SYMBOL,
    entry_id,
    fast_policy,
    make_gateway,
    make_venue,
    sized,
    utc_now,
)

NEW_ORDER = "POST /fapi/v1/order"
LATENCY = 0.6  # every request outlives the gateway's 0.3 s timeout


@pytest.fixture
def slow_gateway(sim: SimExchange) -> Iterator[BinanceGateway]:
    made = make_gateway(sim, timeout=0.3, lookups=2)
    yield made
    made.close()


def _entry_lost_in_latency(sim: SimExchange, venue: LiveExecution,
                           journal: LiveJournal) -> str:
    """The loop's entry path while every request times out; returns the entry id."""
    log = TradeLog(journal, TradeMode.LIVE, utc_now)
    order = sized()
    cid = entry_id(order)
    log.entry_requested(order.intent, order.quantity, cid)
    sim.rest_faults.latency_seconds = LATENCY
    with pytest.raises(UnknownOrderOutcome) as caught:
        venue.open_position(order, cid)
    log.entry_failed(cid, str(caught.value), OrderStatus.UNKNOWN)  # as the trading loop does
    sim.rest_faults.clear()
    time.sleep(LATENCY + 0.2)  # the simulator executes the late request meanwhile
    return cid


def _assert_one_protected_position(sim: SimExchange, gateway: BinanceGateway,
                                   journal: LiveJournal, cid: str) -> None:
    [position] = gateway.fetch_positions([SYMBOL])
    assert position.quantity == 0.01
    open_ids = {o.client_order_id for o in gateway.fetch_open_orders(SYMBOL, trigger=True)}
    assert open_ids == {derived_id(cid, "sl"), derived_id(cid, "tp")}
    [trade] = journal.open_trades(mode=TradeMode.LIVE)
    assert (trade.client_order_id, trade.quantity) == (cid, 0.01)
    row = journal.find_order(cid)
    assert row is not None
    assert row.status == OrderStatus.FILLED
    assert sim.rest.stats().by_endpoint[NEW_ORDER] == 1


def test_the_next_poll_journals_and_protects_a_late_filled_entry(
    sim: SimExchange, slow_gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    venue = make_venue(slow_gateway, journal)
    cid = _entry_lost_in_latency(sim, venue, journal)
    later = sized(at=utc_now() + timedelta(seconds=5))

    # Act: a new entry is refused while unresolved; then polls settle it
    with pytest.raises(InvalidOrder, match="unresolved"):
        venue.open_position(later, entry_id(later))
    venue.poll()
    venue.poll()

    # Assert
    _assert_one_protected_position(sim, slow_gateway, journal, cid)
    held = venue.position(SYMBOL)
    assert held is not None
    assert held.client_order_id == cid


def test_reconciliation_after_a_restart_journals_and_protects_a_late_filled_entry(
    sim: SimExchange, slow_gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    cid = _entry_lost_in_latency(sim, make_venue(slow_gateway, journal), journal)

    # Act: the bot restarts (twice): reconcile, then start a fresh venue
    for _ in range(2):
        Reconciler(slow_gateway, journal, utc_now, fast_policy()).run()
    venue = make_venue(slow_gateway, journal)
    venue.poll()

    # Assert
    _assert_one_protected_position(sim, slow_gateway, journal, cid)
    assert venue.position(SYMBOL) is not None
