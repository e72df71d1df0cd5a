"""CLI commands of the market-data history: ``bot record``, ``bot replay``, ``bot backtest`` and
``bot data import|export|import-prices|download-prices|download-oi``. Parsing only; the work is in
``bot.marketdata``, ``bot.backtest`` and ``bot.app.marketdata``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from bot.cli.options import check_symbol, check_symbols
from bot.cli.views.progress import progress_bar

if TYPE_CHECKING:
    from bot.marketdata.store import HistoryStore

T = TypeVar("T")

data_app = typer.Typer(help="Recorded market data: import, export, prices.",
                       no_args_is_help=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="YAML settings file (default: config/default.yaml).")
]
DbOption = Annotated[str | None, typer.Option(
    "--db", help="Data store: SQLAlchemy URL or SQLite file (default: the journal database).")]
SymbolsOption = Annotated[str | None, typer.Option(
    callback=check_symbols, help="Comma-separated symbols, e.g. BTCUSDT,ETHUSDT.")]
FromOption = Annotated[str | None, typer.Option("--from", help="Start, UTC (2025-01-27 or ISO).")]
ToOption = Annotated[str | None, typer.Option("--to", help="End (exclusive), UTC.")]


class ExportKind(StrEnum):
    """What ``bot data export`` writes."""

    LIQUIDATIONS = "liquidations"
    MARKS = "marks"


def parse_moment(text: str | None, option: str) -> datetime | None:
    """``--from``/``--to`` text as an aware UTC datetime (naive input is UTC)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"expected a date or time such as 2025-01-27 or "
                                 f"2025-01-27T12:00, got {text!r}", param_hint=option) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _ms(text: str | None, option: str) -> int | None:
    from bot.domain import to_epoch_ms

    moment = parse_moment(text, option)
    return None if moment is None else to_epoch_ms(moment)


def _symbols(text: str | None) -> list[str] | None:
    from bot.settings import parse_symbols

    return parse_symbols(text) if text else None


def record(
    symbols: SymbolsOption = None,
    sim: Annotated[bool, typer.Option("--sim", help="Record the built-in simulator.")] = False,
    out: Annotated[str | None, typer.Option(
        "--out", help="SQLite file or SQLAlchemy URL (default: the journal database).")] = None,
    duration: Annotated[float, typer.Option(
        min=0.0, help="Stop after this many seconds (0: until Ctrl-C / SIGTERM).")] = 0.0,
    config: ConfigOption = None,
) -> None:
    """Record liquidations and 1 s mark prices into the store (resumable; gaps recorded)."""
    from bot.app.marketdata import database_url, open_store
    from bot.app.marketdata import record as run_recording
    from bot.cli.startup import ShutdownRequest, load

    overrides: dict[str, object] = {"run.symbols": symbols} if symbols else {}
    settings = load(config, overrides)
    url = database_url(out, settings)
    with (open_store(url) as store, ShutdownRequest() as shutdown,
          progress_bar(f"recording {', '.join(settings.run.symbols)} (seconds)") as advance):
        started = time.monotonic()

        def wait(seconds: float) -> bool:
            advance(time.monotonic() - started, duration or None)
            return shutdown.wait(seconds)

        stats = run_recording(settings, store, use_sim=sim, duration=duration, wait=wait)
    typer.echo(f"recorded {stats.liquidations} liquidations ({stats.new_liquidations} new), "
               f"{stats.mark_prices} mark prices, {stats.gaps} gap(s), "
               f"{stats.parse_errors} malformed frame(s)")


