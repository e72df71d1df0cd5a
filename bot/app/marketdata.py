"""Composition of the history commands: the recorder's stream, stores by URL, replay input.

Kept out of ``bot.app.bootstrap`` (the trading bot's composition root) so the two evolve apart;
like it, this is the only place here that builds collaborators from settings.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import utc_now
from bot.errors import BotError
from bot.heatmap import ParsedFrame
from bot.heatmap.sources import build_sources, venue_stream
from bot.heatmap.stream import MarketStream, ReconnectPolicy
from bot.journal import check_database_url, create_engine_for, upgrade_to_head
from bot.marketdata.importers import recorder_events
from bot.marketdata.open_interest import OpenInterestStore, download_open_interest
from bot.marketdata.recorder import Recorder, RecorderStats
from bot.marketdata.store import HistoryStore, LiquidationEvent
from bot.settings import Settings

log = logging.getLogger(__name__)




def database_url(target: str | None, settings: Settings) -> str:
    """A SQLAlchemy URL for ``--out``/``--db``: a URL as is, a file path as SQLite, else the
    journal's URL.

    Raises:
        ConfigError: a URL SQLAlchemy cannot open (unknown dialect, malformed).
    """
    if target is None:
        return settings.journal.url
    if "://" in target:
        return check_database_url(target, "--db/--out")
    return f"sqlite:///{Path(target).resolve()}"


@contextmanager
def open_store(url: str) -> Iterator[HistoryStore]:
    """The store at ``url``, migrated to head; its engine disposed afterwards."""
    upgrade_to_head(url)
    engine = create_engine_for(url)
    try:
        yield HistoryStore(engine)
    finally:
        engine.dispose()


def record(settings: Settings, store: HistoryStore, *, use_sim: bool, duration: float,
           wait: Callable[[float], bool], clock: Callable[[], datetime] = utc_now,
           batch_seconds: float = 1.0) -> RecorderStats:
    """Record ``run.symbols`` of every ``heatmap.sources`` venue until ``wait`` returns True
    (a stop) or ``duration`` passes.

    Args:
        settings: symbols (``run.symbols``), venues and their URLs, silence timeout.
        store: where the recording goes.
        use_sim: start the built-in simulated exchange and record it.
        duration: seconds to record; 0 = until stopped.
        wait: waits up to the given seconds; True when a stop was requested.
        clock: the wall clock (UTC).
        batch_seconds: seconds between batch commits.
    """
    from bot.app.bootstrap import start_simulator, with_simulator_urls

    sim = None
    if use_sim:
        sim = start_simulator(settings, clock)
        settings = with_simulator_urls(settings, sim)
    symbols = settings.run.symbols
    recorder = Recorder(store, clock, symbols)
    recorder.start()
    streams = venue_streams(settings, recorder)
    for stream in streams:
        stream.start()
    interest = OpenInterestRecorder(settings, store, clock)
    started = time.monotonic()
    try:
        interest.poll()
        while not wait(batch_seconds):
            recorder.flush()
            if time.monotonic() - interest.polled_at >= OPEN_INTEREST_POLL_SECONDS:
                interest.poll()
            if duration > 0 and time.monotonic() - started >= duration:
                break
    finally:
        recorder.detach()
        for stream in streams:
            stream.request_stop()
        for stream in streams:
            stream.stop(timeout=1.5)
        recorder.close()
        interest.close()
        if sim is not None:
            sim.stop()
    return recorder.stats()


def venue_streams(settings: Settings, recorder: Recorder) -> list[MarketStream]:
    """One (unstarted) stream per configured venue, feeding ``recorder``."""
    h = settings.heatmap
    policy = ReconnectPolicy(silence_timeout=h.silence_timeout)
    rng = random.Random()  # noqa: S311 - jitter only
    sources = build_sources(h.sources, ws_base_url=settings.exchange.ws_url,
                            bybit_ws_url=h.bybit_ws_url, okx_ws_url=h.okx_ws_url,
                            okx_rest_url=h.okx_rest_url)
    streams: list[MarketStream] = []
    for source in sources:
        name, parse = source.name, source.parse

        def on_frame(frame: str, parse: Callable[[str | bytes], ParsedFrame] = parse) -> None:
            recorder.handle_frame(frame, parse)

        def on_state(connected: bool, name: str = name) -> None:
            recorder.on_state(connected, name)

        streams.append(venue_stream(source, settings.run.symbols, on_frame=on_frame,
                                    on_state=on_state, policy=policy, rng=rng))
    return streams


OPEN_INTEREST_POLL_SECONDS = 60.0  # a new 5-minute entry is stored within a minute


class OpenInterestRecorder:
    """``bot record``'s open interest: the closed 5-minute periods of ``run.symbols`` since
    ``heatmap.projection_lookback_hours`` before the start, downloaded once each (the
    ``download-oi`` cache), polled while recording. An exchange error is logged and tried
    again at the next poll; the liquidation recording goes on."""

    def __init__(self, settings: Settings, store: HistoryStore,
                 clock: Callable[[], datetime]) -> None:
        """Nothing is asked until ``poll``."""
        from bot.exchange import build_gateway, config_from_settings

        self._symbols = settings.run.symbols
        self._store = OpenInterestStore(store.engine)
        self._clock = clock
        self._since = clock() - timedelta(hours=settings.heatmap.projection_lookback_hours)
        # Public data: the gateway never holds the API keys.
        self._gateway = build_gateway(config_from_settings(settings.exchange, with_keys=False),
                                      clock)
        self.polled_at = time.monotonic()

    def poll(self) -> int:
        """Store what is new; returns the entries added."""
        self.polled_at = time.monotonic()
        now = self._clock()
        try:
            results = download_open_interest(self._store, self._gateway, self._symbols,
                                             self._since, now, now)
        except BotError as e:
            log.warning("open interest not recorded this time: %s", e)
            return 0
        return sum(r.inserted for r in results)

    def close(self) -> None:
        """Close the gateway's HTTP session."""
        self._gateway.close()


def recorder_file_events(path: Path) -> list[LiquidationEvent]:
    """A recorder CSV as distinct events in time order (for ``bot replay FILE``).

    Raises:
        HistoryImportError: a malformed row (the message names the file and line).
    """
    distinct = dict.fromkeys(recorder_events(path))
    return sorted(distinct, key=lambda e: e.time_ms)
