"""``bot run --paper --sim`` end to end: a real subprocess (and Typer's runner) against the
in-process simulator, a real SQLite journal, real ccxt."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.journal import open_journal
from tests.cli.helpers import bot_command

FAST = Path(__file__).with_name("fast_sim.yaml")


def _journal_is_empty(path: Path) -> bool:
    """True when the journal at ``path`` holds no trade and no order (or does not exist)."""
    if not path.exists():
        return True
    with sqlite3.connect(path) as db:
        return all(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0
                   for table in ("trades", "orders"))


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "BOT_JOURNAL__URL": f"sqlite:///{tmp_path / 'journal.db'}"}


def _assert_consistent(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # Every filled entry order belongs to a trade; every trade has its entry order.
        orphans = conn.execute(
            "SELECT COUNT(*) FROM orders WHERE purpose = 'entry' AND status = 'filled' "
            "AND trade_id IS NULL").fetchone()
        assert orphans == (0,)
        missing = conn.execute(
            "SELECT COUNT(*) FROM trades t WHERE NOT EXISTS (SELECT 1 FROM orders o "
            "WHERE o.client_order_id = t.client_order_id)").fetchone()
        assert missing == (0,)


@pytest.mark.slow
def test_paper_sim_run_as_a_subprocess_trades_and_journals(tmp_path: Path) -> None:
    result = subprocess.run(
        [*bot_command(), "run", "--paper", "--sim", "--duration", "30", "--config", str(FAST)],
        env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    journal = open_journal(_env(tmp_path)["BOT_JOURNAL__URL"])
    assert journal.list_signals(), result.stderr[-3000:]
    assert any(t.status == "closed" for t in journal.list_trades()), result.stderr[-3000:]
    assert len(journal.list_equity_snapshots()) >= 2
    assert "Traceback" not in result.stderr
    _assert_consistent(tmp_path / "journal.db")


@pytest.mark.slow
def test_sigterm_mid_run_exits_cleanly_with_a_consistent_journal(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*bot_command(), "run", "--paper", "--sim", "--config", str(FAST)],
        env=_env(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(12)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr[-2000:]
    assert "runner stopped" in stderr
    _assert_consistent(tmp_path / "journal.db")
    journal = open_journal(_env(tmp_path)["BOT_JOURNAL__URL"])
    assert journal.list_equity_snapshots()


def test_run_through_typer_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_JOURNAL__URL", f"sqlite:///{tmp_path / 'journal.db'}")
    result = CliRunner().invoke(app, ["run", "--paper", "--sim", "--duration", "4",
                                      "--config", str(FAST), "--symbols", "BTCUSDT,ETHUSDT"])
    assert result.exit_code == 0, result.output
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.db'}")
    assert journal.list_equity_snapshots()
    assert f"journal: sqlite:///{tmp_path / 'journal.db'} (bot journal to review)" in (
        result.stdout)
    left = [line for line in result.stdout.splitlines() if line.startswith("left open: ")]
    assert len(left) == len(journal.open_trades())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--paper", "--live"], "choose one of --paper and --live"),
        (["run", "--live", "--duration", "1"], "BOT_EXCHANGE__API_KEY"),
    ],
)
def test_run_refusals_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    env = {k: v for k, v in _env(tmp_path).items() if not k.startswith("BOT_EXCHANGE__API")}
    result = subprocess.run([*bot_command(), *args], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("symbols", "message"), [
    ("BTCUSD", "error: run.symbols: not listed by the simulator: BTCUSD (closest: BTCUSDT"),
    ("ETHUSDT,DOGEUSDT", "error: run.symbols: not listed by the simulator: DOGEUSDT (closest:"),
])
def test_run_refuses_symbols_the_simulator_does_not_list(tmp_path: Path, symbols: str,
                                                         message: str) -> None:
    result = subprocess.run(
        [*bot_command(), "run", "--paper", "--sim", "--symbols", symbols, "--duration", "20"],
        env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=60,
        check=False,
    )

    assert result.returncode == 2, result.stderr[-2000:]
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    # Refused before the venue or any stream started: the journal (opened first, so that a
    # broken one is refused before anything connects) holds no trade and no order.
    assert _journal_is_empty(tmp_path / "journal.db")


@pytest.mark.slow
def test_live_sim_rehearsal_needs_no_keys_and_logs_none(tmp_path: Path) -> None:
    env = {k: v for k, v in _env(tmp_path).items() if not k.startswith("BOT_EXCHANGE__API")}

    result = subprocess.run(
        [*bot_command(), "run", "--live", "--sim", "--symbols", "BTCUSDT", "--duration", "3",
         "--config", str(FAST)],
        env={**env, "BOT_LOGGING__LEVEL": "DEBUG"}, cwd=tmp_path, capture_output=True,
        text=True, timeout=120, check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "LIVE TRADING" in result.stdout
    assert "'api_key': '***', 'api_secret': '***'" in result.stderr
    # The simulator draws 64-character credentials: none may reach any output.
    output = result.stdout + result.stderr
    assert re.findall(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])", output) == []


@pytest.mark.slow
def test_three_venue_paper_sim_run_trades_on_every_venue_stream(tmp_path: Path) -> None:
    # Arrange: Binance, Bybit and OKX, all simulated from the one market.
    env = {**_env(tmp_path), "BOT_HEATMAP__SOURCES": "binance,bybit,okx"}
    # Act
    result = subprocess.run(
        [*bot_command(), "run", "--paper", "--sim", "--duration", "30", "--config", str(FAST)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    # Assert: trades were made, and every venue's stream delivered liquidations.
    assert result.returncode == 0, result.stderr[-2000:]
    journal = open_journal(env["BOT_JOURNAL__URL"])
    assert any(t.status == "closed" for t in journal.list_trades()), result.stderr[-3000:]
    totals = re.search(r"stream totals: (.*)", result.stderr)
    assert totals is not None, result.stderr[-3000:]
    for venue in ("binance", "bybit", "okx"):
        found = re.search(rf"{venue} (\d+) liquidations \((\d+) frames, 0 malformed", totals[1])
        assert found is not None, totals[1]
        assert int(found[1]) > 0, totals[1]
    assert "Traceback" not in result.stderr
    _assert_consistent(tmp_path / "journal.db")
