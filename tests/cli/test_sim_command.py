"""``bot sim``: through Typer's runner and as a real subprocess."""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.request

import websocket
from typer.testing import CliRunner

from bot.cli.app import app
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
        with urllib.request.urlopen(f"{first['rest_url']}/fapi/v1/premiumIndex?symbol=BTCUSDT",
                                    timeout=5) as response:
            premium = json.loads(response.read())
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    assert first["ws_url"].startswith("ws://127.0.0.1:")
    assert first["ws_url"].endswith("/market")
    assert frame["e"] == "markPriceUpdate"
    assert frame["s"] == "BTCUSDT"
    assert first["rest_url"].startswith("http://127.0.0.1:")
    assert first["api_key"]
    assert first["api_secret"]
    assert float(premium["markPrice"]) > 0


def test_sim_accepts_given_credentials_and_port() -> None:
    result = CliRunner().invoke(app, ["sim", "--duration", "0.2", "--port", "0",
                                      "--api-key", "k-test", "--api-secret", "s-test"])
    described = json.loads(result.stdout.splitlines()[0])
    assert (described["api_key"], described["api_secret"]) == ("k-test", "s-test")


def test_sim_refuses_a_key_without_its_secret() -> None:
    result = CliRunner().invoke(app, ["sim", "--api-key", "k-only"])
    assert result.exit_code == 2
    assert "go together" in result.stderr


def test_sim_through_typer_runner_with_duration() -> None:
    result = CliRunner().invoke(app, ["sim", "--duration", "0.2", "--seed", "3"])
    assert result.exit_code == 0
    assert json.loads(result.stdout.splitlines()[0])["mode"] == "synthetic"


def test_sim_rejects_a_bad_port_in_one_line() -> None:
    result = CliRunner().invoke(app, ["sim", "--port", "70000"])
    assert result.exit_code == 2
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_are_one_line_with_exit_2_from_the_console_script() -> None:
    for args in (["run", "--bogus"], ["journal", "--format", "xml"], ["nosuch"]):
        result = subprocess.run([*bot_command(), *args], capture_output=True, text=True,
                                timeout=60, check=False)
        assert result.returncode == 2, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: ")
