"""Replay through the heatmap, and the ``bot data`` / ``bot backtest`` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.cli.data import backtest, data_app
from bot.clock import ManualClock
from bot.domain import from_epoch_ms
from bot.heatmap import LiveLiquidationHeatmap
from bot.marketdata.replay import replay
from bot.marketdata.store import LiquidationEvent, MarkPoint


def test_replay_feeds_events_in_time_order_at_the_asked_speed() -> None:
    events = [LiquidationEvent("BTCUSDT", "long", 1_000 * i, 100.0 + i * 0.01, 1.0)
              for i in range(10)]
    marks = [MarkPoint("BTCUSDT", 4_500, 101.0)]
    clock = ManualClock(from_epoch_ms(0))
    heatmap = LiveLiquidationHeatmap(min_cluster_size=3, clock=clock)
    wall = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        wall[0] += seconds

    stats = replay(events, marks, heatmap, clock, speed=2.0, sleep=sleep,
                   monotonic=lambda: wall[0])

    assert (stats.liquidations, stats.mark_prices) == (10, 1)
    assert clock.now_ms == 9_000
    assert sum(slept) == pytest.approx(4.5)  # 9 simulated seconds at speed 2
    assert heatmap.get_price("BTCUSDT") == 101.0
    assert heatmap.get_clusters("BTCUSDT")[0].liquidation_count == 10


def _app() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(data_app, name="data")
    app.command()(backtest)
    return app


def test_data_import_then_export_through_the_command_line(recorded_csv: Path,
                                                          tmp_path: Path) -> None:
    env = {"BOT_JOURNAL__URL": f"sqlite:///{tmp_path / 'j.db'}"}
    runner = CliRunner()

    imported = runner.invoke(_app(), ["data", "import", str(recorded_csv)], env=env)
    exported = runner.invoke(_app(), ["data", "export", "--out", str(tmp_path / "x.csv")],
                             env=env)

    assert imported.exit_code == 0, imported.output
    assert "1837 new events" in imported.output
    assert exported.exit_code == 0, exported.output
    assert len((tmp_path / "x.csv").read_text(encoding="utf-8").splitlines()) == 1837


def test_backtest_command_writes_the_report_files(sim_db: Path, tmp_path: Path) -> None:
    env = {"BOT_JOURNAL__URL": f"sqlite:///{tmp_path / 'j.db'}"}
    out = tmp_path / "report"

    result = CliRunner().invoke(_app(), [
        "backtest", "--db", str(sim_db), "--symbols", "BTCUSDT,ETHUSDT,SOLUSDT",
        "--from", "2025-01-27T00:00", "--to", "2025-01-27T00:20", "--out", str(out)], env=env)

    assert result.exit_code == 0, result.output
    assert "net PnL" in result.output
    assert (out / "equity.png").read_bytes()[:4] == b"\x89PNG"
    assert '"summary"' in (out / "report.json").read_text(encoding="utf-8")
