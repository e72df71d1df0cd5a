"""Case 5 of issue 11: every poll compares the exchange with the journal and acts on it."""

from __future__ import annotations

import pytest

from bot.app.live import LiveJournal
from bot.domain import OrderSide, PositionSide
from bot.errors import InvalidOrder
from bot.exchange import BinanceGateway, ExchangeOrder
from bot.execution.live.protection import derived_id
from bot.execution.live.venue import LiveExecution
from bot.sim import SimExchange
from tests.execution.live.helpers import (
    SYMBOL,
    entry_id,
    make_venue,
    move_price,
    sized,
    utc_now,
)


def _open_triggers(gateway: BinanceGateway) -> dict[str | None, ExchangeOrder]:
    return {o.client_order_id: o for o in gateway.fetch_open_orders(SYMBOL, trigger=True)}


def _by_hand(gateway: BinanceGateway, side: OrderSide, quantity: float, name: str) -> None:
    gateway.create_market_order(SYMBOL, side, quantity, name, reference_price=90_000.0)


def _opened(gateway: BinanceGateway, journal: LiveJournal) -> tuple[LiveExecution, str]:
    venue = make_venue(gateway, journal)
    order = sized(quantity=0.01)
    cid = entry_id(order)
    venue.open_position(order, cid)
    return venue, cid


def test_a_stop_cancelled_on_the_exchange_is_placed_again_at_the_journals_price(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    venue, cid = _opened(gateway, journal)
    stop_id = derived_id(cid, "sl")
    journaled = journal.find_order(stop_id)
    assert journaled is not None
    gateway.cancel_order(SYMBOL, stop_id, trigger=True)

    # Act
    venue.poll()

    # Assert: the stop is back, closing side, at the journal's stop price, whole position
    stop = _open_triggers(gateway)[stop_id]
    assert stop.side is OrderSide.SELL
    assert stop.trigger_price == journaled.stop_price
    assert stop.quantity is None  # close-position: whatever the position is
    reasons = [e.reason for e in journal.list_risk_events(kind="protection")]
    assert "protective order missing: placed again" in reasons


def test_a_position_grown_outside_the_bot_is_protected_over_its_whole_size(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: someone doubles the position by hand
    venue, _cid = _opened(gateway, journal)
    _by_hand(gateway, OrderSide.BUY, 0.01, "by-hand-grow")

    # Act
    venue.poll()

    # Assert: the difference journaled; when the stop triggers nothing is left open
    [event] = journal.list_risk_events(kind="position_mismatch")
    assert "journal long 0.01; exchange long 0.02" in (event.detail or "")
    move_price(sim, 86_000.0)
    assert gateway.fetch_positions([SYMBOL]) == []
    closures = venue.on_mark_price(SYMBOL, 86_000.0, utc_now())
    assert [c.reason for c in closures] == ["stop_loss"]


def test_the_bots_exit_of_a_grown_position_leaves_the_rest_protected_and_blocked(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    venue, cid = _opened(gateway, journal)
    _by_hand(gateway, OrderSide.BUY, 0.01, "by-hand-grow")
    venue.poll()

    # Act: the strategy exits its 0.01
    venue.close_position(SYMBOL, "cluster_reached", "lhlex-BTCUSDT-9")

    # Assert: the other 0.01 keeps its stop and blocks new entries
    [rest] = gateway.fetch_positions([SYMBOL])
    assert rest.quantity == pytest.approx(0.01)
    assert derived_id(cid, "sl") in _open_triggers(gateway)
    later = sized(at=utc_now())
    with pytest.raises(InvalidOrder):
        venue.open_position(later, entry_id(later))

    # Act again: the rest is closed by hand; the next poll clears the symbol
    _by_hand(gateway, OrderSide.SELL, 0.01, "by-hand-flat")
    venue.poll()

    assert _open_triggers(gateway) == {}
    venue.open_position(later, entry_id(later))
    assert [p.symbol for p in venue.positions()] == [SYMBOL]


def test_a_position_shrunk_outside_the_bot_is_journaled_and_still_covered(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    venue, _cid = _opened(gateway, journal)
    _by_hand(gateway, OrderSide.SELL, 0.004, "by-hand-shrink")

    # Act
    venue.poll()
    venue.poll()  # a second look journals nothing new

    # Assert
    [event] = journal.list_risk_events(kind="position_mismatch")
    assert "exchange long 0.006" in (event.detail or "")
    move_price(sim, 86_000.0)
    assert gateway.fetch_positions([SYMBOL]) == []


def test_a_position_flipped_outside_the_bot_closes_the_trade_and_protects_the_new_one(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: long 0.01 turned into short 0.01 by hand
    venue, _cid = _opened(gateway, journal)
    _by_hand(gateway, OrderSide.SELL, 0.02, "by-hand-flip")

    # Act
    closures = venue.on_mark_price(SYMBOL, 90_000.0, utc_now())

    # Assert: the long is over; the short has a buy stop above; no entry meanwhile
    assert [c.position.side for c in closures] == [PositionSide.LONG]
    stops = [o for o in _open_triggers(gateway).values() if o.type == "stop_market"]
    assert [(o.side, o.trigger_price is not None and o.trigger_price > 90_000)
            for o in stops] == [(OrderSide.BUY, True)]
    later = sized(at=utc_now())
    with pytest.raises(InvalidOrder):
        venue.open_position(later, entry_id(later))
    move_price(sim, 94_000.0)
    assert gateway.fetch_positions([SYMBOL]) == []
