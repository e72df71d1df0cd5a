"""A Rich progress bar on standard error while long commands work (nothing when redirected).

``progress_bar`` yields ``advance(done, total)``; commands pass it (or a wrapper) to the
work's progress callback, so the work itself never knows about terminals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

Advance = Callable[[float, float | None], None]  # done, total (None: open-ended)


@contextmanager
def progress_bar(description: str, console: Console | None = None) -> Iterator[Advance]:
    """A bar titled ``description`` on a terminal; elsewhere a callback that does nothing."""
    shown = console or Console(stderr=True)
    if not shown.is_terminal:
        yield lambda _done, _total: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                  TimeRemainingColumn(), console=shown, transient=True) as progress:
        task = progress.add_task(description, total=None)

        def advance(done: float, total: float | None) -> None:
            progress.update(task, completed=done, total=total, refresh=True)

        yield advance
