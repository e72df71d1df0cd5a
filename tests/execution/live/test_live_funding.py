"""Live funding from the exchange into the journal (issue 11, case 7): each settlement the
account's income lists is journaled once, at start and after a FUNDING_FEE account update."""

from __future__ import annotations

import time
from pathlib import Path

from bot.app.live import LiveJournal
from bot.execution.live.user_stream.events import AccountUpdate
from bot.journal import RiskEventRecord, TradeMode
from bot.sim.rest import AccountConfig
from tests.execution.live.helpers import (
    entry_id,
    make_gateway,
    make_journal,
    make_venue,
    sized,
    start_sim,
)


def test_funding_settlements_are_journaled_once_with_the_exchanges_amounts(
        tmp_path: Path) -> None:
    # Arrange: funding every second on the simulator, a long held by the venue
    sim = start_sim(account=AccountConfig(funding_interval_ms=1_000))
    gateway = make_gateway(sim)
    journal = make_journal(tmp_path / "journal.db")
    try:
        venue = make_venue(gateway, journal, poll=3600.0)
        order = sized()
        venue.open_position(order, entry_id(order))
        time.sleep(2.5)

        # Act: the stream says funding was settled; a restarted venue looks again
        venue.on_user_event(AccountUpdate("FUNDING_FEE", (), 1))
        deadline = time.monotonic() + 10
        while not _funding_events(journal) and time.monotonic() < deadline:
            time.sleep(0.05)
        venue.poll()  # nothing new was announced: nothing fetched twice
        journaled = _funding_events(journal)
        income = gateway.fetch_funding()
        restarted = make_venue(gateway, journal, poll=3600.0)
        restarted.poll()
        again = _funding_events(journal)
    finally:
        gateway.close()
        sim.stop()

    # Assert: what the exchange listed up to the look, once each, with its amount
    assert journaled
    assert all(e.symbol == "BTCUSDT" for e in journaled)
    amounts = {round(float(e.detail.split()[0]), 8) for e in journaled if e.detail}
    assert amounts <= {round(p.amount, 8) for p in income}
    assert all(a < 0 for a in amounts)  # a long pays at the default positive rate
    assert len(again) >= len(journaled)
    assert len({e.detail for e in again}) == len(again)  # no settlement twice
    assert all(e.mode == TradeMode.LIVE for e in again)


def _funding_events(journal: LiveJournal) -> list[RiskEventRecord]:
    return [e for e in journal.list_risk_events() if e.kind == "funding"]
