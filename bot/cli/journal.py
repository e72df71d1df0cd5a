"""CLI commands around the journal and settings: ``bot journal``, ``bot db``, ``bot config``."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from bot.cli.options import check_bot_id, check_symbol

if TYPE_CHECKING:
    from bot.journal import JournalRepository, TradeMode

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


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


class ModeChoice(StrEnum):
    """Which trades ``bot journal`` shows: one mode, or every mode kept apart."""

    PAPER = "paper"
    LIVE = "live"
    BACKTEST = "backtest"
    ALL = "all"


ModeOption = Annotated[ModeChoice | None, typer.Option(
    "--mode", help="paper, live or backtest (default: the configured run.mode); all: every "
                   "mode, grouped by mode, never added together.")]


BotIdOption = Annotated[str | None, typer.Option(
    "--bot-id", callback=check_bot_id,
    help="The bot whose journal to show, when several share the database (default: this "
         "bot's run.bot_id).")]


@journal_app.callback(invoke_without_command=True)
def journal(
    ctx: typer.Context,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.TABLE
    ),
    symbol: Annotated[str | None, typer.Option(
        callback=check_symbol, help="Only this symbol.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only trades entered at or after this UTC date/time.")
    ] = None,
    mode: ModeOption = None,
    bot_id: BotIdOption = None,
    config: ConfigOption = None,
) -> None:
    """List trades (table, CSV or JSON). ``bot journal summary`` gives the statistics."""
    ctx.obj = {"config": config, "symbol": symbol, "since": since, "mode": mode,
               "bot_id": bot_id}
    if ctx.invoked_subcommand is not None:
        return
    from bot.cli.views.reviews import TRADE_REVIEW_COLUMNS, trade_review

    since_at = _parse_since(since)
    repo, modes = _open(config, mode, bot_id)
    trades = [trade for m in modes
              for trade in repo.list_trades(symbol=symbol, since=since_at, mode=m)]
    columns = (TRADE_REVIEW_COLUMNS if output is OutputFormat.TABLE
               else ("id", "symbol", "side", "mode", "status", *TRADE_REVIEW_COLUMNS[4:],
                     "duration_seconds", "client_order_id"))
    if output is OutputFormat.TABLE and len(modes) > 1:
        columns = ("mode", *columns)
    _show([trade_review(t) for t in trades], columns, output,
          f"{len(trades)} trade(s), {_modes_title(modes)}")


@journal_app.command("signals")
def journal_signals(ctx: typer.Context, output: FormatOption = OutputFormat.TABLE) -> None:
    """Every signal with its outcome (entered, rejected, ignored) and the reason."""
    from bot.cli.views.reviews import signal_rows

    options = ctx.obj or {}
    since = _parse_since(options.get("since"))
    repo, modes = _open(options.get("config"), options.get("mode"), options.get("bot_id"))
    wanted = {str(m) for m in modes}
    signals = [s for s in repo.list_signals(symbol=options.get("symbol"), since=since)
               if str(s.mode) in wanted]
    _show(signal_rows(signals), ("id", "time", "symbol", "mode", "direction", "strength",
                                 "mark_price", "cluster_price", "cluster_side", "outcome",
                                 "reason", "trade_id"),
          output, f"{len(signals)} signal(s), {_modes_title(modes)}")


class PeriodChoice(StrEnum):
    """The periods of ``bot journal profit``."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@journal_app.command("profit")
