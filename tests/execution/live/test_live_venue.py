"""The live venue against the simulator: entry, protection, exits, polling; each test on a
SQLite and on a PostgreSQL journal."""

from __future__ import annotations

import pytest

from bot.app.live import LiveJournal, open_live_journal
from bot.domain import PositionSide
from bot.errors import InvalidOrder
from bot.exchange import BinanceGateway
from bot.execution.live.protection import derived_id
from bot.journal import OrderStatus, TradeStatus
from bot.sim import SimExchange
from tests.execution.live.helpers import (
    SYMBOL,
    entry_id,
    journal_exits,
    journaled_entry,
    make_venue,
    move_price,
    sized,
    utc_now,
)

NEW_ORDER = "POST /fapi/v1/order"


@pytest.fixture
def journal(journal_url: str) -> LiveJournal:
    """The live journal on each database (overrides the SQLite-only one of the conftest)."""
    return open_live_journal(journal_url, utc_now)


def _open_ids(gateway: BinanceGateway) -> set[str | None]:
    return {o.client_order_id for o in gateway.fetch_open_orders(SYMBOL, trigger=True)}


def test_an_entry_is_journaled_then_sent_then_protected(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    venue = make_venue(gateway, journal)
    order = sized()
    cid = entry_id(order)

    # Act
    position = venue.open_position(order, cid)

    # Assert: one position, its stop and target on the exchange, every row journaled
    [on_exchange] = gateway.fetch_positions([SYMBOL])
    assert (on_exchange.side, on_exchange.quantity) == (PositionSide.LONG, position.quantity)
    assert _open_ids(gateway) == {derived_id(cid, "sl"), derived_id(cid, "tp")}
    entry = journal.find_order(cid)
    stop = journal.find_order(derived_id(cid, "sl"))
    assert entry is not None
    assert entry.status == OrderStatus.FILLED
    assert stop is not None
    assert stop.status == OrderStatus.NEW
    assert stop.stop_price == order.intent.stop_price
    assert stop.reduce_only


def test_a_repeated_entry_id_returns_the_same_position_without_a_second_order(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    venue = make_venue(gateway, journal)
    order = sized()
    cid = entry_id(order)

    first = venue.open_position(order, cid)
    again = venue.open_position(order, cid)

    assert again == first
    assert sim.rest.stats().by_endpoint[NEW_ORDER] == 1


def test_a_second_position_on_the_symbol_is_refused(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    venue = make_venue(gateway, journal)
    first = sized()
    venue.open_position(first, entry_id(first))
    second = sized(at=first.intent.created_at.replace(microsecond=0))

    with pytest.raises(InvalidOrder, match=r"already|open"):
        venue.open_position(second, "lhlen-BTCUSDT-other")


def test_when_the_stop_fills_the_target_is_cancelled_and_the_trade_closed(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: the trading loop's journal writer, as in a real run
    venue = make_venue(gateway, journal)
    log, _order, cid = journaled_entry(venue, journal)

    # Act: the mark falls through the stop
    move_price(sim, 86_000.0)
    closures = journal_exits(venue, log, 86_000.0)

    # Assert
    [closed] = closures
    assert closed.reason == "stop_loss"
    assert closed.exit_client_order_id == derived_id(cid, "sl")
    assert _open_ids(gateway) == set()
    assert venue.positions() == []
    [trade] = journal.list_trades()
    assert trade.status == TradeStatus.CLOSED
    assert trade.exit_reason == "stop_loss"
    target = journal.find_order(derived_id(cid, "tp"))
    assert target is not None
    assert target.status == OrderStatus.CANCELED


def test_closing_cancels_both_protective_orders(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    venue = make_venue(gateway, journal)
    order = sized(PositionSide.SHORT)
    venue.open_position(order, entry_id(order))

    closed = venue.close_position(SYMBOL, "cluster_reached", "lhlex-BTCUSDT-1")

    assert closed.reason == "cluster_reached"
    assert gateway.fetch_positions([SYMBOL]) == []
    assert _open_ids(gateway) == set()
    exit_row = journal.find_order("lhlex-BTCUSDT-1")
    assert exit_row is not None
    assert exit_row.status == OrderStatus.FILLED


def test_a_rejected_stop_closes_the_position_at_market_within_one_loop(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: a stop above the mark for a long would trigger at once: Binance refuses it
    venue = make_venue(gateway, journal)
    order = sized()
    bad = order.intent.__class__(**{**_fields(order.intent), "stop_price": 91_000.0})
    order = order.__class__(bad, order.quantity, order.notional, order.leverage)
    cid = entry_id(order)

    # Act
    venue.open_position(order, cid)
    closures = venue.on_mark_price(SYMBOL, 90_000.0, utc_now())

    # Assert: flat on the exchange at once, the closure reported on the next tick
    assert gateway.fetch_positions([SYMBOL]) == []
    assert [c.reason for c in closures] == ["stop_rejected"]
    assert _open_ids(gateway) == set()
    assert sim.rest.stats().by_endpoint[NEW_ORDER] == 2
    [event] = journal.list_risk_events(kind="protection")
    assert "stop rejected" in event.reason


def test_missing_protection_is_placed_again_by_the_next_poll(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    venue = make_venue(gateway, journal)
    order = sized()
    cid = entry_id(order)
    venue.open_position(order, cid)
    gateway.cancel_order(SYMBOL, derived_id(cid, "tp"), trigger=True)
    held = venue._tracker.held(SYMBOL)
    assert held is not None
    held.protected = False

    venue.poll()

    assert _open_ids(gateway) == {derived_id(cid, "sl"), derived_id(cid, "tp")}


def _fields(intent: object) -> dict[str, object]:
    return {name: getattr(intent, name) for name in intent.__dataclass_fields__}  # type: ignore[attr-defined]
