"""``Recorder``: the live liquidation and mark-price streams into the ``HistoryStore``.

Each venue's stream thread parses its frames (with the heatmap's own parsers:
``bot.heatmap.parse_frame`` for Binance, the venue's ``VenueSource.parse`` for the others)
and queues what it holds, venue included; ``flush`` writes the queue in one transaction
together with the session's heartbeat, so the store always knows up to when the recording is
complete. After a crash (even SIGKILL) or a restart, the next session records the time since
the last committed heartbeat as a gap, and nothing committed is lost. A disconnection of a
venue's stream while the recorder runs is recorded as a gap too, naming the venue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain import to_epoch_ms
from bot.heatmap import ParsedFrame, parse_frame
from bot.heatmap.sanity import MAX_PRICE, MIN_PRICE, value_problem
from bot.marketdata.store import Gap, HistoryStore, LiquidationEvent, MarkPoint
from bot.symbols import to_exchange_id

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RecorderStats:
    """Counters of one recording session."""

    frames: int
    parse_errors: int
    """Malformed frames, and events refused as implausible (``bot.heatmap.sanity``)."""
    liquidations: int
    new_liquidations: int
    mark_prices: int
    batches: int
    gaps: int


class Recorder:
    """Queues parsed stream data and writes it to the store in batches.

    Args:
        store: where the data goes.
        clock: the current aware UTC time.
        symbols: Binance ids to keep; ``None`` keeps every symbol (all-market streams).
    """

    def __init__(self, store: HistoryStore, clock: Callable[[], datetime],
                 symbols: Sequence[str] | None) -> None:
        self._store = store
        self._clock = clock
        self._wanted = frozenset(to_exchange_id(s) for s in symbols) if symbols else None
        self._symbols = sorted(self._wanted) if self._wanted else ["*"]
        self._lock = threading.Lock()
        self._liquidations: list[LiquidationEvent] = []
        self._marks: list[MarkPoint] = []
        self._gaps: list[Gap] = []
        self._session: int | None = None
        self._disconnected_at: dict[str, int] = {}
        self._ever_connected: set[str] = set()
        self._detached = False
        self._frames = self._errors = self._liq_count = self._new = 0
        self._mark_count = self._batches = self._gap_count = 0

    @property
    def session_id(self) -> int | None:
        """The store's id of this recording session, once started."""
        return self._session

    def start(self) -> Gap | None:
        """Open the session; returns the gap since the previous session was last alive."""
        self._session, gap = self._store.start_session(self._symbols, self._now_ms())
        if gap is not None:
            self._gap_count += 1
            log.info("recording resumes; %.1f s not recorded", (gap.end_ms - gap.start_ms) / 1e3)
        return gap

    def handle_frame(self, frame: str | bytes,
                     parse: Callable[[str | bytes], ParsedFrame] = parse_frame) -> None:
        """Parse one raw frame with ``parse`` (the venue's parser; Binance's by default) and
        queue its liquidations and mark prices (stream thread)."""
        parsed = parse(frame)
        wanted = self._wanted
        # The stream's value rules hold for what is kept for backtests too.
        liquidations = [
            LiquidationEvent(q.symbol, q.side, to_epoch_ms(q.timestamp), q.price, q.quantity,
                             q.venue)
            for q in parsed.liquidations if (wanted is None or q.symbol in wanted)
            and value_problem(q.price, q.quantity) is None
        ]
        marks = [MarkPoint(m.symbol, to_epoch_ms(m.timestamp), m.price)
                 for m in parsed.mark_prices if (wanted is None or m.symbol in wanted)
                 and MIN_PRICE <= m.price <= MAX_PRICE]
        implausible = sum(value_problem(q.price, q.quantity) is not None
                          for q in parsed.liquidations)
        implausible += sum(not MIN_PRICE <= m.price <= MAX_PRICE for m in parsed.mark_prices)
        with self._lock:
            self._frames += 1
            self._errors += parsed.errors + implausible
            self._liquidations += liquidations
            self._marks += marks

    def on_state(self, connected: bool, venue: str = "binance") -> None:
        """A venue's connection state; a disconnection becomes a gap once it reconnects."""
        now = self._now_ms()
        with self._lock:
            if self._detached:
                return
            if not connected:
                if venue in self._ever_connected and venue not in self._disconnected_at:
                    self._disconnected_at[venue] = now
                return
            self._ever_connected.add(venue)
            since = self._disconnected_at.pop(venue, None)
            if since is not None:
                self._gaps.append(Gap(since, now, _gap_reason(venue)))

    def flush(self) -> int:
        """Write what is queued (and the heartbeat) in one transaction; returns events written."""
        if self._session is None:
            raise RuntimeError("Recorder.start() first")
        with self._lock:
            liquidations, self._liquidations = self._liquidations, []
            marks, self._marks = self._marks, []
            gaps, self._gaps = self._gaps, []
        new = self._store.write_batch(self._session, liquidations, marks, gaps, self._now_ms())
        self._liq_count += len(liquidations)
        self._new += new
        self._mark_count += len(marks)
        self._gap_count += len(gaps)
        self._batches += 1
        return len(liquidations) + len(marks)

    def run(self, stop: threading.Event, batch_seconds: float = 1.0) -> None:
        """Flush every ``batch_seconds`` until ``stop`` is set, then flush and end the session."""
        if self._session is None:
            self.start()
        while not stop.wait(batch_seconds):
            self.flush()
        self.close()

    def detach(self) -> None:
        """Ignore connection changes from now on (the stream is being stopped on purpose)."""
        with self._lock:
            self._detached = True

    def close(self) -> None:
        """Final flush; an open disconnection is recorded as a gap; the session is ended."""
        with self._lock:
            now = self._now_ms()
            for venue, since in sorted(self._disconnected_at.items()):
                self._gaps.append(Gap(since, now, _gap_reason(venue)))
            self._disconnected_at.clear()
        self.flush()
        assert self._session is not None  # noqa: S101 (flush checked it)
        self._store.end_session(self._session, self._now_ms())

    def stats(self) -> RecorderStats:
        """Counters so far (written batches only)."""
        with self._lock:
            return RecorderStats(self._frames, self._errors, self._liq_count, self._new,
                                 self._mark_count, self._batches, self._gap_count)

    def _now_ms(self) -> int:
        return to_epoch_ms(self._clock())


def _gap_reason(venue: str) -> str:
    # Binance's wording is kept as it was before other venues existed.
    return "stream disconnected" if venue == "binance" else f"{venue} stream disconnected"
