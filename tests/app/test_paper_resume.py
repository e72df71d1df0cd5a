"""A restarted paper run resumes its account from the journal: balance and open positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.bootstrap import build_paper_venue
from bot.settings import load_settings
from tests.app.helpers import SYMBOL, build_rig, short_cluster_above


def test_paper_account_resumes_after_restart(tmp_path: Path) -> None:
    rig = build_rig(tmp_path)
    short_cluster_above(rig.heatmap, rig.clock(), 103.5)
    rig.tick(100.0)  # opens a long
    rig.clock.advance(1)
    position = rig.venue.position(SYMBOL)
    assert position is not None
    settings = load_settings(overrides={"journal.url": f"sqlite:///{tmp_path / 'journal.db'}"})
    resumed = build_paper_venue(settings, rig.journal, rig.clock)
    (held,) = resumed.positions()
    assert held.client_order_id == position.client_order_id
    assert held.entry_price == position.entry_price
    assert resumed.balance() == pytest.approx(rig.venue.balance())
    resumed.on_mark_price(SYMBOL, 96.0, rig.clock())  # the stop still works after the restart
    assert resumed.positions() == []
