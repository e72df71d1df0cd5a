"""``bot dashboard --journal URL``: a journal's trades, signals and equity served read-only."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx

from bot.journal import TradeMode, open_journal
from tests.cli.helpers import bot_command
from tests.journal.builders import new_trade
from tests.marketdata.conftest import sim_db

__all__ = ["sim_db"]  # the recorded simulator hour, a fixture


def _dashboard(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [*bot_command(), "dashboard", "--port", "0", "--duration", "60", *args],
        cwd=tmp_path, env={**os.environ, "BOT_WEB__TOKEN": "dashboard-token"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "read-only journal" in line, line + (process.stderr.read() if process.stderr else "")
    return process, line.rsplit(" at ", 1)[1].strip()


def test_dashboard_serves_a_journal_read_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stopped.db'}"
    journal = open_journal(url)
    trade_id = journal.open_trade(new_trade(mode=TradeMode.PAPER))
    journal.record_equity_snapshot(mode=TradeMode.PAPER, equity=10_050.0, balance=10_000.0)
    process, base = _dashboard(tmp_path, "--journal", url)
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            trades = http.get("/api/v1/trades").json()
            status = http.get("/api/v1/status").json()
            equity = http.get("/api/v1/equity").json()
            page = http.get("/")
            pause = http.post("/api/v1/pause", headers={"Authorization": "Bearer tok"})
            health = http.get("/api/v1/health").json()
    finally:
        process.terminate()
        code = process.wait(timeout=20)
    assert [t["id"] for t in trades] == [trade_id]
    assert status["live"] is False
    assert status["control_enabled"] is False
    assert [p["symbol"] for p in status["positions"]] == ["BTCUSDT"]
    assert status["equity"] == 10_050.0
    assert [e["equity"] for e in equity] == [10_050.0]
    assert page.status_code == 200
    assert pause.status_code == 403
    assert health == {**health, "status": "ok", "live": False}
    assert code == 0


def test_dashboard_refuses_an_open_bind_without_a_token(tmp_path: Path) -> None:
    result = subprocess.run(
        [*bot_command(), "dashboard", "--journal", f"sqlite:///{tmp_path / 'j.db'}",
         "--host", "0.0.0.0", "--duration", "1"],  # noqa: S104 - refused before binding
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "web.token" in result.stderr
    assert "Traceback" not in result.stderr


def test_dashboard_serves_a_backtest_report_as_a_page(tmp_path: Path, sim_db: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bt.db'}"
    out = tmp_path / "report"
    ran = subprocess.run(
        [*bot_command(), "backtest", "--db", str(sim_db), "--symbols", "BTCUSDT,ETHUSDT",
         "--from", "2025-01-27T00:00", "--to", "2025-01-27T00:20", "--out", str(out)],
        cwd=tmp_path, env={**os.environ, "BOT_JOURNAL__URL": url}, capture_output=True,
        text=True, timeout=300, check=False)
    assert ran.returncode == 0, ran.stderr[-2000:]
    process, base = _dashboard(tmp_path, "--journal", url, "--mode", "backtest",
                               "--backtest", str(out))
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            page = http.get("/backtest")
            chart = http.get("/backtest/equity.png")
            report = http.get("/api/v1/backtest").json()
            trades = http.get("/api/v1/trades").json()
    finally:
        process.terminate()
        process.wait(timeout=20)
    first_line = (out / "report.txt").read_text(encoding="utf-8").splitlines()[0]
    assert page.status_code == 200
    assert first_line.split()[0] in page.text
    assert 'src="http' not in page.text
    assert chart.content.startswith(b"\x89PNG")
    assert report == json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {t["mode"] for t in trades} <= {"backtest"}


def test_dashboard_in_an_empty_folder_creates_no_journal(tmp_path: Path) -> None:
    result = subprocess.run(
        [*bot_command(), "dashboard", "--port", "0", "--duration", "1"], cwd=tmp_path,
        env={**os.environ, "BOT_JOURNAL__URL": "sqlite:///bot-journal.db"},
        capture_output=True, text=True, check=False, timeout=60)

    assert result.returncode == 1
    assert result.stderr.startswith("error: no journal at ")
    assert result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
