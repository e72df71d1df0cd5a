"""Case 7 of issue 11: exits, fees and PnL come from the account's trade history."""

from __future__ import annotations

import pytest

from bot.app.live import LiveJournal
from bot.domain import OrderSide
from bot.exchange import BinanceGateway
from bot.execution.live.reconcile.reconciler import Reconciler
from bot.journal import TradeStatus
from bot.sim import SimExchange
from tests.execution.live.helpers import (
    SYMBOL,
    by_hand,
    fast_policy,
    journal_exits,
    journaled_entry,
    make_venue,
    move_price,
    opened,
    utc_now,
)


def test_a_position_closed_by_hand_is_booked_with_the_exchanges_fill(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: a journaled live trade, then a manual close at 91,000
    venue = make_venue(gateway, journal)
    log, order, _cid = journaled_entry(venue, journal)
    move_price(sim, 91_000.0)
    by_hand(gateway, OrderSide.SELL, order.quantity, "by-hand-close", reduce_only=True)
    entry_fill, exit_fill = gateway.fetch_fills(SYMBOL)

    # Act: the venue sees it on a later mark, far from the fill
    journal_exits(venue, log, 95_000.0)

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
    venue, _order, _cid = opened(gateway, journal)

    closed = venue.close_position(SYMBOL, "cluster_reached", "lhlex-BTCUSDT-3")

    fills = gateway.fetch_fills(SYMBOL)
    assert closed.fees == pytest.approx(sum(f.commission for f in fills))
    assert closed.exit_price == fills[-1].price


def test_a_stop_filled_while_the_bot_was_down_is_booked_at_its_fill_time(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: a trade journaled by a venue that then stops; its stop fills meanwhile
    journaled_entry(make_venue(gateway, journal), journal)
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
