"""``bot sim``: through Typer's runner and as a real subprocess."""

from __future__ import annotations

import json
import signal
import subprocess

import websocket
from typer.testing import CliRunner

from bot.cli import app
from tests.cli.helpers import bot_command


def test_sim_prints_its_urls_first_and_serves_until_sigterm() -> None:
    with subprocess.Popen(
        [*bot_command(), "sim"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        first = json.loads(process.stdout.readline())
        ws = websocket.create_connection(f"{first['ws_url']}/ws/btcusdt@markPrice@1s", timeout=5)
        frame = json.loads(ws.recv())
        ws.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    assert first["ws_url"].startswith("ws://127.0.0.1:")
    assert first["ws_url"].endswith("/market")
    assert frame["e"] == "markPriceUpdate"
    assert frame["s"] == "BTCUSDT"


def test_sim_through_typer_runner_with_duration() -> None:
    result = CliRunner().invoke(app, ["sim", "--duration", "0.2", "--seed", "3"])
    assert result.exit_code == 0
    assert json.loads(result.stdout.splitlines()[0])["mode"] == "synthetic"


def test_sim_rejects_a_bad_port_in_one_line() -> None:
    result = CliRunner().invoke(app, ["sim", "--port", "70000"])
    assert result.exit_code == 2
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr
