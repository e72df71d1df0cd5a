"""``bot journal``, ``bot journal summary``, ``bot db upgrade``, ``bot config show``: through
Typer's runner and as real subprocesses, on a real migrated SQLite journal."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.domain import PositionSide
from bot.journal import NewTrade, TradeMode, head_revision, open_journal
from tests.cli.helpers import bot_command

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CONTRACT_FIELDS = {"id", "symbol", "side", "mode", "status", "entry_time", "entry_price",
                   "quantity", "exit_time", "exit_price", "pnl", "fees", "client_order_id"}


@pytest.fixture
def journal_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A journal with two closed trades and one open, and the env pointing at it."""
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    repo = open_journal(url)
    rows = [("BTCUSDT", PositionSide.LONG, 90_000.0, 90_900.0, 8.0),
            ("ETHUSDT", PositionSide.SHORT, 3_000.0, 3_060.0, -6.5)]
    for i, (symbol, side, entry, exit_, pnl) in enumerate(rows):
        trade_id = repo.open_trade(NewTrade(symbol=symbol, side=side, mode=TradeMode.PAPER,
                                            entry_time=T0 + timedelta(hours=i),
                                            entry_price=entry, quantity=0.01,
                                            client_order_id=f"cid-{i}", fees=0.5))
        repo.close_trade(trade_id, exit_time=T0 + timedelta(hours=i, minutes=5),
                         exit_price=exit_, pnl=pnl, fees=1.0, reason="take_profit")
    repo.open_trade(NewTrade(symbol="SOLUSDT", side=PositionSide.LONG, mode=TradeMode.PAPER,
                             entry_time=T0 + timedelta(days=1), entry_price=140.0,
                             quantity=1.0, client_order_id="cid-open"))
    monkeypatch.setenv("BOT_JOURNAL__URL", url)
    monkeypatch.chdir(tmp_path)
    return {**os.environ, "BOT_JOURNAL__URL": url}


def test_journal_json_through_runner_has_the_contract_fields(journal_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["journal", "--format", "json"])
    assert result.exit_code == 0, result.output
    trades = json.loads(result.stdout)
    assert len(trades) == 3
    assert all(CONTRACT_FIELDS <= set(t) for t in trades)
    assert {t["status"] for t in trades} == {"open", "closed"}
    assert trades[0]["entry_time"].endswith("+00:00")


def test_journal_filters_by_symbol_and_since(journal_env: dict[str, str]) -> None:
    by_symbol = CliRunner().invoke(
        app, ["journal", "--format", "json", "--symbol", "ETH/USDT:USDT"]
    )
    since = CliRunner().invoke(app, ["journal", "--format", "json", "--since", "2026-03-03"])
    assert [t["symbol"] for t in json.loads(by_symbol.stdout)] == ["ETHUSDT"]
    assert [t["symbol"] for t in json.loads(since.stdout)] == ["SOLUSDT"]


def test_journal_csv_and_table(journal_env: dict[str, str]) -> None:
    csv_out = CliRunner().invoke(app, ["journal", "--format", "csv"])
    table = CliRunner().invoke(app, ["journal"])
    assert csv_out.stdout.splitlines()[0].startswith("id,symbol,side,mode,status")
    assert len(csv_out.stdout.splitlines()) == 4
    assert "BTCUSDT" in table.stdout


