"""The bot runner: the trading loop's jobs on an APScheduler scheduler, with a clean stop.

Jobs (intervals are settings): mark prices, the signal loop, position supervision, equity
snapshots, health. Each job coalesces and never runs twice at once, so a slow tick is
skipped rather than piled up. ``run`` blocks until SIGINT/SIGTERM or ``duration`` seconds,
then stops entries, closes positions if configured, snapshots equity and returns.
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from bot.app.trading_loop import TradingLoop
from bot.heatmap import HeatmapHealth

log = logging.getLogger(__name__)

_SignalHandler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


@dataclass(frozen=True, slots=True)
class JobIntervals:
    """Seconds between runs of each job."""

    mark_prices: float = 1.0
    signals: float = 5.0
    supervision: float = 1.0
    equity: float = 60.0
    health: float = 5.0


class BotRunner:
    """Runs a ``TradingLoop`` on a background scheduler until asked to stop."""

    def __init__(
        self,
        loop: TradingLoop,
        intervals: JobIntervals,
        *,
        close_positions_on_stop: bool,
        on_stop: Callable[[], None] = lambda: None,
        extra_jobs: Sequence[tuple[str, Callable[[], None], float]] = (),
    ) -> None:
        """Prepare the scheduler; ``on_stop`` releases resources (streams, connections).

        ``extra_jobs`` are (name, function, seconds) run beside the loop's own, the first
        time at once (e.g. the heatmap's quote volumes).
        """
        self._extra_jobs = tuple(extra_jobs)
        self._loop = loop
        self._intervals = intervals
        self._close_on_stop = close_positions_on_stop
        self._on_stop = on_stop
        self._stop_requested = threading.Event()
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._scheduler.add_listener(self._job_failed, EVENT_JOB_ERROR)
        self.job_errors = 0

    @property
    def loop(self) -> TradingLoop:
        """The trading loop being run."""
        return self._loop

    def start(self) -> None:
        """Run a first price tick and health check, then start every job."""
        self._loop.on_prices()
        self._loop.check_health()
        self._loop.snapshot_equity()
        jobs: list[tuple[str, Callable[[], None], float]] = [
            ("mark_prices", self._loop.on_prices, self._intervals.mark_prices),
            ("signals", self._loop.run_signals, self._intervals.signals),
            ("supervision", self._loop.supervise, self._intervals.supervision),
            ("equity", self._loop.snapshot_equity, self._intervals.equity),
            ("health", self._loop.check_health, self._intervals.health),
        ]
        for name, job, seconds in jobs:
            self._scheduler.add_job(
                job, "interval", seconds=seconds, id=name, name=name,
                coalesce=True, max_instances=1, misfire_grace_time=max(1, int(seconds)),
            )
        for name, job, seconds in self._extra_jobs:
            self._scheduler.add_job(
                job, "interval", seconds=seconds, id=name, name=name, coalesce=True,
                max_instances=1, misfire_grace_time=max(1, int(seconds)),
                next_run_time=datetime.now(UTC),
            )
            jobs.append((name, job, seconds))
        self._scheduler.start()
        log.info("runner started: %s", ", ".join(f"{n} every {s:g} s" for n, _, s in jobs))
        self._loop.announce("start")

    def request_stop(self) -> None:
        """Ask ``run`` to return (safe from signal handlers and other threads)."""
        self._stop_requested.set()

    def run(self, duration: float = 0.0, handle_signals: bool = True,
            on_tick: Callable[[], None] | None = None, tick_seconds: float = 1.0) -> None:
        """Start, block until a stop is requested (or ``duration`` s pass), then stop cleanly.

        ``on_tick`` (a status display) is called every ``tick_seconds`` while running.
        """
        previous = self._install_signal_handlers() if handle_signals else {}
        try:
            self.start()
            deadline = time.monotonic() + duration if duration > 0 else math.inf
            while not self._stop_requested.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                if self._stop_requested.wait(min(tick_seconds, remaining)):
                    break
                if on_tick is not None:
                    on_tick()
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        """Stop the jobs (waiting for running ones), then the loop, then the resources."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        try:
            log.info("stream totals: %s", stream_totals(self._loop.status().heatmap))
        except Exception:  # a report, never a reason to skip the shutdown below
            log.exception("stream totals unavailable")
        try:
            self._loop.stop(close_positions=self._close_on_stop)
            self._loop.announce("stop", f"{len(self._loop.status().positions)} position(s) open")
        finally:
            self._on_stop()
        log.info("runner stopped")

    def _install_signal_handlers(self) -> dict[int, _SignalHandler]:
        if threading.current_thread() is not threading.main_thread():
            return {}

        def handle(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s: stopping", signal.Signals(signum).name)
            self.request_stop()

        return {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}

    def _job_failed(self, event: JobExecutionEvent) -> None:
        # A job's exception must be seen, never swallowed: log it with its traceback.
        self.job_errors += 1
        log.error("job %s failed at %s", event.job_id,
                  event.scheduled_run_time or datetime.now(UTC), exc_info=event.exception)
        self._loop.announce("error", f"job {event.job_id} failed: "
                            f"{type(event.exception).__name__}: {event.exception}")


def stream_totals(health: HeatmapHealth) -> str:
    """One line per run: each venue's liquidations, frames, errors and reconnects."""
    venues = {name: v for name, v in health.venues.items() if v.messages or v.url}
    return "; ".join(
        f"{name} {v.liquidations} liquidations ({v.messages} frames, {v.parse_errors} "
        f"malformed, {v.reconnects} reconnects)" for name, v in venues.items()
    ) or "no stream"
