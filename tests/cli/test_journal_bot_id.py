"""``bot journal --bot-id``: one bot's trades of a database several bots share (SQLite and
PostgreSQL); the default is this bot's ``run.bot_id``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.domain import PositionSide
from bot.journal import NewTrade, TradeMode, open_journal

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def fleet(journal_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """One database: ``default`` holds a BTC trade, ``alpha`` an ETH and ``beta`` a SOL one."""
    for bot_id, symbol in (("default", "BTCUSDT"), ("alpha", "ETHUSDT"), ("beta", "SOLUSDT")):
        open_journal(journal_url, bot_id=bot_id).open_trade(NewTrade(
            symbol=symbol, side=PositionSide.LONG, mode=TradeMode.PAPER, entry_time=T0,
            entry_price=100.0, quantity=1.0, client_order_id=f"cid-{bot_id}"))
    monkeypatch.setenv("BOT_JOURNAL__URL", journal_url)
    monkeypatch.delenv("BOT_RUN__BOT_ID", raising=False)
    monkeypatch.chdir(tmp_path)
    return journal_url


def _symbols(*args: str) -> list[str]:
    result = CliRunner().invoke(app, ["journal", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return [t["symbol"] for t in json.loads(result.stdout)]


def test_each_bot_id_shows_only_its_own_trades(fleet: str) -> None:
    assert _symbols() == ["BTCUSDT"]
    assert _symbols("--bot-id", "alpha") == ["ETHUSDT"]
    assert _symbols("--bot-id", "beta") == ["SOLUSDT"]
    assert _symbols("--bot-id", "nobody-here") == []


def test_the_default_is_this_bots_run_bot_id(fleet: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_RUN__BOT_ID", "beta")

    assert _symbols() == ["SOLUSDT"]
    assert _symbols("--bot-id", "default") == ["BTCUSDT"]


def test_the_summary_takes_the_bot_id_too(fleet: str) -> None:
    def open_trades(bot_id: str) -> int:
        result = CliRunner().invoke(app, ["journal", "summary", "--json", "--bot-id", bot_id])
        assert result.exit_code == 0, result.output
        return int(json.loads(result.stdout)["open_trades"])

    assert open_trades("alpha") == 1
    assert open_trades("nobody-here") == 0
