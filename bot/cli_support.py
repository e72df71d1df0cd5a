"""Helpers behind the CLI commands: loading settings, status display, the heatmap viewer."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table

from bot.heatmap import LiveLiquidationHeatmap
from bot.logs import configure_logging
from bot.runner import BotRunner
from bot.settings import Settings, load_settings
from bot.status_view import render_status

log = logging.getLogger(__name__)


class ShutdownRequest:
    """SIGINT/SIGTERM turned into an event, for commands that wait in the main thread."""

    def __init__(self) -> None:
        """Not yet listening: use as a context manager."""
        self._event = threading.Event()
        self._previous: dict[int, object] = {}

    def __enter__(self) -> ShutdownRequest:
        """Install the handlers."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, lambda _s, _f: self._event.set())
        return self

    def __exit__(self, *_exc: object) -> None:
        """Restore the previous handlers."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]

    def wait(self, timeout: float | None) -> bool:
        """True once a stop was requested; waits at most ``timeout`` seconds (None: forever)."""
        return self._event.wait(timeout)

    def wait_for(self, duration: float) -> None:
        """Wait until a stop is requested or ``duration`` seconds (0: no limit) pass."""
        self.wait(duration if duration > 0 else None)


def load(config: Path | None, overrides: Mapping[str, object] | None = None) -> Settings:
    """Settings from every layer, then logging configured with secrets redacted."""
    settings = load_settings(config, overrides)
    secrets = [s.get_secret_value() for s in (settings.exchange.api_key,
                                              settings.exchange.api_secret) if s is not None]
    configure_logging(settings.logging.level, secrets)
    return settings


def status_printer(runner: BotRunner, mode: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """A status display for ``bot run``: a live table on a terminal, else a log line a minute.

    Returns (on_tick, finish).
    """
    if sys.stdout.isatty():
        live = Live(render_status(runner.loop.status(), mode), console=Console(),
                    refresh_per_second=2, transient=False)
        live.start()
        return (lambda: live.update(render_status(runner.loop.status(), mode)), live.stop)
    last = [time.monotonic()]

    def log_line() -> None:
        if time.monotonic() - last[0] < 60:
            return
        last[0] = time.monotonic()
        s = runner.loop.status()
        log.info("status: stream %s, %d liquidations, %d open position(s), equity %.2f USDT%s",
                 "connected" if s.heatmap.connected else "DISCONNECTED", s.heatmap.liquidations,
                 len(s.positions), s.equity,
                 f", entries paused: {s.entries_paused}" if s.entries_paused else "")

    return log_line, lambda: None


def watch_heatmap(settings: Settings, symbol: str, *, use_sim: bool, duration: float,
                  console: Console) -> None:
    """Stream one symbol and redraw its clusters every second until stopped."""
    from bot.bootstrap import build_heatmap, start_simulator, utc_now, with_simulator_urls
    from bot.heatmap_view import render_heatmap

    sim = start_simulator(settings, utc_now) if use_sim else None
    try:
        if sim is not None:
            settings = with_simulator_urls(settings, sim)
        heatmap: LiveLiquidationHeatmap = build_heatmap(
            settings.model_copy(update={"heatmap": settings.heatmap.model_copy(
                update={"update_interval": 1.0})}), utc_now)
        heatmap.start_stream([symbol])

        def draw() -> Table:
            return render_heatmap(symbol, heatmap.get_clusters(symbol),
                                  heatmap.get_price(symbol), heatmap.health())

        deadline = time.monotonic() + duration if duration > 0 else float("inf")
        try:
            with ShutdownRequest() as shutdown, Live(draw(), console=console,
                                                     refresh_per_second=1) as live:
                while not shutdown.wait(min(1.0, max(deadline - time.monotonic(), 0.0))):
                    if time.monotonic() >= deadline:
                        break
                    live.update(draw())
        finally:
            heatmap.stop_stream()
    finally:
        if sim is not None:
            sim.stop()
