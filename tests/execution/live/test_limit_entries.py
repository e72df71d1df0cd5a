"""Limit entries against the simulator: filled when the price crosses, else cancelled."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.app.live import LiveJournal
from bot.app.trade_log import TradeLog
from bot.domain import OrderSide
from bot.errors import InvalidOrder
from bot.exchange import BinanceGateway
from bot.execution.live.inflight import InFlightEntries
from bot.execution.live.limit_entry import limit_price
from bot.execution.live.protection import derived_id
from bot.journal import OrderStatus, TradeMode
from bot.sim import SimExchange
from tests.execution.live.helpers import (
    PRICE,
    SYMBOL,
    entry_id,
    make_venue,
    move_price,
    sized,
    utc_now,
)

NEW_ORDER = "POST /fapi/v1/order"
LIMIT = limit_price(OrderSide.BUY, PRICE, 0.02)  # 0.02 % below the mark: 89 982


def _open_ids(gateway: BinanceGateway, *, trigger: bool) -> set[str | None]:
    return {o.client_order_id for o in gateway.fetch_open_orders(SYMBOL, trigger=trigger)}


def test_limit_price_is_inside_the_mark() -> None:
    assert limit_price(OrderSide.BUY, 100.0, 1.0) == pytest.approx(99.0)
    assert limit_price(OrderSide.SELL, 100.0, 1.0) == pytest.approx(101.0)


def test_a_limit_entry_fills_when_the_price_crosses_and_is_protected(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: the loop journals the entry (as a market row); the mark dips shortly after
    venue = make_venue(gateway, journal, limit_timeout=5.0)
    order = sized()
    cid = entry_id(order)
    TradeLog(journal, TradeMode.LIVE, utc_now).entry_requested(order.intent, order.quantity, cid)
    dip = threading.Timer(0.3, move_price, (sim, PRICE - 100.0))

    # Act
    dip.start()
    position = venue.open_position(order, cid)
    dip.join()

    # Assert
    assert position.quantity == order.quantity
    assert position.entry_price <= LIMIT
    row = journal.find_order(cid)
    assert row is not None
    assert (row.type, row.status) == ("limit", OrderStatus.FILLED)
    assert row.price == pytest.approx(LIMIT, abs=0.1)
    assert _open_ids(gateway, trigger=True) == {derived_id(cid, "sl"), derived_id(cid, "tp")}
    assert sim.rest.stats().by_endpoint[NEW_ORDER] == 1


def test_an_unfilled_limit_entry_is_cancelled_at_the_timeout_with_a_clear_error(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    venue = make_venue(gateway, journal, limit_timeout=0.3)
    log = TradeLog(journal, TradeMode.LIVE, utc_now)
    order = sized()
    cid = entry_id(order)
    log.entry_requested(order.intent, order.quantity, cid)

    # Act: the mark never reaches the limit; the loop journals the refusal
    with pytest.raises(InvalidOrder, match=r"not filled within 0.3 s; cancelled") as caught:
        venue.open_position(order, cid)
    log.entry_failed(cid, str(caught.value))

    # Assert: nothing rests, nothing is held or in flight, the protective rows are void
    assert _open_ids(gateway, trigger=False) == set()
    assert _open_ids(gateway, trigger=True) == set()
    assert gateway.fetch_positions([SYMBOL]) == []
    assert venue.positions() == []
    assert InFlightEntries(journal).all() == []
    row = journal.find_order(cid)
    stop = journal.find_order(derived_id(cid, "sl"))
    assert row is not None
    assert row.status == OrderStatus.FAILED
    assert stop is not None
    assert stop.status == OrderStatus.CANCELED


class _FillBeforeCancel:
    """The real gateway, but the mark crosses the limit just before the cancel lands."""

    def __init__(self, gateway: BinanceGateway, sim: SimExchange) -> None:
        self._gateway = gateway
        self._sim = sim

    def cancel_order(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("trigger"):
            move_price(self._sim, PRICE - 100.0)
        return self._gateway.cancel_order(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gateway, name)


def test_a_fill_racing_the_cancel_becomes_the_position(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange
    racing = _FillBeforeCancel(gateway, sim)
    venue = make_venue(racing, journal, limit_timeout=0.2)  # type: ignore[arg-type]
    order = sized()
    cid = entry_id(order)

    # Act
    position = venue.open_position(order, cid)

    # Assert
    assert position.quantity == order.quantity
    [on_exchange] = gateway.fetch_positions([SYMBOL])
    assert on_exchange.quantity == order.quantity
    assert _open_ids(gateway, trigger=True) == {derived_id(cid, "sl"), derived_id(cid, "tp")}
