"""Event-driven decisions: a symbol is decided the moment its mark price or clusters change.

``EventDecisions`` listens to the heatmap (a ``HeatmapListener``): the stream's thread only
notes which symbol changed (the latest mark wins) and wakes one decision thread, which
calls ``TradingLoop.on_symbol_event`` for each changed symbol in arrival order. So the socket
is never held up by a decision, a burst of marks for one symbol costs one decision, and the
scheduled 5 s signal pass stays as the safety net. ``EntryThreads`` sends approved entries on
worker threads, so a limit entry resting on the book holds up no decision.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from bot.app.trading_loop import TradingLoop
from bot.domain import MarkPrice

log = logging.getLogger(__name__)

__all__ = ["EntryThreads", "EventDecisions"]

_JOIN_SECONDS = 2.0


class EventDecisions:
    """Decides each symbol on its own news, on one background thread.

    Args:
        loop: the trading loop whose ``on_symbol_event`` makes the decision.
    """

    def __init__(self, loop: TradingLoop) -> None:
        """Nothing runs until ``start``."""
        self._loop = loop
        self._wake = threading.Condition()
        # symbol → its latest pushed mark (None: only its clusters changed); insertion order
        # is arrival order, so no symbol waits behind another's repeated news.
        self._pending: dict[str, MarkPrice | None] = {}
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- HeatmapListener (called on the heatmap's threads: note and wake, nothing more) ----

    def mark_price(self, mark: MarkPrice) -> None:
        """A stream mark price arrived: decide its symbol with it."""
        with self._wake:
            self._pending[mark.symbol] = mark
            self._wake.notify()

    def clusters_changed(self, symbol: str) -> None:
        """``symbol``'s clusters were recomputed: decide it again (keeping a pending mark)."""
        with self._wake:
            self._pending.setdefault(symbol, None)
            self._wake.notify()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the decision thread."""
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="decisions", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (the decision under way finishes first) and drop what is pending."""
        with self._wake:
            self._stopping = True
            self._pending.clear()
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=_JOIN_SECONDS)
            self._thread = None

    def _next(self) -> tuple[str, MarkPrice | None] | None:
        with self._wake:
            while not self._pending and not self._stopping:
                self._wake.wait()
            if self._stopping:
                return None
            symbol = next(iter(self._pending))
            return symbol, self._pending.pop(symbol)

    def _run(self) -> None:
        while (item := self._next()) is not None:
            symbol, mark = item
            try:
                self._loop.on_symbol_event(symbol, mark)
            except Exception:  # one symbol's failure must not end every decision
                log.exception("decision for %s failed", symbol)


class EntryThreads:
    """Sends approved entries on a few worker threads (the loop's ``run_entry``).

    Args:
        workers: entries that may be under way at once (one per symbol at most).
    """

    def __init__(self, workers: int = 4) -> None:
        """Start no thread until the first entry."""
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="entry")

    def __call__(self, send: Callable[[], None]) -> None:
        """Send an entry on a worker; a failure there is logged with its traceback."""
        self._pool.submit(send).add_done_callback(_log_failure)

    def stop(self) -> None:
        """Wait for the entries under way, then end the workers."""
        self._pool.shutdown(wait=True)


def _log_failure(future: Future[None]) -> None:
    error = future.exception()
    if error is not None:
        log.error("entry failed", exc_info=error)