@data_app.command("import")
def data_import(
    file: Annotated[Path, typer.Argument(help="Recorder CSV or Binance liquidationSnapshot CSV.",
                                         exists=True, dir_okay=False)],
    symbol: Annotated[str | None, typer.Option(
        callback=check_symbol,
        help="Symbol of a liquidationSnapshot file whose name does not carry it.")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Import recorded liquidations (exact repeats are stored once)."""
    from bot.marketdata.importers import import_liquidations

    result = _import(config, db, lambda store: import_liquidations(store, file, symbol))
    typer.echo(f"{result.path}: {result.format} format, {result.rows} rows, "
               f"{result.inserted} new events, {result.repeats} repeats skipped")


@data_app.command("export")
def data_export(
    out: Annotated[Path | None, typer.Option("--out", help="CSV file (default: stdout).")] = None,
    kind: Annotated[ExportKind, typer.Option(help="What to export.")] = ExportKind.LIQUIDATIONS,
    symbols: SymbolsOption = None,
    start: FromOption = None,
    end: ToOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Export liquidations (recorder CSV format) or mark prices (symbol,time_ms,price)."""
    from bot.app.marketdata import database_url, open_store
    from bot.cli.startup import load
    from bot.marketdata.exporter import export_liquidations, export_mark_prices

    settings = load(config)
    write = export_liquidations if kind is ExportKind.LIQUIDATIONS else export_mark_prices
    with open_store(database_url(db, settings)) as store:
        handle = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
        try:
            count = write(store, handle, start_ms=_ms(start, "--from"), end_ms=_ms(end, "--to"),
                          symbols=_symbols(symbols))
        finally:
            if out:
                handle.close()
    if out:
        typer.echo(f"wrote {count} rows to {out}")


@data_app.command("import-prices")
def data_import_prices(
    file: Annotated[Path, typer.Argument(help="Candle CSV: time,open,high,low,close[,...].",
                                         exists=True, dir_okay=False)],
    symbol: Annotated[str, typer.Option(callback=check_symbol,
                                        help="The candles' symbol, e.g. BTCUSDT.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Import candles as mark prices (open, extremes, close) for backtests."""
    from bot.marketdata.importers import import_candles

    result = _import(config, db, lambda store: import_candles(store, file, symbol))
    typer.echo(f"{result.path}: {result.rows} candles, {result.inserted} new")


@data_app.command("download-prices")
def data_download_prices(
    symbols: Annotated[str, typer.Option(callback=check_symbols,
                                         help="Comma-separated symbols, e.g. BTCUSDT,ETHUSDT.")],
    start: Annotated[str, typer.Option("--from", help="Start, UTC (2025-01-27 or ISO).")],
    end: ToOption = None,
    timeframe: Annotated[str, typer.Option(help="Candle length: 1m, 5m, 1h, ... 1w.")] = "1m",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Download candles from exchange.rest_url as mark prices; periods already downloaded
    are not fetched again. --to defaults to now; only closed candles are stored."""
    from bot.exchange import timeframe_ms
    from bot.marketdata.downloads import download_prices

    try:
        timeframe_ms(timeframe)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--timeframe") from None
    results = _download(symbols, start, end, db, config, f"{timeframe} candles",
                        lambda store, gateway, name, first, last, now: download_prices(
                            store, gateway, [name], timeframe, first, last, now))
    for r in results:
        how = "cached" if r.cached else f"{len(r.fetched)} period(s) fetched"
        typer.echo(f"{r.symbol} {r.timeframe}: {r.candles} candles downloaded ({how}), "
                   f"{r.inserted} new prices")


@data_app.command("download-oi")
def data_download_oi(
    symbols: Annotated[str, typer.Option(callback=check_symbols,
                                         help="Comma-separated symbols, e.g. BTCUSDT,ETHUSDT.")],
    start: Annotated[str, typer.Option("--from", help="Start, UTC (2025-01-27 or ISO).")],
    end: ToOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Download 5-minute open interest from exchange.rest_url (Binance keeps 30 days) for
    backtests of projected levels; periods already downloaded are not fetched again."""
    from bot.marketdata.open_interest import OpenInterestStore, download_open_interest

    results = _download(symbols, start, end, db, config, "open interest",
                        lambda store, gateway, name, first, last, now: download_open_interest(
                            OpenInterestStore(store.engine), gateway, [name], first, last, now))
    for r in results:
        how = "cached" if not r.fetched else f"{len(r.fetched)} period(s) fetched"
        typer.echo(f"{r.symbol}: {r.points} open-interest entries downloaded ({how}), "
                   f"{r.inserted} new")


def _download(symbols: str, start: str, end: str | None, db: str | None,
              config: Path | None, what: str,
              one: Callable[[HistoryStore, Any, str, datetime, datetime, datetime], list[T]],
              ) -> list[T]:
    """The shared part of the download commands: parse, then ``one`` symbol at a time
    through a keyless gateway (public data) with a progress bar."""
    from bot.app.marketdata import database_url, open_store
    from bot.cli.startup import load
    from bot.clock import utc_now
    from bot.errors import ConfigError
    from bot.exchange import build_gateway, config_from_settings
    from bot.settings import parse_symbols

    try:
        names = parse_symbols(symbols)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--symbols") from None
    settings = load(config)
    now = utc_now()
    first, last = parse_moment(start, "--from"), parse_moment(end, "--to") or now
    assert first is not None  # noqa: S101 (--from is required)
    if last <= first:
        raise ConfigError("--to must be after --from")
    gateway = build_gateway(config_from_settings(settings.exchange, with_keys=False), utc_now)
    try:
        with (open_store(database_url(db, settings)) as store,
              progress_bar(f"downloading {what} (symbols)") as advance):
            results: list[T] = []
            for done, name in enumerate(names, start=1):
                results += one(store, gateway, name, first, last, now)
                advance(done, len(names))
    finally:
        gateway.close()
    return results


def replay(
    file: Annotated[Path | None, typer.Argument(
        help="Recorder CSV to replay (default: the store's data).", exists=True,
        dir_okay=False)] = None,
    start: FromOption = None,
    end: ToOption = None,
    speed: Annotated[float, typer.Option(
        help="Simulated seconds per second (0: as fast as possible).")] = 60.0,
    symbol: Annotated[str | None, typer.Option(
        callback=check_symbol,
        help="Symbol to show (default: the one with most liquidations).")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Push recorded liquidations (and prices) through the heatmap as if live, and show it."""
    from bot.app.marketdata import database_url
    from bot.cli.replay import run_replay
    from bot.cli.startup import load
    from bot.errors import ConfigError
    from bot.marketdata.importers import HistoryImportError

    settings = load(config)
    if speed < 0:
        raise typer.BadParameter("must be ≥ 0", param_hint="--speed")
    try:
        run_replay(settings, file=file, store_url=database_url(db, settings),
                   start_ms=_ms(start, "--from"), end_ms=_ms(end, "--to"), speed=speed,
                   symbol=symbol)
    except HistoryImportError as exc:
        raise ConfigError(str(exc)) from None


def backtest(
    start: FromOption = None,
    end: ToOption = None,
    symbols: SymbolsOption = None,
    grid: Annotated[list[str] | None, typer.Option(
        "--grid", help="KEY=V1,V2: run every combination (repeatable).")] = None,
    out: Annotated[Path, typer.Option(
        help="Directory for report.txt, report.json, equity.png.")] = Path("backtest-report"),
    journal: Annotated[str | None, typer.Option(
        help="Journal for the trades (default: the bot's journal, mode backtest).")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Backtest strategy → risk → paper execution over recorded data on a simulated clock."""
    from bot.cli.backtest import run_backtest_command
    from bot.cli.startup import load

    overrides: dict[str, object] = {"run.symbols": symbols} if symbols else {}
    settings = load(config, overrides)
    run_backtest_command(settings, config=config, overrides=overrides,
                         start=parse_moment(start, "--from"), end=parse_moment(end, "--to"),
                         grid=grid or [], out=out, journal=journal, db=db)


def _import(config: Path | None, db: str | None, read: Callable[[HistoryStore], T]) -> T:
    """Run an importer on the store ``--db`` names (default: the journal's); a malformed
    file becomes a one-line configuration error."""
    from bot.app.marketdata import database_url, open_store
    from bot.cli.startup import load
    from bot.errors import ConfigError
    from bot.marketdata.importers import HistoryImportError

    settings = load(config)
    with open_store(database_url(db, settings)) as store:
        try:
            return read(store)
        except HistoryImportError as exc:
            raise ConfigError(str(exc)) from None
