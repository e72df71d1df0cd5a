"""Case 5 of issue 11: every poll compares the exchange with the journal and acts on it."""

from __future__ import annotations

import pytest

from bot.app.live import LiveJournal
from bot.domain import OrderSide, PositionSide
from bot.errors import InvalidOrder
from bot.exchange import BinanceGateway, ExchangeOrder
from bot.execution.live.protection import derived_id
from bot.sim import SimExchange
from tests.execution.live.helpers import SYMBOL, by_hand, entry_id, move_price, opened, sized
from tests.execution.live.helpers import utc_now as now


def _open_triggers(gateway: BinanceGateway) -> dict[str | None, ExchangeOrder]:
    return {o.client_order_id: o for o in gateway.fetch_open_orders(SYMBOL, trigger=True)}


def test_a_stop_cancelled_on_the_exchange_is_placed_again_at_the_journals_price(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    venue, _order, cid = opened(gateway, journal)
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


@pytest.mark.parametrize(("side", "quantity", "detail"), [
    (OrderSide.BUY, 0.01, "journal long 0.01; exchange long 0.02"),
    (OrderSide.SELL, 0.004, "journal long 0.01; exchange long 0.006"),
], ids=["grown", "shrunk"])
def test_a_position_changed_outside_the_bot_is_journaled_once_and_covered_whole(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal, side: OrderSide,
    quantity: float, detail: str,
) -> None:
    # Arrange: someone trades the symbol by hand
    venue, _order, _cid = opened(gateway, journal)
    by_hand(gateway, side, quantity, "by-hand-change")

    # Act
    venue.poll()
    venue.poll()  # a second look journals nothing new

    # Assert: the difference journaled; when the stop triggers nothing is left open
    [event] = journal.list_risk_events(kind="position_mismatch")
    assert detail in (event.detail or "")
    move_price(sim, 86_000.0)
    assert gateway.fetch_positions([SYMBOL]) == []
    closures = venue.on_mark_price(SYMBOL, 86_000.0, now())
    assert [c.reason for c in closures] == ["stop_loss"]


def test_the_bots_exit_of_a_grown_position_leaves_the_rest_protected_and_blocked(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    venue, _order, cid = opened(gateway, journal)
    by_hand(gateway, OrderSide.BUY, 0.01, "by-hand-grow")
    venue.poll()

    # Act: the strategy exits its 0.01
    venue.close_position(SYMBOL, "cluster_reached", "lhlex-BTCUSDT-9")

    # Assert: the other 0.01 keeps its stop and blocks new entries
    [rest] = gateway.fetch_positions([SYMBOL])
    assert rest.quantity == pytest.approx(0.01)
    assert derived_id(cid, "sl") in _open_triggers(gateway)
    later = sized(at=now())
    with pytest.raises(InvalidOrder):
        venue.open_position(later, entry_id(later))

    # Act again: the rest is closed by hand; the next poll clears the symbol
    by_hand(gateway, OrderSide.SELL, 0.01, "by-hand-flat")
    venue.poll()

    assert _open_triggers(gateway) == {}
    venue.open_position(later, entry_id(later))
    assert [p.symbol for p in venue.positions()] == [SYMBOL]


def test_a_position_flipped_outside_the_bot_closes_the_trade_and_protects_the_new_one(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: long 0.01 turned into short 0.01 by hand
    venue, _order, _cid = opened(gateway, journal)
    by_hand(gateway, OrderSide.SELL, 0.02, "by-hand-flip")

    # Act
    closures = venue.on_mark_price(SYMBOL, 90_000.0, now())

    # Assert: the long is over; the short has a buy stop above; no entry meanwhile
    assert [c.position.side for c in closures] == [PositionSide.LONG]
    stops = [o for o in _open_triggers(gateway).values() if o.type == "stop_market"]
    assert [(o.side, o.trigger_price is not None and o.trigger_price > 90_000)
            for o in stops] == [(OrderSide.BUY, True)]
    later = sized(at=now())
    with pytest.raises(InvalidOrder):
        venue.open_position(later, entry_id(later))
    move_price(sim, 94_000.0)
    assert gateway.fetch_positions([SYMBOL]) == []