def journal_profit(
    ctx: typer.Context,
    by: Annotated[PeriodChoice, typer.Option(help="Group closed trades by their exit's day, "
                                                  "ISO week or month (UTC).")] = PeriodChoice.DAY,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Net PnL, fees, wins and losses by day, week or month, one mode at a time."""
    from bot.cli.views.reviews import profit_rows

    options = ctx.obj or {}
    since = _parse_since(options.get("since"))
    repo, modes = _open(options.get("config"), options.get("mode"), options.get("bot_id"))
    for m in modes:
        trades = repo.list_trades(symbol=options.get("symbol"), since=since, mode=m)
        rows = [{"mode": str(m), **row} for row in profit_rows(trades, by.value)]
        if output is OutputFormat.TABLE:  # the profit factor as every table writes it
            rows = [{**row, "profit_factor": row["profit_factor_text"]} for row in rows]
        columns = ("period", "trades", "wins", "losses", "net_pnl", "fees", "profit_factor")
        _show(rows, ("mode", *columns) if output is OutputFormat.CSV else columns, output,
              f"profit by {by.value}, mode {m}")


@journal_app.command("show")
def journal_show(
    ctx: typer.Context,
    trade_id: Annotated[int, typer.Argument(help="The trade's id (first column of bot journal).",
                                            min=1)],
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """One trade in full: entry and exit, reasons, and every order (stop, target) and fill."""
    from bot.cli.views.reviews import trade_detail

    options = ctx.obj or {}
    repo, _modes = _open(options.get("config"), ModeChoice.ALL, options.get("bot_id"))
    trade = repo.get_trade(trade_id)
    if trade is None:
        typer.echo(f"error: no trade {trade_id} in the journal", err=True)
        raise typer.Exit(1)
    orders = repo.orders_for_trade(trade_id)
    rows = trade_detail(trade, orders, {o.id: repo.fills_for_order(o.id) for o in orders})
    _show(rows, ("kind", "id", "purpose", "type", "side", "status", "entry_time", "time",
                 "price", "stop_price", "average_price", "quantity", "filled_quantity",
                 "take_profit_price", "pnl", "fee", "entry_reason",
                 "exit_reason", "error"),
          output, f"trade {trade_id}: {trade.symbol} {trade.side} ({trade.mode})")


def _show(rows: list[dict[str, object]], columns: tuple[str, ...] | list[str],
          output: OutputFormat, title: str) -> None:
    from bot.cli.views.reviews import render

    shown = render(rows, columns, output.value, title)
    if isinstance(shown, str):
        typer.echo(shown, nl=output is OutputFormat.JSON)
    else:
        _console().print(shown)


@journal_app.command("summary")
def journal_summary(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    mode: ModeOption = None,
    bot_id: BotIdOption = None,
) -> None:
    """Net PnL, fees, win rate, profit factor, max drawdown, per symbol: one mode at a time."""
    from bot.cli.views.journal import summaries_json, summary_tables
    from bot.journal import summarize

    options = ctx.obj or {}
    since = _parse_since(options.get("since"))
    repo, modes = _open(options.get("config"), mode or options.get("mode"),
                        bot_id or options.get("bot_id"))
    # One summary per mode: PnL and drawdown of different accounts are never combined.
    summaries = {
        str(m): summarize(repo.list_trades(symbol=options.get("symbol"), since=since, mode=m),
                          repo.list_equity_snapshots(mode=m, since=since))
        for m in modes
    }
    if as_json:
        typer.echo(summaries_json(summaries, grouped=len(modes) > 1))
    else:
        console = _console()
        for name, summary in summaries.items():
            console.print(summary_tables(summary, mode=name))


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Upgrade the journal database to the newest schema (Alembic)."""
    from bot.cli.startup import load
    from bot.journal import current_revision, upgrade_to_head

    settings = load(config)
    upgrade_to_head(settings.journal.url)
    typer.echo(f"journal at revision {current_revision(settings.journal.url)}")


@db_app.command("copy")
def db_copy(
    to: Annotated[str, typer.Option(
        "--to", help="The empty database to copy the journal into, e.g. "
                     "postgresql+psycopg://user:password@host:5432/bots.")],
    config: ConfigOption = None,
) -> None:
    """Copy the journal (journal.url, e.g. a SQLite file) into another database, every bot's
    rows and the recorded market data included; the target must be empty."""
    import bot.marketdata.models  # noqa: F401 - the recorded market data is copied too
    from bot.cli.startup import load
    from bot.journal.access import shown
    from bot.journal.copy import copy_database
    from bot.journal.db import check_database_url

    target = check_database_url(to, "--to")
    settings = load(config)
    result = copy_database(settings.journal.url, target,
                           lambda table, rows: typer.echo(f"{table}: {rows} rows"))
    typer.echo(f"copied {result.total} rows from {shown(settings.journal.url)} "
               f"to {shown(target)}")


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


def _open(config: Path | None, mode: ModeChoice | None, bot_id: str | None = None
          ) -> tuple[JournalRepository, list[TradeMode]]:
    """Bot ``bot_id``'s journal (``--bot-id``, else ``run.bot_id``), and the modes to show:
    ``--mode``, else the configured ``run.mode``.

    A SQLite journal that does not exist is reported (exit 1), never created by a read.
    """
    from bot.cli.startup import load, require_existing_journal
    from bot.journal import TradeMode, open_journal

    settings = load(config)
    chosen = mode.value if mode is not None else settings.run.mode
    modes = list(TradeMode) if chosen == ModeChoice.ALL else [TradeMode(chosen)]
    require_existing_journal(settings.journal.url)
    return open_journal(settings.journal.url, bot_id=bot_id or settings.run.bot_id), modes


def _modes_title(modes: list[TradeMode]) -> str:
    return "all modes" if len(modes) > 1 else f"mode {modes[0]}"
