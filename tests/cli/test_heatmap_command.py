"""``bot heatmap SYMBOL --sim``: the live cluster view, through Typer's runner and a subprocess."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from bot.cli.app import app
from bot.cli.views.heatmap import compact, render_heatmap
from bot.domain import LiquidationCluster
from bot.heatmap import LiveLiquidationHeatmap
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


def test_the_view_shows_each_clusters_notional_per_venue() -> None:
    # Arrange
    now = datetime(2026, 12, 4, tzinfo=UTC)
    cluster = LiquidationCluster(
        "BTCUSDT", 90_000.0, "long", 7, 1_352_000.0, 0.8, -1.0, now, 89_900.0, 90_100.0,
        1e6, 0.0, now, {"binance": 12_000.0, "bybit": 1_300_000.0, "okx": 40_000.0})
    console = Console(width=200, record=True)
    # Act
    console.print(render_heatmap("BTCUSDT", [cluster], 91_000.0,
                                 LiveLiquidationHeatmap().health()))
    text = console.export_text()
    # Assert
    assert "by venue" in text
    assert "binance 12k bybit 1.3M okx 40k" in text
    assert [compact(x) for x in (950.0, 12_345.0, 4_560_000.0, 1.2e9)] == [
        "950", "12.3k", "4.56M", "1.2B"]


def test_heatmap_view_of_three_venues(tmp_path: Path) -> None:
    env = {**os.environ, "BOT_HEATMAP__SOURCES": "binance,bybit,okx",
           "BOT_HEATMAP__MIN_CLUSTER_SIZE": "2", "COLUMNS": "220"}
    result = subprocess.run([*bot_command(), "heatmap", "SOLUSDT", "--sim", "--duration", "5"],
                            cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "by venue" in result.stdout
    last = result.stdout[result.stdout.rfind("SOLUSDT"):]
    for venue in ("binance up", "bybit up", "okx up"):
        assert venue in last, last
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
