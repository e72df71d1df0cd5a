"""Parameter grids: every combination of ``--grid KEY=V1,V2`` backtested, then ranked.

Each combination is an ordinary backtest (same code, same data) with the values applied as
settings overrides (dotted keys, validated by ``load_settings``), journaled into its own
database so runs never share a row. Runs go to a process pool (two workers: both cores), and
results are ranked by net PnL, ties broken by the combination's position in the grid, so the
table is the same whatever order the workers finish in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.backtest.runs import BacktestRequest, run_backtest
from bot.errors import ConfigError
from bot.journal import create_engine_for
from bot.journal.figures import profit_factor_text, rate_text
from bot.marketdata.store import HistoryStore
from bot.settings import Settings, load_settings


@dataclass(frozen=True, slots=True)
class GridRun:
    """One combination and its report figures (``BacktestReport.to_json_dict``)."""

    index: int
    params: dict[str, str]
    figures: dict[str, Any]

    @property
    def net_pnl(self) -> float:
        """Net PnL of the run."""
        return float(self.figures["summary"]["net_pnl"])


@dataclass(frozen=True, slots=True)
class GridJob:
    """Everything one worker needs (picklable)."""

    index: int
    params: dict[str, str]
    config: Path | None
    overrides: dict[str, object]
    store_url: str
    journal_url: str
    request: BacktestRequest


def parse_grid(specs: Sequence[str]) -> list[tuple[str, list[str]]]:
    """``["a.b=1,2", "c.d=x"]`` → ``[("a.b", ["1", "2"]), ("c.d", ["x"])]``.

    Raises:
        ConfigError: a spec without ``=`` or without values, or a key given twice.
    """
    axes: list[tuple[str, list[str]]] = []
    for spec in specs:
        key, sep, values = spec.partition("=")
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not key.strip() or not items:
            raise ConfigError(f"--grid: expected KEY=V1,V2,..., got {spec!r}")
        if any(existing == key.strip() for existing, _ in axes):
            raise ConfigError(f"--grid: {key.strip()} given twice")
        axes.append((key.strip(), items))
    return axes


def combinations(axes: Sequence[tuple[str, Sequence[str]]]) -> list[dict[str, str]]:
    """Every combination, the last axis varying fastest."""
    keys = [key for key, _ in axes]
    return [dict(zip(keys, values, strict=True))
            for values in itertools.product(*(values for _, values in axes))]


def grid_jobs(config: Path | None, overrides: Mapping[str, object],
              axes: Sequence[tuple[str, Sequence[str]]], store_url: str, out_dir: Path,
              request: BacktestRequest) -> list[GridJob]:
    """The jobs of a grid, each settings combination validated up front.

    Raises:
        ConfigError: a combination's settings are invalid (the message names the key).
    """
    jobs = []
    for index, params in enumerate(combinations(axes)):
        merged = {**overrides, **params}
        load_settings(config, merged)  # fail before any run starts
        journal = f"sqlite:///{(out_dir / f'grid-{index:03d}.db').resolve()}"
        jobs.append(GridJob(index, params, config, merged, store_url, journal, request))
    return jobs


def run_job(job: GridJob) -> GridRun:
    """Run one combination (in a worker process)."""
    settings: Settings = load_settings(job.config, job.overrides)
    engine = create_engine_for(job.store_url)
    try:
        report = run_backtest(settings, HistoryStore(engine), job.request, job.journal_url)
    finally:
        engine.dispose()
    return GridRun(job.index, job.params, report.to_json_dict())


def run_grid(jobs: Sequence[GridJob], workers: int = 2,
             on_done: Callable[[], None] | None = None) -> list[GridRun]:
    """Run ``jobs`` on ``workers`` processes; results ranked best first.

    ``on_done()`` is called as each combination finishes (a progress bar).
    """
    done = on_done or (lambda: None)
    results = []
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            results.append(run_job(job))
            done()
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            for result in pool.map(run_job, jobs):
                results.append(result)
                done()
    return rank(results)


def rank(results: Sequence[GridRun]) -> list[GridRun]:
    """Best net PnL first; equal PnL keeps grid order."""
    return sorted(results, key=lambda run: (-run.net_pnl, run.index))


def grid_table(results: Sequence[GridRun]) -> str:
    """The ranked results as a plain-text table."""
    if not results:
        return "no combinations\n"
    keys = list(results[0].params)
    header = ["rank", *keys, "net PnL", "trades", "win rate", "PF", "max DD %", "exposure %"]
    rows = [header]
    for rank_no, run in enumerate(results, start=1):
        s = run.figures["summary"]
        win = s.get("win_rate")
        pf = s.get("profit_factor")
        dd = s.get("max_drawdown_pct")
        rows.append([str(rank_no), *(run.params[k] for k in keys), f"{run.net_pnl:.2f}",
                     str(s["closed_trades"]), rate_text(win),
                     profit_factor_text(pf), "-" if dd is None else f"{dd:.2f}",
                     f"{run.figures['exposure_pct']:.2f}"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) + "\n"
                   for row in rows)
