"""The equity chart (matplotlib, Agg): a real PNG, the same bytes for the same data, edge
cases without warnings, markers drawn and never thinned away, and on a real backtest the
equity sampled at every fill."""

from __future__ import annotations

import io
import math
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.backtest.chart import (
    DPI,
    HEIGHT_IN,
    MAX_POINTS,
    WIDTH_IN,
    TradeMarker,
    _thin,
    equity_chart_png,
)
from bot.backtest.engine import EquityPoint
from bot.backtest.report import BacktestReport
from bot.backtest.runs import BacktestRequest, run_backtest
from bot.domain import PositionSide, to_epoch_ms
from bot.journal import TradeMode, create_engine_for, open_journal
from bot.marketdata.store import HistoryStore
from bot.settings import load_settings
from tests.marketdata.simdata import START

T0 = to_epoch_ms(START)
MINUTE = 60_000
SIZE = (round(WIDTH_IN * DPI), round(HEIGHT_IN * DPI))
LONG_ENTRY_GREEN = (44, 160, 44)  # "#2ca02c", the long-entry triangle's fill
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")


def _points(values: Sequence[float], step_ms: int = MINUTE) -> list[EquityPoint]:
    return [EquityPoint(T0 + i * step_ms, v) for i, v in enumerate(values)]


def _pixels(png: bytes) -> Image.Image:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes every row: a truncated or corrupt stream fails here
    return image.convert("RGB")


def _count(image: Image.Image, colour: tuple[int, int, int]) -> int:
    return int(np.all(np.asarray(image) == colour, axis=-1).sum())


WAVE = [1_000 + 20 * math.sin(i / 7) - i * 0.3 for i in range(120)]


def test_a_chart_is_a_real_png_of_the_fixed_size() -> None:
    png = equity_chart_png(_points(WAVE), title="a title", starting_balance=1_000.0)

    image = _pixels(png)

    assert image.size == SIZE
    assert png[12:16] == b"IHDR"
    assert png.endswith(b"IEND\xaeB`\x82")


def test_the_same_inputs_give_the_same_bytes_and_other_data_other_bytes() -> None:
    markers = [TradeMarker(T0 + 10 * MINUTE, PositionSide.LONG, "entry"),
               TradeMarker(T0 + 30 * MINUTE, PositionSide.LONG, "exit")]

    def draw(values: Sequence[float]) -> bytes:
        return equity_chart_png(_points(values), markers=markers, title="run",
                                period_ms=(T0, T0 + 120 * MINUTE), starting_balance=1_000.0)

    first = draw(WAVE)

    assert draw(WAVE) == first
    assert draw([v + 1 for v in WAVE]) != first
    assert b"matplotlib" not in first.lower()  # no Software text naming the version


@pytest.mark.parametrize("values", [[], [1_000.0], [1_000.0] * 50],
                         ids=["empty", "single point", "flat"])