def test_journal_summary_json(journal_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["journal", "summary", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["closed_trades"] == 2
    assert summary["net_pnl"] == pytest.approx(1.5)
    assert summary["win_rate"] == pytest.approx(0.5)


def test_bad_since_is_a_usage_error(journal_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["journal", "--since", "yesterday-ish"])
    assert result.exit_code == 2
    assert "--since" in result.output


def test_journal_and_summary_as_subprocesses(journal_env: dict[str, str]) -> None:
    listing = subprocess.run([*bot_command(), "journal", "--format", "json"], env=journal_env,
                             capture_output=True, text=True, timeout=60, check=True)
    summary = subprocess.run([*bot_command(), "journal", "summary"], env=journal_env,
                             capture_output=True, text=True, timeout=60, check=True)
    assert len(json.loads(listing.stdout)) == 3
    assert "net PnL" in summary.stdout


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {**os.environ, "BOT_JOURNAL__URL": url}
    result = subprocess.run([*bot_command(), "db", "upgrade"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=True)
    assert f"revision {head_revision()}" in result.stdout
    assert (tmp_path / "fresh.db").exists()


def test_config_show_masks_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_EXCHANGE__API_KEY", "canary-key-9f8e7d")
    monkeypatch.setenv("BOT_EXCHANGE__API_SECRET", "canary-secret-1a2b3c")
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert "canary" not in result.output
    assert "api_key: '**********'" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("BOT_RISK__MAX_LEVERAGE", "banana", "risk.max_leverage: expected a number between 1"),
        ("BOT_RISK__MAX_LEVERAGE", "200", "risk.max_leverage"),
        ("BOT_LOGGING__LEVEL", "LOUD", "logging.level"),
    ],
)
def test_bad_config_values_exit_2_naming_the_key(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    env = {**os.environ, variable: value}
    result = subprocess.run([*bot_command(), "config", "show"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def two_modes(journal_env: dict[str, str]) -> dict[str, str]:
    """The paper journal above plus a backtest account of 1k next to the paper 10k, both flat."""
    repo = open_journal(journal_env["BOT_JOURNAL__URL"])
    trade_id = repo.open_trade(NewTrade(symbol="BTCUSDT", side=PositionSide.LONG,
                                        mode=TradeMode.BACKTEST, entry_time=T0,
                                        entry_price=50_000.0, quantity=0.01,
                                        client_order_id="bt-0", fees=0.1))
    repo.close_trade(trade_id, exit_time=T0 + timedelta(minutes=1), exit_price=51_000.0,
                     pnl=100.0, fees=0.2, reason="take_profit")
    for minute in range(3):
        at = T0 + timedelta(minutes=minute)
        repo.record_equity_snapshot(mode=TradeMode.PAPER, equity=10_000.0, balance=10_000.0,
                                    at=at)
        repo.record_equity_snapshot(mode=TradeMode.BACKTEST, equity=1_000.0, balance=1_000.0,
                                    at=at + timedelta(seconds=30))
    return journal_env


def test_journal_shows_the_configured_mode_only(two_modes: dict[str, str]) -> None:
    default = CliRunner().invoke(app, ["journal", "--format", "json"])
    backtest = CliRunner().invoke(app, ["journal", "--format", "json", "--mode", "backtest"])
    every = CliRunner().invoke(app, ["journal", "--format", "json", "--mode", "all"])

    assert {t["mode"] for t in json.loads(default.stdout)} == {"paper"}
    assert [t["client_order_id"] for t in json.loads(backtest.stdout)] == ["bt-0"]
    modes = [t["mode"] for t in json.loads(every.stdout)]
    assert modes == sorted(modes, key=["paper", "live", "backtest"].index)  # grouped by mode
    assert len(modes) == 4


def test_summary_never_adds_modes_together(two_modes: dict[str, str]) -> None:
    default = json.loads(CliRunner().invoke(app, ["journal", "summary", "--json"]).stdout)
    every = json.loads(CliRunner().invoke(
        app, ["journal", "summary", "--json", "--mode", "all"]).stdout)
    group_option = json.loads(CliRunner().invoke(
        app, ["journal", "--mode", "backtest", "summary", "--json"]).stdout)

    assert default["mode"] == "paper"
    assert default["net_pnl"] == pytest.approx(1.5)
    assert default["max_drawdown_pct"] == pytest.approx(0.0)  # flat 10k, not 10k vs 1k
    assert set(every) == {"paper", "live", "backtest"}
    assert every["backtest"]["net_pnl"] == pytest.approx(100.0)
    assert every["backtest"]["max_drawdown_pct"] == pytest.approx(0.0)
    assert group_option["mode"] == "backtest"


def test_summary_tables_name_their_mode(two_modes: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["journal", "summary", "--mode", "all"])

    assert result.exit_code == 0, result.output
    assert "Summary (paper)" in result.stdout
    assert "Summary (backtest)" in result.stdout


def test_journal_in_an_empty_folder_creates_no_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_JOURNAL__URL", "sqlite:///bot-journal.db")

    result = subprocess.run([*bot_command(), "journal"], capture_output=True, text=True,
                            check=False, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith("error: no journal at ")
    assert result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_journal_lists_duration_pnl_pct_and_reasons(journal_env: dict[str, str]) -> None:
    rows = json.loads(CliRunner().invoke(app, ["journal", "--format", "json"]).stdout)
    table = CliRunner().invoke(app, ["journal"]).stdout

    btc = next(r for r in rows if r["symbol"] == "BTCUSDT")
    assert btc["duration_seconds"] == 300.0
    assert btc["duration"] == "5 min"
    assert btc["pnl_pct"] == pytest.approx(8.0 / 900.0 * 100)
    assert btc["exit_reason"] == "take_profit"
    for column in ("duration", "pnl pct", "entry reason", "exit reason"):
        assert column in table


def test_journal_signals_profit_and_show(journal_env: dict[str, str]) -> None:
    signals = CliRunner().invoke(app, ["journal", "signals", "--format", "json"])
    daily = json.loads(CliRunner().invoke(
        app, ["journal", "profit", "--by", "day", "--format", "json"]).stdout)
    monthly_csv = CliRunner().invoke(app, ["journal", "profit", "--by", "month",
                                           "--format", "csv"]).stdout
    monthly_table = CliRunner().invoke(app, ["journal", "profit", "--by", "month"]).stdout
    shown = json.loads(CliRunner().invoke(app, ["journal", "show", "1", "--format",
                                                "json"]).stdout)
    missing = CliRunner().invoke(app, ["journal", "show", "99"])

    assert signals.exit_code == 0, signals.output
    assert json.loads(signals.stdout) == []
    assert [(d["period"], d["trades"], d["net_pnl"]) for d in daily] == [
        ("2026-03-02", 2, pytest.approx(1.5))]
    assert monthly_csv.splitlines() == [
        "mode,period,trades,wins,losses,net_pnl,fees,profit_factor",
        "paper,2026-03,2,1,1,1.5,2.0,1.2307692307692308"]
    assert "1.23" in monthly_table
    assert shown[0]["kind"] == "trade"
    assert shown[0]["id"] == 1
    assert missing.exit_code == 1
