"""Control endpoints: the auth matrix, the actions and their journal entries, the rate limit,
and the refused open bind."""

from __future__ import annotations

import logging
import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.app.bootstrap import build_bot
from bot.app.runner import BotRunner
from bot.journal import open_journal
from bot.settings import load_settings
from tests.cli.helpers import bot_command
from tests.web.helpers import FAST, TOKEN, RunningBot, wait_for

ACTIONS = [("POST", "/api/v1/pause"), ("POST", "/api/v1/resume"),
           ("POST", "/api/v1/kill-switch"), ("DELETE", "/api/v1/kill-switch"),
           ("POST", "/api/v1/positions/BTCUSDT/close")]


@pytest.mark.parametrize(("method", "path"), ACTIONS)
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer",
                                    f"Bearer {TOKEN}x"])
def test_missing_or_wrong_token_is_401(bot: RunningBot, method: str, path: str,
                                       header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    with bot.client() as http:
        response = http.request(method, path, headers=headers)
    assert response.status_code == 401
    assert TOKEN not in response.text


def test_pause_and_resume_with_the_token_are_journaled(bot: RunningBot) -> None:
    with bot.client(TOKEN) as http:
        paused = http.post("/api/v1/pause", json={"reason": "lunch"})
        status = http.get("/api/v1/status").json()
        resumed = http.post("/api/v1/resume")
        after = http.get("/api/v1/status").json()
    assert paused.status_code == 200
    assert paused.json()["action"] == "pause"
    assert status["entries_paused"] is True
    assert "lunch" in status["paused_reason"]
    assert resumed.status_code == 200
    assert "operator" not in (after["paused_reason"] or "")
    events = open_journal(bot.journal_url).list_risk_events(kind="operator")
    reasons = [(e.reason, e.detail) for e in events]
    assert ("entries paused", "lunch (web API, 127.0.0.1)") in reasons
    assert any(r == "entries resumed" for r, _ in reasons)


def test_kill_switch_refuses_entries_until_released(bot: RunningBot) -> None:
    journal = open_journal(bot.journal_url)
    with bot.client(TOKEN) as http:
        assert http.post("/api/v1/kill-switch").status_code == 200
        status = http.get("/api/v1/status").json()
        wait_for(lambda: any("kill switch" in (s.reason or "")
                             for s in journal.list_signals()[-20:]), timeout=30)
        assert http.delete("/api/v1/kill-switch").status_code == 200
        after = http.get("/api/v1/status").json()
    assert status["kill_switch"] is True
    assert status["entries_paused"] is True
    assert after["kill_switch"] is False
    kinds = [e.reason for e in journal.list_risk_events(kind="kill_switch")]
    assert kinds[-2:] == ["kill switch on", "kill switch off"]


def test_close_position_goes_through_the_venue_and_journals_manual(bot: RunningBot) -> None:
    with bot.client(TOKEN) as http:
        for _attempt in range(5):  # a stop or target may close the position first
            positions = wait_for(lambda: http.get("/api/v1/status").json()["positions"],
                                 timeout=60)
            assert isinstance(positions, list)
            symbol = positions[0]["symbol"]
            response = http.post(f"/api/v1/positions/{symbol}/close")
            if response.status_code != 404:
                break
        trades = http.get("/api/v1/trades", params={"symbol": symbol}).json()
        again = http.post(f"/api/v1/positions/{symbol}/close")
    assert response.status_code == 200, response.text
    manual = [t for t in trades if t["exit_reason"] == "manual"]
    assert manual
    assert manual[-1]["status"] == "closed"
    assert again.status_code == 404
    events = open_journal(bot.journal_url).list_risk_events(kind="operator")
    assert any(e.reason == "close position" and e.symbol == symbol for e in events)


def test_unknown_symbol_close_is_404(bot: RunningBot) -> None:
    with bot.client(TOKEN) as http:
        response = http.post("/api/v1/positions/NOPEUSDT/close")
    assert response.status_code == 404


@pytest.fixture
def in_process(tmp_path: Path, caplog: pytest.LogCaptureFixture,
               request: pytest.FixtureRequest) -> Iterator[tuple[BotRunner, str]]:
    """``build_bot`` with the web server on (no scheduler jobs): its runner and URL."""
    overrides: dict[str, object] = {
        "web.enabled": True, "web.port": 0, "journal.url": f"sqlite:///{tmp_path / 'j.db'}",
        **getattr(request, "param", {})}
    settings = load_settings(FAST, overrides, env={})
    with caplog.at_level(logging.INFO, logger="bot.web.server"):
        runner = build_bot(settings, use_sim=True)
    found = re.search(r"dashboard at (http://\S+/)", caplog.text)
    assert found, caplog.text
    try:
        yield runner, found.group(1)
    finally:
        runner.stop()


@pytest.mark.parametrize(("method", "path"), ACTIONS)
@pytest.mark.parametrize("header", [None, "Bearer anything", f"Bearer {TOKEN}"])
def test_without_a_configured_token_every_control_endpoint_is_403(
        in_process: tuple[BotRunner, str], method: str, path: str, header: str | None) -> None:
    runner, url = in_process
    headers = {} if header is None else {"Authorization": header}
    response = httpx.request(method, url + path.lstrip("/"), headers=headers, timeout=10)
    assert response.status_code == 403
    assert "web.token" in response.json()["detail"]
    assert runner.loop.status().entries_paused != "by operator: pause"


@pytest.mark.parametrize("in_process", [{"web.token": "rate-token",
                                         "web.control_rate_per_minute": 3}], indirect=True)
def test_control_is_rate_limited_per_client(in_process: tuple[BotRunner, str]) -> None:
    _runner, url = in_process
    codes = [httpx.post(url + "api/v1/resume", timeout=10,
                        headers={"Authorization": f"Bearer {t}"}).status_code
             for t in ("wrong", "rate-token", "rate-token", "rate-token")]
    assert codes == [401, 200, 200, 429]


def _run(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [*bot_command(), "run", "--paper", "--sim", "--duration", "3", "--config", str(FAST),
         *args], env={**os.environ, "BOT_JOURNAL__URL": f"sqlite:///{tmp_path / 'j.db'}", **env},
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])  # noqa: S104
def test_open_bind_without_a_token_is_refused(tmp_path: Path, host: str) -> None:
    result = _run(tmp_path, "--web", env={"BOT_WEB__HOST": host})
    assert result.returncode == 2
    assert "web.host" in result.stderr
    assert "web.token" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_busy_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run(tmp_path, "--web", "--web-port", str(port), env={})
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_web_port_flag_is_one_line(tmp_path: Path) -> None:
    result = _run(tmp_path, "--web", "--web-port", "70000", env={})
    assert result.returncode == 2
    assert "--web-port" in result.stderr
