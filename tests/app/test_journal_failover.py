"""A PostgreSQL journal that loses its connections mid-run loses no journal row.

The faults are real, on the session's throw-away server: every client connection killed by
the server (``pg_terminate_backend``, what a failover does to a client), and the server
itself stopped and started again while the bot has a position to close.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.journal import TradeStatus
from bot.risk import RiskLimits
from tests.app.helpers import SYMBOL, Rig, build_rig, short_cluster_above
from tests.support.databases import postgresql_only
from tests.support.postgres import PostgresServer

pytestmark = postgresql_only


@pytest.fixture
def rig(tmp_path: Path, journal_url: str, caplog: pytest.LogCaptureFixture) -> Rig:
    """A running loop on a fresh PostgreSQL journal, holding one position; logs captured."""
    made = build_rig(tmp_path, limits=RiskLimits(cooldown_seconds=0), deferred=True,
                     url=journal_url)
    short_cluster_above(made.heatmap, made.clock(), 103.5)
    made.tick(100.0)
    assert made.venue.position(SYMBOL) is not None
    caplog.set_level(logging.INFO)
    return made


def test_killed_connections_are_replaced_without_a_failed_write(
    rig: Rig, journal_url: str, postgres_server: PostgresServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    killed = postgres_server.terminate_backends(journal_url.rsplit("/", 1)[1])
    rig.clock.advance(1)
    rig.tick(96.9)  # through the stop: the exit is journaled on a fresh connection

    assert killed >= 1
    assert "journal write failed" not in caplog.text
    first = rig.journal.list_trades()[0]
    assert (first.status, first.exit_reason) == (TradeStatus.CLOSED, "stop_loss")
    assert [o.purpose for o in rig.journal.orders_for_trade(first.id)] == ["entry", "exit"]
    assert rig.loop.status().entries_paused is None


def test_a_server_restart_mid_run_defers_the_writes_and_lands_each_once(
    rig: Rig, postgres_server: PostgresServer, caplog: pytest.LogCaptureFixture,
) -> None:
    postgres_server.stop()
    try:
        rig.clock.advance(1)
        rig.tick(96.9)  # the stop closes the position while the server is down
        rig.clock.advance(1)
        rig.tick(100.0)
        paused = rig.loop.status().entries_paused
    finally:
        postgres_server.start()
    rig.clock.advance(10)  # past the backoff: the deferred writes land
    rig.tick(100.0)
    rig.clock.advance(1)
    rig.tick(100.0)  # entries resume

    assert paused is not None
    assert paused.startswith("journal unavailable:")
    assert "cannot reach the database server" in paused
    assert "journal writable again" in caplog.text
    trades = rig.journal.list_trades()
    assert [t.status for t in trades] == [TradeStatus.CLOSED, TradeStatus.OPEN]
    assert trades[0].exit_reason == "stop_loss"
    orders = rig.journal.orders_for_trade(trades[0].id)
    assert [o.purpose for o in orders].count("exit") == 1
    assert [o.purpose for o in orders].count("entry") == 1
