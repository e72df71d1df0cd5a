"""Case 2 of issue 11: a failure while following a limit entry never drops a GTC order
that may still fill."""

from __future__ import annotations

import time

import pytest

from bot.app.live import LiveJournal
from bot.domain import OrderSide
from bot.errors import InvalidOrder, UnknownOrderOutcome
from bot.exchange import BinanceGateway
from bot.execution.live.limit_entry import limit_price
from bot.execution.live.protection import derived_id
from bot.execution.live.venue import LiveConfig, LiveExecution
from bot.journal import OrderStatus
from bot.sim import SimExchange
from tests.execution.live.helpers import (
    FAST_LOOKUP,
    PRICE,
    SYMBOL,
    entry_id,
    move_price,
    sized,
    utc_now,
)

LIMIT = limit_price(OrderSide.BUY, PRICE, 0.02)


def _venue_failing_after_placement(sim: SimExchange, gateway: BinanceGateway,
                                   journal: LiveJournal) -> LiveExecution:
    """A limit-entry venue; the first wait for the order starts a burst of 503s."""

    def sleep(seconds: float) -> None:
        if sim.rest.faults.injected().server_errors == 0:
            sim.rest.faults.server_error_next = 40
        time.sleep(min(seconds, 0.01))

    venue = LiveExecution(gateway, journal, utc_now, LiveConfig(
        symbols=(SYMBOL,), poll_interval_seconds=0.0, balance_ttl_seconds=0.0,
        settle_seconds=FAST_LOOKUP.settle_seconds, entry_order="limit",
        limit_timeout_seconds=0.5, limit_poll_seconds=0.05), sleep=sleep)
    venue.start()
    return venue


def _unfollowed_entry(sim: SimExchange, gateway: BinanceGateway,
                      journal: LiveJournal) -> tuple[LiveExecution, str]:
    """A limit entry placed, then lost sight of: the venue reports its outcome unknown."""
    venue = _venue_failing_after_placement(sim, gateway, journal)
    order = sized()
    cid = entry_id(order)
    with pytest.raises(UnknownOrderOutcome):
        venue.open_position(order, cid)
    return venue, cid


def test_an_order_that_could_not_be_followed_is_kept_and_protected_when_it_fills(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange / act: the reads fail while the order rests; later the price dips, it fills
    venue, cid = _unfollowed_entry(sim, gateway, journal)
    row = journal.find_order(cid)
    later = sized(at=utc_now())
    with pytest.raises(InvalidOrder):  # the symbol stays blocked meanwhile
        venue.open_position(later, entry_id(later))
    sim.rest.faults.clear()
    move_price(sim, LIMIT - 50.0)
    venue.poll()

    # Assert: the fill is the bot's position, with its stop on the exchange
    assert row is not None
    assert row.status != OrderStatus.REJECTED
    [position] = venue.positions()
    assert position.client_order_id == cid
    stops = {o.client_order_id for o in gateway.fetch_open_orders(SYMBOL, trigger=True)}
    assert derived_id(cid, "sl") in stops


def test_an_order_still_resting_after_the_failure_is_cancelled_by_the_next_poll(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    venue, cid = _unfollowed_entry(sim, gateway, journal)
    sim.rest.faults.clear()

    venue.poll()  # cancels the resting order
    venue.poll()  # reads what the cancel left

    assert gateway.fetch_open_orders(SYMBOL) == []
    row = journal.find_order(cid)
    assert row is not None
    assert row.status == OrderStatus.CANCELED
    assert venue.positions() == []
    later = sized(at=utc_now())
    # The symbol is free again: the next entry reaches the exchange (and times out there)
    with pytest.raises(InvalidOrder, match="not filled"):
        venue.open_position(later, entry_id(later))
