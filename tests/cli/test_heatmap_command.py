"""``bot heatmap SYMBOL --sim``: the live cluster view, through Typer's runner and a subprocess."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from tests.cli.helpers import bot_command


def test_heatmap_view_through_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["heatmap", "BTC/USDT:USDT", "--sim", "--duration", "3"])
    assert result.exit_code == 0, result.output
    assert "BTCUSDT" in result.stdout
    assert "mark" in result.stdout


def test_heatmap_view_as_subprocess(tmp_path: Path) -> None:
    result = subprocess.run([*bot_command(), "heatmap", "ETHUSDT", "--sim", "--duration", "3"],
                            cwd=tmp_path, env=dict(os.environ), capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ETHUSDT" in result.stdout
    assert "connected" in result.stdout


def test_heatmap_shows_projected_levels_with_the_projected_layer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["heatmap", "BTCUSDT", "--sim", "--duration", "8",
                                      "--layer", "projected"])
    assert result.exit_code == 0, result.output
    assert "proj." in result.stdout  # the simulator's open interest became levels


def test_an_unknown_layer_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = subprocess.run([*bot_command(), "heatmap", "BTCUSDT", "--layer", "guessed"],
                            cwd=tmp_path, env=dict(os.environ), capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2
    assert "--layer" in result.stderr
    assert "Traceback" not in result.stderr
