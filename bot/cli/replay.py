"""``bot replay``: recorded data through a heatmap, shown with the ``bot heatmap`` view.

At full speed (``--speed 0``) on a terminal, a progress bar under the view counts the
liquidations fed so far against the period's total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.text import Text

from bot.app.bootstrap import build_heatmap
from bot.app.marketdata import open_store, recorder_file_events
from bot.cli.views.heatmap import render_heatmap
from bot.clock import ManualClock
from bot.domain import from_epoch_ms
from bot.heatmap import EventColumns, LiveLiquidationHeatmap
from bot.marketdata.columns import StoredMarks, event_columns, liquidation_columns
from bot.marketdata.replay import MarksInMemory, ReplayStats, replay, replay_bulk
from bot.marketdata.store import LiquidationEvent, MarkPoint
from bot.settings import Settings
from bot.settings.models import mask_url_password
from bot.symbols import to_exchange_id


@dataclass
class _Fed:
    """Liquidations handed to the heatmap so far (full-speed replays count them)."""

    done: int = 0

    def counting(self, chunks: Iterable[Mapping[str, EventColumns]]
                 ) -> Iterator[Mapping[str, EventColumns]]:
        """``chunks`` unchanged, counted as they pass."""
        for chunk in chunks:
            self.done += sum(len(columns) for columns in chunk.values())
            yield chunk


Feed = Callable[[LiveLiquidationHeatmap, ManualClock, Callable[[], None] | None, _Fed],
                ReplayStats]


def run_replay(settings: Settings, *, file: Path | None, store_url: str, start_ms: int | None,
               end_ms: int | None, speed: float, symbol: str | None,
               console: Console | None = None) -> None:
    """Replay a recorder CSV, or the store's data in ``[start_ms, end_ms)``, and show it.

    At speed 0 the events go in a chunk at a time (``replay_bulk``); otherwise one by one,
    paced by their times.
    """
    with _source(file, store_url, start_ms, end_ms, speed) as (counts, first_ms, feed):
        if not counts and start_ms is None and end_ms is None:
            where = file if file is not None else mask_url_password(store_url)
            typer.echo(f"error: no recorded liquidations at all in {where}: record some "
                       "(bot record, or bot record --sim) or import a file (bot data import "
                       "FILE) first", err=True)
            raise typer.Exit(1)
        if not counts:
            typer.echo("nothing to replay in that period")
            return
        shown = to_exchange_id(symbol) if symbol else _busiest(counts)
        clock = ManualClock(from_epoch_ms(first_ms))
        heatmap = build_heatmap(settings, clock)
        console = console or Console()

        fed, total = _Fed(), sum(counts.values())

        def view() -> object:
            shown_view = render_heatmap(shown, heatmap.get_clusters(shown),
                                        heatmap.get_price(shown), heatmap.health(),
                                        replay_at=clock())
            if speed > 0 or not console.is_terminal:  # a bar only where it is redrawn
                return shown_view
            return Group(shown_view, _progress(fed.done, total))

        if console.is_terminal:
            with Live(view(), console=console, refresh_per_second=4) as live:  # type: ignore[arg-type]
                stats = feed(heatmap, clock, lambda: live.update(view()), fed)  # type: ignore[arg-type]
        else:
            stats = feed(heatmap, clock, None, fed)
            console.print(view())
    typer.echo(f"replayed {stats.liquidations} liquidations and {stats.mark_prices} mark prices "
               f"from {from_epoch_ms(stats.first_ms or 0):%Y-%m-%d %H:%M:%S} to "
               f"{from_epoch_ms(stats.last_ms or 0):%Y-%m-%d %H:%M:%S} UTC")


@contextmanager
def _source(file: Path | None, store_url: str, start_ms: int | None, end_ms: int | None,
            speed: float) -> Iterator[tuple[Mapping[str, int], int, Feed]]:
    """Liquidations per symbol, the first event's time, and how to feed the heatmap."""
    if file is not None:
        events = [e for e in recorder_file_events(file)
                  if (start_ms is None or e.time_ms >= start_ms)
                  and (end_ms is None or e.time_ms < end_ms)]
        yield (Counter(e.symbol for e in events), events[0].time_ms if events else 0,
               _feed_events(events, [], speed))
        return
    with open_store(store_url) as store:
        counts = store.liquidation_counts(start_ms, end_ms)
        if not counts:
            yield counts, 0, _feed_events([], [], speed)
            return
        if speed > 0:
            events = store.liquidations(start_ms, end_ms)
            marks = list(store.iter_mark_prices(start_ms, end_ms))
            yield counts, events[0].time_ms, _feed_events(events, marks, speed)
            return
        first_ms = store.first_liquidation_ms(start_ms, end_ms) or 0

        def feed(heatmap: LiveLiquidationHeatmap, clock: ManualClock,
                 on_tick: Callable[[], None] | None, fed: _Fed) -> ReplayStats:
            return replay_bulk(fed.counting(liquidation_columns(store.engine, start_ms, end_ms)),
                               StoredMarks(store, start_ms, end_ms), heatmap, clock,
                               on_tick=on_tick)

        yield counts, first_ms, feed


def _feed_events(events: list[LiquidationEvent], marks: list[MarkPoint], speed: float) -> Feed:
    def feed(heatmap: LiveLiquidationHeatmap, clock: ManualClock,
             on_tick: Callable[[], None] | None, fed: _Fed) -> ReplayStats:
        if speed == 0:
            return replay_bulk(fed.counting(event_columns(events)), MarksInMemory(marks),
                               heatmap, clock, on_tick=on_tick)
        return replay(events, marks, heatmap, clock, speed=speed, on_tick=on_tick)
    return feed


def _busiest(counts: Mapping[str, int]) -> str:
    return min(counts, key=lambda s: (-counts[s], s))


def _progress(done: int, total: int) -> Group:
    """The full-speed replay's bar: liquidations fed of the period's total."""
    share = f"{100 * done / total:.0f} %" if total else "100 %"
    return Group(ProgressBar(total=max(total, 1), completed=min(done, total), width=40),
                 Text(f"{done:,} of {total:,} liquidations replayed ({share})"))
