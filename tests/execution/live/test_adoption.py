"""A position the journal does not know: adopted and protected, or the start refused."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app.bootstrap import build_bot
from bot.app.live import LiveJournal
from bot.domain import OrderSide, PositionSide
from bot.exchange import BinanceGateway
from bot.execution.live.reconcile.reconciler import ReconcileConflict, Reconciler
from bot.journal import TradeMode
from bot.settings import Settings
from bot.sim import SimExchange
from tests.execution.live.helpers import (
    PRICE,
    SYMBOL,
    fast_policy,
    make_gateway,
    make_venue,
    utc_now,
)

BOT = [sys.executable, "-c", "from bot.cli.app import main; main()"]


@pytest.fixture
def stranger(sim: SimExchange) -> Iterator[BinanceGateway]:
    """Someone else trading the same account (a person, another bot)."""
    made = make_gateway(sim)
    made.create_market_order(SYMBOL, OrderSide.SELL, 0.02, "manual-1", reference_price=PRICE)
    yield made
    made.close()


def test_an_unknown_position_is_adopted_journaled_and_protected(
    stranger: BinanceGateway, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    # Act
    report = Reconciler(gateway, journal, utc_now, fast_policy(adopt=True)).run()
    venue = make_venue(gateway, journal)

    # Assert: a short 0.02 trade with a stop above and a target below the entry
    assert "adopted" in report.render()
    [trade] = journal.open_trades(mode=TradeMode.LIVE)
    assert (trade.side, trade.quantity) == (PositionSide.SHORT, 0.02)
    assert trade.stop_price is not None
    assert trade.take_profit_price is not None
    assert trade.stop_price > trade.entry_price > trade.take_profit_price
    triggers = {o.client_order_id: o for o in gateway.fetch_open_orders(SYMBOL, trigger=True)}
    assert {cid[-3:] for cid in triggers if cid} == {"-sl", "-tp"}
    # close-position triggers: they cover the whole 0.02, whatever it becomes
    assert all(o.side is OrderSide.BUY and o.quantity is None for o in triggers.values())
    held = venue.position(SYMBOL)
    assert held is not None
    assert held.client_order_id == trade.client_order_id


def test_with_adoption_off_reconciliation_refuses_and_names_the_difference(
    stranger: BinanceGateway, gateway: BinanceGateway, journal: LiveJournal
) -> None:
    with pytest.raises(ReconcileConflict, match=r"short 0.02 position the journal does not"):
        Reconciler(gateway, journal, utc_now, fast_policy()).run()

    assert journal.open_trades(mode=TradeMode.LIVE) == []
    assert gateway.fetch_open_orders(SYMBOL, trigger=True) == []


def test_bot_reconcile_exits_non_zero_and_build_bot_refuses_to_start(
    sim: SimExchange, stranger: BinanceGateway, tmp_path: Path
) -> None:
    # Arrange
    described = sim.describe()
    exchange = {"rest_url": str(described["rest_url"]), "api_key": str(described["api_key"]),
                "api_secret": str(described["api_secret"])}
    db = f"sqlite:///{tmp_path}/journal.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update({"BOT_EXCHANGE__REST_URL": exchange["rest_url"],
                "BOT_EXCHANGE__API_KEY": exchange["api_key"],
                "BOT_EXCHANGE__API_SECRET": exchange["api_secret"],
                "BOT_JOURNAL__URL": db, "BOT_RUN__SYMBOLS": SYMBOL,
                "BOT_LIVE__ADOPT_UNKNOWN_POSITIONS": "false"})
    settings = Settings(exchange=exchange, journal={"url": db},  # type: ignore[arg-type]
                        run={"mode": "live", "symbols": [SYMBOL]},
                        live={"adopt_unknown_positions": False})

    # Act
    result = subprocess.run([*BOT, "reconcile"], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=90, check=False)
    with pytest.raises(ReconcileConflict) as refused:
        build_bot(settings, use_sim=False)

    # Assert
    assert result.returncode != 0
    assert "short 0.02 position the journal does not know" in result.stderr
    assert "adoption is off" in str(refused.value)
