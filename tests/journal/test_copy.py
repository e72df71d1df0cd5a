"""``bot db copy --to URL``: a SQLite journal copied into a real PostgreSQL database, whole."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli.app import app
from bot.domain import OrderSide
from bot.journal import JournalRepository, TradeMode, open_journal
from bot.journal.base import Base
from bot.journal.db import create_engine_for
from bot.marketdata.store import HistoryStore, MarkPoint
from tests.cli.helpers import bot_command
from tests.support.postgres import PostgresServer

from .builders import FakeClock, new_order, new_trade


def _fill(url: str, bot_id: str, clock: FakeClock) -> JournalRepository:
    """A journal of one bot with a closed trade, its orders and fills, a
    risk event, equity and state."""
    repo = open_journal(url, clock, bot_id)
    trade_id = repo.open_trade(new_trade(client_order_id=f"en-{bot_id}"))
    order_id = repo.record_order(new_order(f"en-{bot_id}", trade_id=trade_id))
    repo.record_fill(order_id, price=90_000.0, quantity=0.01, time=clock(),
                     exchange_trade_id="t1")
    exit_id = repo.record_order(new_order(f"ex-{bot_id}", side=OrderSide.SELL,
                                          purpose="exit", trade_id=trade_id))
    repo.record_fill(exit_id, price=91_000.0, quantity=0.01, time=clock.advance(60))
    repo.close_trade(trade_id, exit_time=clock(), exit_price=91_000.0, pnl=9.0, fees=1.0,
                     reason="take_profit")
    repo.record_risk_event("rejection", "max positions", symbol="ETHUSDT", mode=TradeMode.PAPER)
    repo.record_equity_snapshot(mode=TradeMode.PAPER, equity=10_009.0, balance=10_009.0)
    repo.set_state("paper.risk.day_start", '{"date": "2026-01-02", "equity": 10000.0}')
    return repo


def _counts(url: str) -> dict[str, int]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return {t.name: int(connection.execute(select(func.count()).select_from(t))
                                .scalar_one()) for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_journal(tmp_path: Path, clock: FakeClock) -> str:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    for bot_id in ("default", "alpha"):
        _fill(url, bot_id, clock)
    store = HistoryStore(create_engine_for(url))
    store.add_mark_prices([MarkPoint("BTCUSDT", 1_000 * i, 100.0 + i) for i in range(10)])
    store.engine.dispose()
    return url


def test_a_sqlite_journal_is_copied_whole_into_postgresql(
    sqlite_journal: str, postgres_server: PostgresServer, clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    target = postgres_server.new_database()
    monkeypatch.setenv("BOT_JOURNAL__URL", sqlite_journal)
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(app, ["db", "copy", "--to", target])

    assert result.exit_code == 0, result.output
    assert "copied " in result.output
    assert _counts(target) == _counts(sqlite_journal)
    assert _counts(target)["recorded_mark_prices"] == 10
    for bot_id in ("default", "alpha"):
        before, after = open_journal(sqlite_journal, bot_id=bot_id), open_journal(target,
                                                                                  bot_id=bot_id)
        [trade] = after.list_trades()
        assert after.list_trades() == before.list_trades()
        assert after.orders_for_trade(trade.id) == before.orders_for_trade(trade.id)
        orders = after.orders_for_trade(trade.id)
        assert [after.fills_for_order(o.id) for o in orders] == [
            before.fills_for_order(o.id) for o in orders]
        assert after.list_risk_events() == before.list_risk_events()
        assert after.list_equity_snapshots() == before.list_equity_snapshots()
        assert after.get_state("paper.risk.day_start") == before.get_state("paper.risk.day_start")
    # The ids go on past the copied ones: the next trade on PostgreSQL simply inserts.
    later = open_journal(target, clock, "alpha").open_trade(new_trade(client_order_id="new"))
    assert later > max(t.id for t in open_journal(target).list_trades())


def test_a_copy_into_a_database_holding_rows_is_refused_in_one_line(
    sqlite_journal: str, postgres_server: PostgresServer, tmp_path: Path,
) -> None:
    target = postgres_server.new_database()
    open_journal(target).record_risk_event("health", "already used")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["BOT_JOURNAL__URL"] = sqlite_journal

    result = subprocess.run([*bot_command(), "db", "copy", "--to", target], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            check=False)

    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "must be empty" in line
    assert "risk_events 1" in line
    assert _counts(target)["trades"] == 0
