"""Case 1 of issue 11: a refused exit never makes the venue forget a position."""

from __future__ import annotations

import pytest

from bot.app.live import LiveJournal
from bot.domain import OrderSide, PositionSide
from bot.errors import InvalidOrder
from bot.exchange import BinanceGateway
from bot.execution.live.protection import derived_id
from bot.sim import SimExchange
from tests.execution.live.helpers import (
    SYMBOL,
    by_hand,
    entry_id,
    make_venue,
    opened,
    sized,
    utc_now,
)


def _open_ids(gateway: BinanceGateway) -> set[str | None]:
    return {o.client_order_id for o in gateway.fetch_open_orders(SYMBOL, trigger=True)}


@pytest.mark.parametrize("code", [-4005, -1013, -1111, -1106])
def test_a_refused_exit_keeps_the_position_and_its_protection(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal, code: int
) -> None:
    # Arrange: an open, protected position; the exchange refuses the next order
    venue, order, cid = opened(gateway, journal)
    sim.rest.faults.refusal_code = code
    sim.rest.faults.refuse_order_next = 1

    # Act
    with pytest.raises(InvalidOrder, match="still open"):
        venue.close_position(SYMBOL, "cluster_reached", "lhlex-BTCUSDT-1")

    # Assert: still held, still on the exchange, both protective orders still there
    assert [p.symbol for p in venue.positions()] == [SYMBOL]
    assert [p.quantity for p in gateway.fetch_positions([SYMBOL])] == [order.quantity]
    assert _open_ids(gateway) == {derived_id(cid, "sl"), derived_id(cid, "tp")}
    [event] = journal.list_risk_events(kind="exit_refused")
    assert event.symbol == SYMBOL
    assert sim.rest.faults.injected().refused_orders == 1


def test_an_exit_refused_because_the_position_is_gone_closes_it(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: the position is closed by hand on the exchange; the venue does not know yet
    venue, order, _cid = opened(gateway, journal)
    by_hand(gateway, OrderSide.SELL, order.quantity, "by-hand-1", reduce_only=True)

    # Act: the venue's own reduce-only exit is refused (-2022: nothing to reduce)
    closed = venue.close_position(SYMBOL, "cluster_reached", "lhlex-BTCUSDT-2")

    # Assert: the position is forgotten only because the exchange holds none
    assert closed.position.symbol == SYMBOL
    assert venue.positions() == []
    assert _open_ids(gateway) == set()


def test_a_refused_emergency_close_keeps_following_the_position(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: a stop Binance refuses (above the mark for a long), then a refused close
    def refuse_after_fill(point: str) -> None:
        if point == "after_fill":
            sim.rest.faults.refuse_order_next = 1

    venue = make_venue(gateway, journal, crash_point=refuse_after_fill)
    order = sized(PositionSide.LONG)
    bad = order.intent.__class__(**{**_fields(order.intent), "stop_price": 91_000.0})
    order = order.__class__(bad, order.quantity, order.notional, order.leverage)

    # Act
    venue.open_position(order, entry_id(order))

    # Assert: the position is still open on the exchange and the venue still holds it
    assert [p.quantity for p in gateway.fetch_positions([SYMBOL])] == [order.quantity]
    assert [p.symbol for p in venue.positions()] == [SYMBOL]
    reasons = [e.reason for e in journal.list_risk_events(kind="protection")]
    assert any("close failed" in r for r in reasons)

    # Act again: the next poll tries once more, and this time the close goes through
    closures = venue.on_mark_price(SYMBOL, 90_000.0, utc_now())

    assert [c.reason for c in closures] == ["stop_rejected"]
    assert gateway.fetch_positions([SYMBOL]) == []
    assert venue.positions() == []


def _fields(intent: object) -> dict[str, object]:
    return {name: getattr(intent, name) for name in intent.__dataclass_fields__}  # type: ignore[attr-defined]
