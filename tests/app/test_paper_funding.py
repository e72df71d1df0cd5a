"""``paper.funding: true``: the paper account pays or gets funding at each settlement the
exchange's mark prices announce, journaled; off, nothing is charged."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain import MarkPrice
from bot.execution import PaperConfig
from tests.app.helpers import SYMBOL, build_rig, short_cluster_above


@pytest.mark.parametrize("funding", [True, False])
def test_a_settlement_announced_by_the_marks_is_booked_once(tmp_path: Path,
                                                            funding: bool) -> None:
    # Arrange: a long open on the paper venue, marks announcing a settlement in 1 s
    rig = build_rig(tmp_path, paper=PaperConfig(funding=funding))
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)
    (position,) = rig.venue.positions()
    balance = rig.venue.balance()
    settlement = rig.clock() + timedelta(seconds=1)
    announce = MarkPrice(SYMBOL, 100.0, rig.clock(), funding_rate=0.0001,
                         next_funding_at=settlement)

    # Act: the announcement, then two marks after the settlement (the next one announced)
    rig.loop.on_symbol_event(SYMBOL, announce)
    rig.clock.advance(2)
    later = replace(announce, timestamp=rig.clock(),
                    next_funding_at=settlement + timedelta(hours=8))
    rig.loop.on_symbol_event(SYMBOL, later)
    rig.clock.advance(1)
    rig.loop.on_symbol_event(SYMBOL, replace(later, timestamp=rig.clock()))

    # Assert: a long pays quantity × mark × rate at a positive rate, once
    paid = position.quantity * 100.0 * 0.0001 if funding else 0.0
    assert rig.venue.balance() == pytest.approx(balance - paid, abs=1e-12)
    events = [e for e in rig.journal.list_risk_events() if e.kind == "funding"]
    assert len(events) == (1 if funding else 0)
