"""Case 7 of issue 11: exits, fees and PnL come from the account's trade history."""

from __future__ import annotations

import pytest

from bot.app.live import LiveJournal
from bot.app.trade_log import TradeLog
from bot.domain import OrderSide
from bot.exchange import BinanceGateway
from bot.execution.live.reconcile.reconciler import Reconciler
from bot.journal import TradeMode, TradeStatus
from bot.sim import SimExchange
from tests.execution.live.helpers import (
    SYMBOL,
    entry_id,
    fast_policy,
    make_venue,
    move_price,
    sized,
    utc_now,
)


def test_a_position_closed_by_hand_is_booked_with_the_exchanges_fill(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: a journaled live trade, then a manual close at 91,000
    venue = make_venue(gateway, journal)
    log = TradeLog(journal, TradeMode.LIVE, utc_now)
    order = sized()
    cid = entry_id(order)
    row = log.entry_requested(order.intent, order.quantity, cid)
    log.entry_filled(order.intent, row, venue.open_position(order, cid))
    move_price(sim, 91_000.0)
    gateway.create_market_order(SYMBOL, OrderSide.SELL, order.quantity, "by-hand-close",
                                reduce_only=True)
    entry_fill, exit_fill = gateway.fetch_fills(SYMBOL)

    # Act: the venue sees it on a later mark, far from the fill
    for closed in venue.on_mark_price(SYMBOL, 95_000.0, utc_now()):
        log.exit_filled(closed)

    # Assert: the exchange's price, time, commissions and realised PnL
    [trade] = journal.list_trades()
    assert trade.status == TradeStatus.CLOSED
    assert trade.exit_price == exit_fill.price
    assert trade.exit_time is not None
    assert trade.exit_time.replace(tzinfo=None) == exit_fill.time.replace(tzinfo=None)
    assert trade.fees == pytest.approx(entry_fill.commission + exit_fill.commission)
    assert trade.pnl == pytest.approx(exit_fill.realized_pnl - trade.fees)


def test_fees_of_a_bot_exit_are_the_exchanges_commissions(
    gateway: BinanceGateway, journal: LiveJournal
) -> None:
    venue = make_venue(gateway, journal)
    order = sized()
    venue.open_position(order, entry_id(order))

    closed = venue.close_position(SYMBOL, "cluster_reached", "lhlex-BTCUSDT-3")

    fills = gateway.fetch_fills(SYMBOL)
    assert closed.fees == pytest.approx(sum(f.commission for f in fills))
    assert closed.exit_price == fills[-1].price


def test_a_stop_filled_while_the_bot_was_down_is_booked_at_its_fill_time(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: a trade journaled by a venue that then stops; its stop fills meanwhile
    venue = make_venue(gateway, journal)
    log = TradeLog(journal, TradeMode.LIVE, utc_now)
    order = sized()
    cid = entry_id(order)
    row = log.entry_requested(order.intent, order.quantity, cid)
    log.entry_filled(order.intent, row, venue.open_position(order, cid))
    move_price(sim, 86_000.0)
    stop_fill = gateway.fetch_fills(SYMBOL)[-1]

    # Act: the next start reconciles
    Reconciler(gateway, journal, utc_now, fast_policy()).run()

    # Assert
    [trade] = journal.list_trades()
    assert trade.exit_reason == "stop_loss"
    assert trade.exit_price == stop_fill.price
    assert trade.exit_time is not None
    assert trade.exit_time.replace(tzinfo=None) == stop_fill.time.replace(tzinfo=None)
