"""``bot dashboard --journal URL``: a journal's trades, signals and equity served read-only."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx

from bot.journal import TradeMode, open_journal
from tests.cli.helpers import bot_command
from tests.journal.builders import new_trade


def test_dashboard_serves_a_journal_read_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stopped.db'}"
    journal = open_journal(url)
    trade_id = journal.open_trade(new_trade(mode=TradeMode.PAPER))
    journal.record_equity_snapshot(mode=TradeMode.PAPER, equity=10_050.0, balance=10_000.0)
    process = subprocess.Popen(
        [*bot_command(), "dashboard", "--journal", url, "--port", "0", "--duration", "60"],
        cwd=tmp_path, env={**os.environ, "BOT_WEB__TOKEN": "tok"}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "read-only journal" in line, line
        base = line.rsplit(" at ", 1)[1].strip()
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
