"""Faults on the order path: unknown outcomes, rate limits, bans."""

from __future__ import annotations

from datetime import timedelta
from itertools import cycle

import pytest

from bot.app.live import LiveJournal
from bot.errors import IpBanned, RateLimited
from bot.exchange import BinanceGateway
from bot.execution.live.guard import TradingHalted
from bot.journal import OrderStatus
from bot.sim import AfterAccept, SimExchange
from tests.execution.live.helpers import SYMBOL, entry_id, make_venue, sized, utc_now

NEW_ORDER = "POST /fapi/v1/order"
NEW_ALGO = "POST /fapi/v1/algoOrder"
ROUNDS = 100


def test_a_hundred_unknown_outcomes_after_acceptance_are_resolved_without_a_resend(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: each round loses the answer of an accepted order, alternately the entry's
    # and the stop's (armed by the crash-point hook right after the entry's fill)
    kinds = cycle(AfterAccept)
    faults = sim.rest_faults

    def arm_for_stop(point: str) -> None:
        if point == "after_fill" and arm_stop[0]:
            faults.fail_after_accept = next(kinds)

    arm_stop = [False]
    venue = make_venue(gateway, journal, crash_point=arm_for_stop)
    start = utc_now()

    # Act
    for n in range(ROUNDS):
        order = sized(at=start + timedelta(seconds=n))
        arm_stop[0] = n % 2 == 1
        if not arm_stop[0]:
            faults.fail_after_accept = next(kinds)
        position = venue.open_position(order, entry_id(order))
        venue.close_position(SYMBOL, "test", f"lhlex-{n}")
        assert position.quantity == order.quantity

    # Assert: every fault hit, every order reached the exchange exactly once
    stats = sim.rest.stats()
    assert stats.injected.failed_after_accept == ROUNDS
    assert stats.by_endpoint[NEW_ORDER] == 2 * ROUNDS  # entries + exits, no resend
    assert stats.by_endpoint[NEW_ALGO] == 2 * ROUNDS  # stop + target per round
    assert gateway.fetch_positions([SYMBOL]) == []
    last = journal.find_order(entry_id(sized(at=start + timedelta(seconds=ROUNDS - 1))))
    assert last is not None
    assert last.status == OrderStatus.FILLED


def test_after_a_429_no_request_leaves_before_retry_after(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    venue = make_venue(gateway, journal)
    sim.rest_faults.rate_limit_next = 1
    sim.rest_faults.retry_after_seconds = 2
    order = sized()

    # Act: the entry meets the 429; an immediate second try must not reach the exchange
    with pytest.raises(RateLimited):
        venue.open_position(order, entry_id(order))
    before = sim.rest.stats().requests
    later = sized(at=order.intent.created_at + timedelta(seconds=1))
    with pytest.raises(RateLimited, match="Retry-After"):
        venue.open_position(later, entry_id(later))

    # Assert
    assert sim.rest.stats().requests == before
    rejected = journal.find_order(entry_id(order))
    assert rejected is not None
    assert rejected.status == OrderStatus.REJECTED


def test_after_retry_after_has_elapsed_orders_flow_again(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    venue = make_venue(gateway, journal)
    sim.rest_faults.rate_limit_next = 1
    sim.rest_faults.retry_after_seconds = 0
    order = sized()
    with pytest.raises(RateLimited):
        venue.open_position(order, entry_id(order))

    retry = sized(at=order.intent.created_at + timedelta(seconds=1))
    position = venue.open_position(retry, entry_id(retry))

    assert position.quantity == retry.quantity


def test_a_418_halts_trading_with_a_clear_message(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    venue = make_venue(gateway, journal)
    sim.rest_faults.ban_next = 1
    order = sized()

    # Act
    with pytest.raises(IpBanned, match=r"418|banned"):
        venue.open_position(order, entry_id(order))
    before = sim.rest.stats().requests
    later = sized(at=order.intent.created_at + timedelta(seconds=1))
    with pytest.raises(TradingHalted, match="TRADING HALTED"):
        venue.open_position(later, entry_id(later))

    # Assert: nothing more was sent; the halt is journaled
    assert sim.rest.stats().requests == before
    assert venue.halted is not None
    assert "418" in venue.halted
    [event] = journal.list_risk_events(kind="halt")
    assert "418" in event.reason
