"""A journal that fails at run time: no new entries, open positions still protected, writes
retried with backoff, one error line rather than a traceback per job.

The fault is real: every connection of the running bot's journal is switched to SQLite's
``query_only`` mode, so each write fails with SQLite's own "attempt to write a readonly
database", as when the file turns read-only under the bot (no root needed; a full disk takes
the same path, see ``tests/journal/test_broken_files.py`` for it at start).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from bot.journal import JournalRepository, TradeStatus
from bot.risk import RiskLimits
from tests.app.helpers import SYMBOL, Rig, build_rig, short_cluster_above


def _engine(journal: JournalRepository) -> Engine:
    bind = journal._sessions.kw["bind"]  # the repository's own engine
    assert isinstance(bind, Engine)
    return bind


@contextmanager
def read_only(journal: JournalRepository) -> Iterator[None]:
    """Every connection of the journal refuses writes until the block ends."""
    engine = _engine(journal)

    def refuse_writes(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only = ON")

    engine.dispose()
    event.listen(engine, "connect", refuse_writes)
    try:
        with pytest.raises(OperationalError, match="readonly"):
            journal.record_risk_event("probe", "the fault is in place")
        yield
    finally:
        event.remove(engine, "connect", refuse_writes)
        engine.dispose()


def _open_position(tmp_path: Path) -> Rig:
    rig = build_rig(tmp_path, limits=RiskLimits(cooldown_seconds=0), deferred=True)
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)
    assert rig.venue.position(SYMBOL) is not None
    return rig


def test_a_read_only_journal_pauses_entries_keeps_stops_and_logs_one_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    # Arrange
    rig = _open_position(tmp_path)
    caplog.set_level(logging.INFO)
    # Act
    with read_only(rig.journal):
        rig.clock.advance(1)
        rig.tick(96.9)  # through the stop: the venue closes the position
        for _ in range(10):
            rig.clock.advance(1)
            rig.tick(100.0)  # the cluster still calls for an entry
        status = rig.loop.status()
    # Assert
    assert rig.venue.position(SYMBOL) is None
    assert status.entries_paused is not None
    assert status.entries_paused.startswith("journal unavailable:")
    assert "journal.db" in status.entries_paused
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage().split(":")[0] for r in errors] == ["journal write failed (exit fill)"]
    assert all(r.exc_info is None for r in caplog.records)
    (trade,) = rig.journal.list_trades()
    assert trade.status == TradeStatus.OPEN  # not written yet: waiting for the disk


def test_once_the_journal_works_again_every_deferred_write_lands_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    rig = _open_position(tmp_path)
    with read_only(rig.journal):
        rig.clock.advance(1)
        rig.tick(96.9)
        rig.clock.advance(1)
        rig.tick(100.0)
    caplog.set_level(logging.INFO)

    rig.clock.advance(10)  # past the backoff
    rig.tick(100.0)  # writes land; the health check lifts the pause
    rig.clock.advance(1)
    rig.tick(100.0)  # and a new entry is made

    trades = rig.journal.list_trades()
    assert [t.status for t in trades] == [TradeStatus.CLOSED, TradeStatus.OPEN]
    assert trades[0].exit_reason == "stop_loss"
    exits = [o for o in rig.journal.orders_for_trade(trades[0].id) if o.purpose == "exit"]
    assert len(exits) == 1
    assert "journal writable again" in caplog.text


def test_retries_back_off(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rig = _open_position(tmp_path)
    caplog.set_level(logging.WARNING)
    with read_only(rig.journal):
        rig.clock.advance(1)
        rig.tick(96.9)
        for _ in range(60):  # a minute of one-second ticks
            rig.clock.advance(1)
            rig.tick(100.0)

    retries = [r for r in caplog.records if "still failing" in r.getMessage()]
    assert 3 <= len(retries) <= 6  # after 1, 2, 4, 8, 16, 32 s: not one per tick
