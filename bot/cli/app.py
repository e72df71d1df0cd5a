"""The ``bot`` command line (Typer): parses arguments, then hands over; no trading logic here.

Expected errors (bad configuration, a refused live start, usage mistakes) print one line and
exit non-zero (2 for usage and configuration); tracebacks are for bugs only.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from typer.exceptions import TyperException

from bot.cli.dashboard import dashboard
from bot.cli.data import backtest, data_app, record, replay
from bot.cli.journal import config_app, db_app, journal_app
from bot.cli.live import reconcile
from bot.cli.optimize import optimize
from bot.errors import BotError

app = typer.Typer(
    name="bot",
    help="Liquidation-heatmap trading bot for Binance USDⓈ-M futures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: Typer's Rich panels label every flag ``<bool>`` and print a bare
    # group's help while building the error that asks for it (so it showed twice).
    rich_markup_mode=None,
)
app.add_typer(journal_app, name="journal")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.command("reconcile")(reconcile)
app.add_typer(data_app, name="data")
app.command()(record)
app.command()(replay)
app.command()(backtest)
app.command()(optimize)
app.command()(dashboard)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="YAML settings file (default: config/default.yaml).")
]
SimOption = Annotated[
    bool, typer.Option("--sim", help="Use the built-in simulated exchange, in-process.")
]
DurationOption = Annotated[float, typer.Option(
    min=0.0, help="Stop cleanly after this many seconds (0: until Ctrl-C / SIGTERM).")]


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"bot {version('liquidation-bot')}")
        except PackageNotFoundError:  # running from a checkout that was never installed
            typer.echo("bot (version unknown: not installed)")
        raise typer.Exit()


@app.callback()
def _root(
    _version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version,
        help="Print the version and exit.")] = False,
) -> None:
    """Liquidation-heatmap trading bot for Binance USDⓈ-M futures."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@app.command()
def run(
    paper: Annotated[bool, typer.Option("--paper", help="Paper orders (the default).")] = False,
    live: Annotated[bool, typer.Option("--live", help="Real orders; needs API keys.")] = False,
    sim: SimOption = False,
    config: ConfigOption = None,
    symbols: Annotated[
        str | None, typer.Option(help="Comma-separated symbols, e.g. BTCUSDT,ETHUSDT.")
    ] = None,
    duration: DurationOption = 0.0,
    web: Annotated[bool, typer.Option(
        "--web", help="Serve the dashboard and HTTP API (web.host, default 127.0.0.1).")] = False,
    web_port: Annotated[int | None, typer.Option(
        "--web-port", help="Dashboard port (default web.port, 8080).")] = None,
) -> None:
    """Run the trading bot: live heatmap → LiquidationHunter → risk → orders → journal."""
    from bot.app.bootstrap import build_bot
    from bot.cli.startup import load, terminal_console
    from bot.cli.views.status import status_printer, stop_report
    from bot.settings.models import mask_url_password

    if paper and live:
        raise fail("choose one of --paper and --live")
    overrides: dict[str, object] = {"run.mode": "live" if live else "paper"}
    if symbols is not None:
        overrides["run.symbols"] = symbols
    if duration:
        overrides["run.duration"] = duration
    if web:
        overrides["web.enabled"] = True
    if web_port is not None:
        if not 0 <= web_port <= 65535:
            raise fail(f"--web-port: expected 0..65535, got {web_port}")
        overrides["web.port"] = web_port
    console = terminal_console()
    settings = load(config, overrides, console=console)
    runner = build_bot(settings, use_sim=sim)
    on_tick, finish = status_printer(runner, settings.run.mode, console)
    try:
        runner.run(settings.run.duration, on_tick=on_tick)
    finally:
        finish()
    status = runner.loop.status()
    for line in stop_report(status.positions, status.prices,
                            mask_url_password(settings.journal.url)):
        typer.echo(line)


@app.command()
def sim(
    port: Annotated[int, typer.Option(
        help="REST port on 127.0.0.1; the WebSocket takes the next one (0: any free ports).")] = 0,
    api_key: Annotated[
        str | None, typer.Option(help="API key to accept (default: random).")
    ] = None,
    api_secret: Annotated[
        str | None, typer.Option(help="API secret to accept (default: random).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic market.")] = 7,
    duration: DurationOption = 0.0,
) -> None:
    """Run the built-in simulated exchange on 127.0.0.1 until interrupted.

    The first line of standard output is one JSON object with what a client needs:
    ``rest_url``, ``ws_url`` (use it as the heatmap's ``ws_base_url``), ``api_key`` and
    ``api_secret`` (signed requests with any others are refused, as Binance refuses them).
    """
    import random

    from bot.cli.startup import ShutdownRequest
    from bot.sim import SimExchange, utc_now

    if not 0 <= port <= 65534:
        raise fail(f"--port: expected 0..65534, got {port}")
    if (api_key is None) != (api_secret is None):
        raise fail("--api-key and --api-secret go together")
    exchange = SimExchange(
        clock=utc_now, rng=random.Random(seed),  # noqa: S311 - a seeded market, not crypto
        rest_port=port, port=port + 1 if port else 0, api_key=api_key, api_secret=api_secret,
    )
    try:
        exchange.start()
    except OSError as exc:
        raise fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", 1) from None
    try:
        with ShutdownRequest() as shutdown:
            sys.stdout.write(json.dumps(exchange.describe()) + "\n")
            sys.stdout.flush()
            shutdown.wait_for(duration)
    finally:
        exchange.stop()


class LayerChoice(StrEnum):
    """Which liquidation levels ``bot heatmap`` shows."""

    REALIZED = "realized"
    PROJECTED = "projected"
    BOTH = "both"


@app.command()
def heatmap(
    symbol: Annotated[str, typer.Argument(help="Symbol, e.g. BTCUSDT or BTC/USDT:USDT.")],
    sim: SimOption = False,
    config: ConfigOption = None,
    duration: DurationOption = 0.0,
    layer: Annotated[LayerChoice, typer.Option(
        help="realized: liquidations seen; projected: open interest that would be "
             "liquidated there; both.")] = LayerChoice.REALIZED,
) -> None:
    """A live terminal view of one symbol's liquidation clusters."""
    from bot.cli.heatmap import watch_heatmap
    from bot.cli.startup import load

    settings = load(config, {"run.symbols": symbol})
    watch_heatmap(settings, settings.run.symbols[0], use_sim=sim, duration=duration,
                  console=Console(), layer=layer.value)


def main() -> None:
    """Console entry point: run the app, turning expected errors into one-line messages.

    Usage mistakes exit 2 with ``error: ...`` on one line (not click's boxed panel), as do
    configuration errors and paths that cannot be read or written; Ctrl-C during start-up
    exits 130; bugs still show a traceback.
    """
    try:
        result = app(standalone_mode=False)
    except TyperException as exc:  # click's usage errors, as Typer vendors them
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":
            typer.echo(exc.format_message())  # the help text, printed once
        else:
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            typer.echo(f"error: {exc.format_message()}{hint}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except BotError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        # A path given on the command line that cannot be written or read (--out, FILE).
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"error: {where}{exc.strerror or exc}", err=True)
        sys.exit(2)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
