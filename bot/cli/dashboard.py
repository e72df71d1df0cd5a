"""``bot dashboard``: the dashboard's journal views alone, read-only, for a stopped or remote bot.

It serves the same page and read API as ``bot run --web`` from a journal (trades, signals,
equity); there is no live heatmap, and every control endpoint answers 403.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def dashboard(
    journal: Annotated[str | None, typer.Option(
        "--journal", help="SQLAlchemy URL of the journal (default: journal.url).")] = None,
    mode: Annotated[str | None, typer.Option(
        help="Trades of paper, live or backtest (default: run.mode).")] = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default: web.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: web.port; 0: any).")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="YAML settings file (default: config/default.yaml).")] = None,
    duration: Annotated[float, typer.Option(
        help="Stop after this many seconds (0: until Ctrl-C / SIGTERM).")] = 0.0,
    backtest: Annotated[Path | None, typer.Option(
        help="A `bot backtest --out` folder, served as a page at /backtest.")] = None,
) -> None:
    """Serve the journal's trades, signals and equity as the dashboard, read-only."""
    from bot.cli.startup import ShutdownRequest, load, require_existing_journal
    from bot.errors import ConfigError
    from bot.journal import TradeMode, open_journal
    from bot.web import JournalViews, WebOptions, WebServer, build_app, check_bind

    overrides: dict[str, object] = {"journal.url": journal, "web.host": host, "web.port": port}
    settings = load(config, overrides)
    try:
        trade_mode = TradeMode(mode or settings.run.mode)
    except ValueError:
        raise typer.BadParameter("expected paper, live or backtest", param_hint="--mode") from None
    # Read-only: no token can steer anything here, yet an open bind still needs one (what the
    # page shows is the account's history).
    token = settings.web.token
    check_bind(settings.web.host, None if token is None else token.get_secret_value())
    from bot.web.metrics import JournalCounters

    if backtest is not None and not backtest.is_dir():
        raise typer.BadParameter(f"{backtest}: no such folder", param_hint="--backtest")
    require_existing_journal(settings.journal.url)  # served read-only: never created here
    repository = open_journal(settings.journal.url, bot_id=settings.run.bot_id)
    views = JournalViews(repository, trade_mode)
    app = build_app(views, None, WebOptions(events_interval=settings.heatmap.update_interval,
                                            title="liquidation bot (journal)",
                                            backtest_dir=backtest),
                    counters=JournalCounters(repository, trade_mode))
    server = WebServer(app, settings.web.host, settings.web.port)
    try:
        server.start()
    except OSError as exc:
        raise ConfigError(f"web.port: cannot listen on {settings.web.host}:"
                          f"{settings.web.port}: {exc.strerror or exc}") from None
    typer.echo(f"dashboard (read-only journal, {trade_mode}) at {server.url}")
    if backtest is not None:
        typer.echo(f"backtest report at {server.url}backtest")
    try:
        with ShutdownRequest() as shutdown:
            shutdown.wait_for(duration)
    finally:
        server.stop()
