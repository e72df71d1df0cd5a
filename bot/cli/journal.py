"""CLI commands around the journal and settings: ``bot journal``, ``bot db``, ``bot config``."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from bot.journal import JournalRepository

journal_app = typer.Typer(help="Review trades.", no_args_is_help=False)
db_app = typer.Typer(help="Journal database maintenance.", no_args_is_help=True)
config_app = typer.Typer(help="Inspect the settings.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="YAML settings file (default: config/default.yaml).")
]


class OutputFormat(StrEnum):
    """How ``bot journal`` prints trades."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def _parse_since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"expected a date or time such as 2026-01-31 or 2026-01-31T12:00, got {text!r}",
            param_hint="--since",
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@journal_app.callback(invoke_without_command=True)
def journal(
    ctx: typer.Context,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.TABLE
    ),
    symbol: Annotated[str | None, typer.Option(help="Only this symbol.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only trades entered at or after this UTC date/time.")
    ] = None,
    mode: Annotated[str | None, typer.Option(help="Only paper, live or backtest trades.")] = None,
    config: ConfigOption = None,
) -> None:
    """List trades (table, CSV or JSON). ``bot journal summary`` gives the statistics."""
    ctx.obj = {"config": config, "symbol": symbol, "since": since, "mode": mode}
    if ctx.invoked_subcommand is not None:
        return
    from bot.cli.views.journal import trades_csv, trades_json, trades_table
    from bot.journal import TradeMode

    repo = _open(config)
    trades = repo.list_trades(symbol=symbol, since=_parse_since(since),
                              mode=TradeMode(mode) if mode else None)
    if output is OutputFormat.JSON:
        typer.echo(trades_json(trades))
    elif output is OutputFormat.CSV:
        typer.echo(trades_csv(trades), nl=False)
    else:
        _console().print(trades_table(trades))


@journal_app.command("summary")
def journal_summary(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Net PnL, fees, win rate, profit factor, max drawdown, per symbol."""
    from bot.cli.views.journal import summary_json, summary_tables
    from bot.journal import TradeMode, summarize

    options = ctx.obj or {}
    repo = _open(options.get("config"))
    mode = TradeMode(options["mode"]) if options.get("mode") else None
    since = _parse_since(options.get("since"))
    trades = repo.list_trades(symbol=options.get("symbol"), since=since, mode=mode)
    equity = repo.list_equity_snapshots(mode=mode, since=since)
    summary = summarize(trades, equity)
    if as_json:
        typer.echo(summary_json(summary))
    else:
        _console().print(summary_tables(summary))


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Upgrade the journal database to the newest schema (Alembic)."""
    from bot.cli.startup import load
    from bot.journal import current_revision, upgrade_to_head

    settings = load(config)
    upgrade_to_head(settings.journal.url)
    typer.echo(f"journal at revision {current_revision(settings.journal.url)}")


@config_app.command("show")
def config_show(config: ConfigOption = None) -> None:
    """Print the effective settings (every layer applied), secrets masked."""
    import yaml

    from bot.cli.startup import load
    from bot.settings import masked_dump

    typer.echo(yaml.safe_dump(masked_dump(load(config)), sort_keys=False), nl=False)


def _console() -> Console:
    # Piped output is not a terminal of any width: keep whole rows rather than 80 columns.
    console = Console()
    return console if console.is_terminal else Console(width=200)


def _open(config: Path | None) -> JournalRepository:
    from bot.cli.startup import load
    from bot.journal import open_journal

    return open_journal(load(config).journal.url)
