"""``bot replay``: recorded data through a heatmap, shown with the ``bot heatmap`` view."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import typer
from rich.console import Console
from rich.live import Live

from bot.bootstrap import build_heatmap
from bot.domain import from_epoch_ms
from bot.heatmap_view import render_heatmap
from bot.history.clock import ManualClock
from bot.history.replay import replay
from bot.history.store import LiquidationEvent, MarkPoint
from bot.history.wiring import open_store, recorder_file_events
from bot.settings import Settings
from bot.symbols import to_exchange_id


def run_replay(settings: Settings, *, file: Path | None, store_url: str, start_ms: int | None,
               end_ms: int | None, speed: float, symbol: str | None,
               console: Console | None = None) -> None:
    """Replay a recorder CSV, or the store's data in ``[start_ms, end_ms)``, and show it."""
    marks: list[MarkPoint] = []
    if file is not None:
        events = [e for e in recorder_file_events(file)
                  if (start_ms is None or e.time_ms >= start_ms)
                  and (end_ms is None or e.time_ms < end_ms)]
    else:
        with open_store(store_url) as store:
            events = store.liquidations(start_ms, end_ms)
            marks = list(store.iter_mark_prices(start_ms, end_ms))
    if not events:
        typer.echo("nothing to replay in that period")
        return
    shown = to_exchange_id(symbol) if symbol else _busiest(events)
    clock = ManualClock(from_epoch_ms(events[0].time_ms))
    heatmap = build_heatmap(settings, clock)
    console = console or Console()

    def view() -> object:
        return render_heatmap(shown, heatmap.get_clusters(shown), heatmap.get_price(shown),
                              heatmap.health())

    if console.is_terminal:
        with Live(view(), console=console, refresh_per_second=4) as live:  # type: ignore[arg-type]
            stats = replay(events, marks, heatmap, clock, speed=speed,
                           on_tick=lambda: live.update(view()))  # type: ignore[arg-type]
    else:
        stats = replay(events, marks, heatmap, clock, speed=speed)
        console.print(view())
    typer.echo(f"replayed {stats.liquidations} liquidations and {stats.mark_prices} mark prices "
               f"from {from_epoch_ms(stats.first_ms or 0):%Y-%m-%d %H:%M:%S} to "
               f"{from_epoch_ms(stats.last_ms or 0):%Y-%m-%d %H:%M:%S} UTC")


def _busiest(events: Iterable[LiquidationEvent]) -> str:
    counts = Counter(e.symbol for e in events)
    return min(counts, key=lambda s: (-counts[s], s))
