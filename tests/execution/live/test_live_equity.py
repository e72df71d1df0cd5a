"""Case 4 of issue 11: live equity counts the unrealised PnL once, as the exchange does."""

from __future__ import annotations

import pytest

from bot.app.live import LiveJournal
from bot.exchange import BinanceGateway
from bot.sim import SimExchange
from tests.execution.live.helpers import SYMBOL, entry_id, make_venue, move_price, sized


def test_equity_is_the_wallet_plus_the_unrealised_pnl_once(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Arrange: a long 0.1 in profit by about 100 USDT
    venue = make_venue(gateway, journal)
    order = sized(quantity=0.1)
    venue.open_position(order, entry_id(order))
    move_price(sim, 91_000.0)
    venue.on_mark_price(SYMBOL, 91_000.0, order.intent.created_at)

    # Act
    equity, balance = venue.equity(), venue.balance()

    # Assert: the exchange's own figures
    [position] = gateway.fetch_positions([SYMBOL])
    account = sim.rest.engine.account()
    assert position.unrealized_pnl is not None
    assert balance == pytest.approx(float(account.totals.wallet_balance))
    assert equity == pytest.approx(balance + position.unrealized_pnl)
    assert position.unrealized_pnl > 50