def test_empty_single_and_flat_series_draw_without_warnings(values: list[float]) -> None:
    markers = [TradeMarker(T0, PositionSide.SHORT, "entry")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = equity_chart_png(_points(values), markers=markers, title="edge",
                               starting_balance=1_000.0)
        bare = equity_chart_png(_points(values))

    assert _pixels(png).size == SIZE
    assert _pixels(bare).size == SIZE
    assert equity_chart_png(_points(values)) == bare


def test_markers_are_drawn_on_the_curve() -> None:
    points = _points(WAVE)
    one = [TradeMarker(T0 + 5 * MINUTE, PositionSide.LONG, "entry")]
    five = [TradeMarker(T0 + m * MINUTE, PositionSide.LONG, "entry") for m in (5, 30, 55, 80, 105)]

    without = _count(_pixels(equity_chart_png(points)), LONG_ENTRY_GREEN)
    with_one = _count(_pixels(equity_chart_png(points, markers=one)), LONG_ENTRY_GREEN)
    with_five = _count(_pixels(equity_chart_png(points, markers=five)), LONG_ENTRY_GREEN)

    assert without == 0
    assert 0 < with_one < with_five  # the legend's symbol, plus one triangle per marker
    exits = [TradeMarker(T0 + 5 * MINUTE, PositionSide.SHORT, "exit")]
    assert equity_chart_png(points, markers=exits) != equity_chart_png(points)


def test_a_long_series_is_thinned_but_keeps_extremes_markers_and_the_last_point() -> None:
    count = 100_000
    times = T0 + np.arange(count, dtype=np.int64) * 1_000
    equity = 1_000 + np.sin(np.arange(count) / 900.0) * 10
    equity[54_321] = 900.0  # a deep, one-sample trough
    marker_times = np.array([times[12_345], times[77_777] + 1], dtype=np.int64)

    keep = _thin(times, equity, marker_times, MAX_POINTS)

    assert len(keep) <= MAX_POINTS + 2 * len(marker_times) + 2
    assert np.all(np.diff(keep) > 0)  # in time order, no repeats
    assert {0, count - 1, 54_321, 12_345, 77_777, 77_778} <= set(keep.tolist())
    assert np.array_equal(keep, _thin(times, equity, marker_times, MAX_POINTS))
    assert len(_thin(times[:MAX_POINTS], equity[:MAX_POINTS], marker_times,
                     MAX_POINTS)) == MAX_POINTS  # short enough: everything drawn


def test_a_long_series_with_many_markers_renders_quickly() -> None:
    values = [1_000 + 30 * math.sin(i / 500) for i in range(200_000)]  # 2.3 days of seconds
    markers = [TradeMarker(T0 + i * 997_000, PositionSide.LONG, "entry") for i in range(150)]

    began = time.perf_counter()
    png = equity_chart_png(_points(values, 1_000), markers=markers)
    elapsed = time.perf_counter() - began

    assert _pixels(png).size == SIZE
    assert elapsed < 5  # about 0.2 s here; unthinned it would be several times that


# -- on a real backtest of the simulator recording -----------------------------------------


@pytest.fixture(scope="module")
def backtest(sim_db: Path) -> Iterator[tuple[BacktestReport, Path]]:
    """One backtest of the recording with the default settings, and its journal."""
    settings = load_settings(None, {"run.symbols": ",".join(SYMBOLS)}, env={})
    engine = create_engine_for(f"sqlite:///{sim_db}")
    with tempfile.TemporaryDirectory() as folder:
        journal = Path(folder) / "journal.db"
        try:
            report = run_backtest(settings, HistoryStore(engine), BacktestRequest(SYMBOLS),
                                  f"sqlite:///{journal}")
        finally:
            engine.dispose()
        yield report, journal


def test_equity_is_sampled_at_every_fill_as_well_as_at_the_interval(
    backtest: tuple[BacktestReport, Path],
) -> None:
    report, journal = backtest
    trades = open_journal(f"sqlite:///{journal}").list_trades(mode=TradeMode.BACKTEST)
    snapshots = open_journal(f"sqlite:///{journal}").list_equity_snapshots(
        mode=TradeMode.BACKTEST)
    times = [p.time_ms for p in report.run.equity]
    fills = {to_epoch_ms(t.entry_time) for t in trades} | {
        to_epoch_ms(t.exit_time) for t in trades if t.exit_time is not None}

    interval = {*range(report.run.start_ms, report.run.end_ms, MINUTE), report.run.end_ms - 1}

    assert trades
    assert not fills <= interval  # some fills fall between the minutes: not vacuous
    assert times == sorted(set(times))  # one point per instant, in order
    assert set(times) == interval | fills  # each minute, the end, and every fill
    assert len(times) > len(interval)
    # The journal still holds only the interval's snapshots (the report's figures use them).
    assert [to_epoch_ms(s.time) for s in snapshots] == sorted(interval)


def test_the_chart_of_a_real_backtest_marks_every_fill(
    backtest: tuple[BacktestReport, Path],
) -> None:
    report, journal = backtest
    trades = open_journal(f"sqlite:///{journal}").list_trades(mode=TradeMode.BACKTEST)

    png = report.equity_png()

    assert _pixels(png).size == SIZE
    assert png == report.equity_png()
    kinds = [(m.kind, m.side) for m in report.markers]
    assert kinds.count(("entry", PositionSide.LONG)) + kinds.count(
        ("entry", PositionSide.SHORT)) == len(trades)
    assert sum(kind == "exit" for kind, _ in kinds) == sum(
        t.exit_time is not None for t in trades)
    assert [m.time_ms for m in report.markers] == sorted(m.time_ms for m in report.markers)
    assert all(report.run.start_ms <= m.time_ms < report.run.end_ms for m in report.markers)
    title = report.chart_title()
    assert "BTCUSDT, ETHUSDT, SOLUSDT" in title
    assert f"{report.summary.closed_trades} trades" in title
    for figure in ("net PnL", "win rate", "max drawdown", "→"):
        assert figure in title
