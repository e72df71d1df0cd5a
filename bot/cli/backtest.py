"""``bot backtest``: one run (report files and text) or a grid (ranked table)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import typer

from bot.app.marketdata import database_url, open_store
from bot.backtest.grid import grid_jobs, grid_table, parse_grid, run_grid
from bot.backtest.runs import BacktestRequest, run_backtest
from bot.cli.views.progress import progress_bar
from bot.errors import ConfigError
from bot.settings import Settings
from bot.settings.models import mask_url_password

_WORKERS = 2  # both cores


def run_backtest_command(settings: Settings, *, config: Path | None,
                         overrides: Mapping[str, object], start: datetime | None,
                         end: datetime | None, grid: Sequence[str], out: Path,
                         journal: str | None, db: str | None) -> None:
    """Run the backtest (or grid) the command line asked for and print the outcome.

    Raises:
        ConfigError: bad grid specification or settings, or no data for the request.
    """
    request = BacktestRequest(tuple(settings.run.symbols), start, end)
    store_url = database_url(db, settings)
    out.mkdir(parents=True, exist_ok=True)
    if grid:
        jobs = grid_jobs(config, overrides, parse_grid(grid), store_url, out, request)
        with open_store(store_url):
            pass  # migrate once here, not in every worker at the same time
        finished = [0]
        try:
            with progress_bar(f"grid: {len(jobs)} combinations") as advance:

                def one_done() -> None:
                    finished[0] += 1
                    advance(finished[0], len(jobs))

                results = run_grid(jobs, workers=_WORKERS, on_done=one_done)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        (out / "grid.txt").write_text(grid_table(results), encoding="utf-8")
        typer.echo(grid_table(results), nl=False)
        typer.echo(f"journals: {out}/grid-NNN.db (NNN = the combination's position in the grid)")
        return
    journal_url = database_url(journal, settings)
    with open_store(store_url) as store:
        try:
            with progress_bar("backtest (simulated time)") as advance:
                report = run_backtest(settings, store, request, journal_url,
                                      on_progress=advance)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    (out / "report.txt").write_text(report.to_text(), encoding="utf-8")
    (out / "report.json").write_text(report.to_json() + "\n", encoding="utf-8")
    (out / "equity.png").write_bytes(report.equity_png())
    typer.echo(report.to_text(), nl=False)
    typer.echo(f"\nreport: {out}/report.txt, report.json, equity.png; trades: "
               f"bot journal --mode backtest (journal {mask_url_password(journal_url)})")
