"""Decisions never wait on each other (issue 11, case 8), and react to each symbol's news.

An entry resting on the venue (a limit entry waiting for its fill) is sent off the loop's
lock: marks, supervision and status go on meanwhile, the entry counts for the risk limits
and blocks its symbol. A mark price from the stream, or a cluster refresh, decides its
symbol at once, without waiting for the scheduled signal pass.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from bot.app.decisions import EntryThreads, EventDecisions
from bot.domain import Liquidation, Position, SizedOrder, to_epoch_ms
from bot.execution import ExecutionVenue, PaperExecution
from bot.journal import SignalOutcome, TradeStatus
from bot.risk import RiskLimits
from tests.app.helpers import SYMBOL, Rig, build_rig, short_cluster_above

OTHER = "ABCUSDT"


class _RestingVenue:
    """The paper venue, except that an entry rests until the test lets it fill."""

    def __init__(self, inner: PaperExecution) -> None:
        self._inner = inner
        self.sending = threading.Event()
        self.release = threading.Event()
        self.entries = 0

    def open_position(self, order: SizedOrder, client_order_id: str) -> Position:
        self.entries += 1
        self.sending.set()
        assert self.release.wait(10), "the test never let the entry fill"
        return self._inner.open_position(order, client_order_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _finishes(job: Callable[[], object]) -> bool:
    """Whether ``job`` returns within 5 s (run on a thread, so a block fails, not hangs)."""
    thread = threading.Thread(target=job, daemon=True)
    thread.start()
    thread.join(timeout=5)
    return not thread.is_alive()


def _resting_rig(tmp_path: Path, limits: RiskLimits | None = None
                 ) -> tuple[Rig, _RestingVenue, EntryThreads]:
    """A two-symbol rig whose entries rest on the venue, sent on worker threads."""
    resting: list[_RestingVenue] = []

    def wrap(inner: PaperExecution) -> ExecutionVenue:
        resting.append(_RestingVenue(inner))
        return cast(ExecutionVenue, resting[0])

    entries = EntryThreads()
    rig = build_rig(tmp_path, symbols=(SYMBOL, OTHER), wrap_venue=wrap, run_entry=entries,
                    limits=limits)
    return rig, resting[0], entries


def _mark_frame(rig: Rig, symbol: str, price: float) -> str:
    return json.dumps({"e": "markPriceUpdate", "E": to_epoch_ms(rig.clock()), "s": symbol,
                       "p": str(price)})


def test_a_resting_entry_holds_up_no_mark_supervision_or_status(tmp_path: Path) -> None:
    # Arrange: a long signal whose entry rests on the venue, sent by a worker
    rig, venue, entries = _resting_rig(tmp_path)
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.prices.set(OTHER, 50.0)
    rig.tick(100.0)
    assert venue.sending.wait(5)

    # Act: while the entry rests, the other jobs run and the symbol is asked again
    rig.prices.set(OTHER, 49.0)
    jobs_ran = all(_finishes(job) for job in (rig.loop.on_prices, rig.loop.supervise,
                                              rig.loop.status, rig.loop.check_health,
                                              rig.loop.run_signals))
    still_resting = not venue.release.is_set()
    seen_mark = rig.loop.status().prices[OTHER].price
    venue.release.set()
    entries.stop()

    # Assert
    assert jobs_ran
    assert still_resting
    assert seen_mark == 49.0
    assert venue.entries == 1  # the resting entry blocked its symbol: no second one
    (trade,) = rig.journal.list_trades()
    assert trade.status == TradeStatus.OPEN


def test_an_entry_being_sent_counts_for_the_position_limit(tmp_path: Path) -> None:
    # Arrange: one position allowed; the first symbol's entry rests on the venue
    rig, venue, entries = _resting_rig(tmp_path, RiskLimits(max_open_positions=1))
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.prices.set(OTHER, 100.0)
    rig.tick(100.0)
    assert venue.sending.wait(5)

    # Act: the other symbol gets a setup of its own while the first entry is under way
    for i in range(12):
        rig.heatmap.add_liquidation(Liquidation(
            symbol=OTHER, side="short", price=103.5 * (1 + (i - 6) * 0.0005), quantity=50.0,
            timestamp=rig.clock() - timedelta(seconds=i)))
    rig.heatmap.refresh()
    rig.loop.run_signals()
    venue.release.set()
    entries.stop()

    # Assert
    (refused,) = [s for s in rig.journal.list_signals(symbol=OTHER)
                  if s.outcome == SignalOutcome.REJECTED]
    assert refused.reason is not None
    assert refused.reason.startswith("max_open_positions: 1 positions open")
    assert venue.entries == 1


def test_a_stream_mark_or_a_cluster_refresh_decides_its_symbol_at_once(tmp_path: Path) -> None:
    # Arrange: the heatmap tells the decision thread; no scheduled signal pass runs
    rig = build_rig(tmp_path)
    decisions = EventDecisions(rig.loop)
    rig.heatmap.set_listener(decisions)
    decisions.start()
    try:
        rig.heatmap.handle_frame(_mark_frame(rig, SYMBOL, 100.0))
        _wait_for(lambda: rig.loop.status().prices.get(SYMBOL) is not None)
        rig.loop.check_health()  # a fresh price and a live stream: entries allowed

        no_trade_yet = rig.journal.list_trades() == []  # a mark, but no cluster to aim at

        # Act: the clusters change (a refresh): the symbol is decided again, and enters
        short_cluster_above(rig.heatmap, rig.clock(), 103.5)
        rig.heatmap.refresh()
        _wait_for(lambda: rig.venue.position(SYMBOL) is not None)
    finally:
        decisions.stop()

    # Assert
    assert no_trade_yet
    (trade,) = rig.journal.list_trades()
    assert trade.status == TradeStatus.OPEN
    assert rig.prices.polls == 0  # decided on the stream's mark, not on a polled one


def _wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within 5 s"
        time.sleep(0.01)
