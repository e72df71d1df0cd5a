"""The ``bot`` command line (Typer): parses arguments, then hands over; no trading logic here.

Expected errors (bad configuration, a refused live start, usage mistakes) print one line and
exit with a non-zero code; tracebacks are for bugs only.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from typing import Annotated

import typer

from bot.errors import BotError

app = typer.Typer(
    name="bot",
    help="Liquidation-heatmap trading bot for Binance USDⓈ-M futures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Liquidation-heatmap trading bot for Binance USDⓈ-M futures."""


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def wait_for_shutdown(duration: float) -> None:
    """Block until SIGINT/SIGTERM, or ``duration`` seconds (0 = no limit)."""
    stop = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        stop.wait(duration if duration > 0 else None)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command()
def sim(
    port: Annotated[int, typer.Option(help="WebSocket port on 127.0.0.1 (0: any free port).")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic market.")] = 7,
    duration: Annotated[
        float, typer.Option(help="Stop after this many seconds (0: until Ctrl-C / SIGTERM).")
    ] = 0.0,
) -> None:
    """Run the built-in simulated exchange on 127.0.0.1 until interrupted.

    The first line of standard output is one JSON object with the URLs to use, e.g.
    ``{"ws_url": "ws://127.0.0.1:PORT/market", ...}``.
    """
    import random

    from bot.sim import SimExchange, utc_now

    if not 0 <= port <= 65535:
        raise _fail(f"--port: expected 0..65535, got {port}")
    exchange = SimExchange(clock=utc_now, rng=random.Random(seed), port=port)  # noqa: S311
    try:
        exchange.start()
    except OSError as exc:
        raise _fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", 1) from None
    try:
        sys.stdout.write(json.dumps(exchange.describe()) + "\n")
        sys.stdout.flush()
        wait_for_shutdown(duration)
    finally:
        exchange.stop()


def main() -> None:
    """Console entry point: run the app, turning expected errors into one-line messages."""
    try:
        app()
    except BotError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
