"""The backtest end to end on a recording of the simulator: trades, determinism, no
look-ahead, grids equal to single runs."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.backtest.grid import grid_jobs, parse_grid, run_grid
from bot.backtest.report import BacktestReport
from bot.backtest.runs import BacktestRequest, run_backtest
from bot.domain import from_epoch_ms, to_epoch_ms
from bot.journal import TradeMode, TradeRecord, create_engine_for, open_journal, summarize
from bot.marketdata.store import HistoryStore, LiquidationEvent, MarkPoint
from bot.settings import Settings, load_settings
from tests.marketdata.simdata import START

SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")
REQUEST = BacktestRequest(SYMBOLS)


def _settings(**overrides: object) -> Settings:
    return load_settings(None, {"run.symbols": ",".join(SYMBOLS), **overrides}, env={})


def _url(journal: Path | str) -> str:
    """A journal given as a SQLite file path, or already as a URL (PostgreSQL)."""
    return journal if isinstance(journal, str) else f"sqlite:///{journal}"


def _run(db: Path, journal: Path | str, settings: Settings | None = None) -> BacktestReport:
    engine = create_engine_for(f"sqlite:///{db}")
    try:
        return run_backtest(settings or _settings(), HistoryStore(engine), REQUEST,
                            _url(journal))
    finally:
        engine.dispose()


def _trades(journal: Path | str) -> list[TradeRecord]:
    return open_journal(_url(journal)).list_trades(mode=TradeMode.BACKTEST)


def test_a_simulator_recording_backtests_end_to_end_with_trades(sim_db: Path,
                                                               journal_url: str) -> None:
    report = _run(sim_db, journal_url)

    trades = _trades(journal_url)
    assert report.summary.closed_trades > 0
    assert len(trades) == report.summary.closed_trades + report.summary.open_trades
    assert {t.mode for t in trades} == {TradeMode.BACKTEST}
    assert set(report.run.symbols) == set(SYMBOLS)
    assert summarize(trades).net_pnl == pytest.approx(report.summary.net_pnl)
    assert report.summary.fees > 0
    assert 0 < report.exposure_pct <= 100
    assert "net PnL" in report.to_text()


def test_the_same_data_and_settings_give_byte_identical_results(sim_db: Path,
                                                                tmp_path: Path) -> None:
    first = _run(sim_db, tmp_path / "a.db")
    second = _run(sim_db, tmp_path / "b.db")

    assert first.to_json() == second.to_json()
    assert first.to_text() == second.to_text()
    assert first.equity_png() == second.equity_png()
    assert _trades(tmp_path / "a.db") == _trades(tmp_path / "b.db")


def test_a_rerun_into_the_same_journal_replaces_the_previous_backtest(
    sim_db: Path, journal_url: str
) -> None:
    first = _run(sim_db, journal_url)
    trades_before = _trades(journal_url)

    second = _run(sim_db, journal_url)

    assert first.to_json() == second.to_json()
    # Same trades; PostgreSQL's sequences never hand out a deleted row's id again.
    assert [replace(t, id=0) for t in _trades(journal_url)] == [
        replace(t, id=0) for t in trades_before]


def test_appending_future_events_never_changes_an_earlier_decision(sim_db: Path,
                                                                   tmp_path: Path) -> None:
    cut = START + timedelta(minutes=30)
    cut_ms = to_epoch_ms(cut)
    altered = tmp_path / "altered.db"
    shutil.copy(sim_db, altered)
    engine = create_engine_for(f"sqlite:///{altered}")
    store = HistoryStore(engine)
    # A huge short-liquidation cluster just above the price and a price spike, all after
    # the cut: anything that peeks ahead would trade differently before it.
    series = store.mark_prices(cut_ms, cut_ms + 1000)
    future = [LiquidationEvent(s, "short", cut_ms + 1000 + i, float(p.prices[0]) * 1.02, 1e4)
              for s, p in series.items() for i in range(50)]
    store.add_liquidations(future)
    store.add_mark_prices([MarkPoint(s, cut_ms + 500 + i, float(p.prices[0]) * 1.5)
                           for s, p in series.items() for i in range(3)])
    engine.dispose()

    base = _run(sim_db, tmp_path / "base.db")
    changed = _run(altered, tmp_path / "changed.db")

    def before_cut(journal: Path) -> list[tuple[object, ...]]:
        return [(t.symbol, t.side, t.entry_time, t.entry_price, t.quantity,
                 t.exit_time if t.exit_time and t.exit_time < cut else None,
                 t.exit_price if t.exit_time and t.exit_time < cut else None)
                for t in _trades(journal) if t.entry_time < cut]

    assert before_cut(tmp_path / "base.db")  # the check is not vacuous
    assert before_cut(tmp_path / "base.db") == before_cut(tmp_path / "changed.db")
    assert ([p for p in base.run.equity if p.time_ms < cut_ms]
            == [p for p in changed.run.equity if p.time_ms < cut_ms])
    assert base.to_json() != changed.to_json()  # the future did change the future


def test_grid_results_equal_the_single_runs_they_contain(sim_db: Path, tmp_path: Path) -> None:
    axes = parse_grid(["strategy.min_strength=0.5,0.7", "strategy.stop_loss_pct=2"])
    base = {"run.symbols": ",".join(SYMBOLS)}
    jobs = grid_jobs(None, base, axes, f"sqlite:///{sim_db}", tmp_path, REQUEST)

    ranked = run_grid(jobs, workers=2)

    assert [r.params for r in sorted(ranked, key=lambda r: r.index)] == [
        {"strategy.min_strength": "0.5", "strategy.stop_loss_pct": "2"},
        {"strategy.min_strength": "0.7", "strategy.stop_loss_pct": "2"},
    ]
    assert ranked[0].net_pnl >= ranked[1].net_pnl
    for result in ranked:
        single = _run(sim_db, tmp_path / f"single-{result.index}.db",
                      _settings(**result.params))
        assert result.figures == single.to_json_dict()


def test_an_unknown_grid_key_fails_before_any_run(sim_db: Path, tmp_path: Path) -> None:
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match=r"risk\.stop_loss_pct"):
        grid_jobs(None, {}, parse_grid(["risk.stop_loss_pct=1,2"]), f"sqlite:///{sim_db}",
                  tmp_path, REQUEST)
    with pytest.raises(ConfigError, match=r"KEY=V1"):
        parse_grid(["strategy.min_strength"])


def test_a_period_without_prices_is_refused(sim_db: Path, tmp_path: Path) -> None:
    later = from_epoch_ms(to_epoch_ms(START) + 10 * 86_400_000)
    engine = create_engine_for(f"sqlite:///{sim_db}")
    try:
        with pytest.raises(ValueError, match="no recorded mark prices"):
            run_backtest(_settings(), HistoryStore(engine),
                         BacktestRequest(SYMBOLS, later, later + timedelta(hours=1)),
                         f"sqlite:///{tmp_path / 'j.db'}")
    finally:
        engine.dispose()


def test_backtest_logs_are_stamped_with_simulated_time(
        sim_db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO"):
        report = _run(sim_db, tmp_path / "journal.db")

    start_s = report.run.start_ms / 1000
    end_s = report.run.end_ms / 1000
    during = [r for r in caplog.records if r.name.startswith(("bot.app", "bot.risk"))]
    assert during
    assert all(start_s <= r.created <= end_s for r in during)


def test_backtest_and_grid_report_progress(sim_db: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    engine = create_engine_for(f"sqlite:///{sim_db}")
    try:
        run_backtest(_settings(), HistoryStore(engine), REQUEST, f"sqlite:///{tmp_path / 'j.db'}",
                     on_progress=lambda done, total: seen.append((done, total)))
    finally:
        engine.dispose()
    done_jobs: list[int] = []
    jobs = grid_jobs(None, {"run.symbols": ",".join(SYMBOLS)},
                     parse_grid(["strategy.min_strength=0.5,0.6"]), f"sqlite:///{sim_db}",
                     tmp_path, REQUEST)

    run_grid(jobs, workers=1, on_done=lambda: done_jobs.append(1))

    assert len(seen) >= 2
    assert seen[-1][0] == seen[-1][1]  # the last call says: all of it
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(done_jobs) == 2
