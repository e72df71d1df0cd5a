"""``bot heatmap SYMBOL [--layer realized|projected|both]``: stream one symbol and redraw its
clusters (realised, projected or both) every second."""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.table import Table

from bot.app.bootstrap import build_heatmap, start_simulator, with_simulator_urls
from bot.cli.startup import ShutdownRequest
from bot.cli.views.heatmap import render_heatmap
from bot.clock import utc_now
from bot.heatmap import LiveLiquidationHeatmap
from bot.settings import Settings


def watch_heatmap(settings: Settings, symbol: str, *, use_sim: bool, duration: float,
                  console: Console, layer: str = "realized") -> None:
    """Stream one symbol and redraw its clusters every second until stopped (``layer``:
    ``realized``, ``projected`` or ``both``)."""
    sim = start_simulator(settings, utc_now) if use_sim else None
    try:
        if sim is not None:
            settings = with_simulator_urls(settings, sim)
        heatmap: LiveLiquidationHeatmap = build_heatmap(
            settings.model_copy(update={"heatmap": settings.heatmap.model_copy(
                update={"update_interval": 1.0, "projected": layer != "realized"})}), utc_now)
        heatmap.start_stream([symbol])

        def draw() -> Table:
            clusters = heatmap.get_clusters(symbol) if layer != "projected" else []
            if layer != "realized":
                clusters += heatmap.get_projected_levels(symbol)
            return render_heatmap(symbol, clusters, heatmap.get_price(symbol), heatmap.health())

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
