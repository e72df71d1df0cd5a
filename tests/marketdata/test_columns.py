"""Bulk replay: the real recording read as columns and bulk-stored equals the per-event path."""

from __future__ import annotations

from pathlib import Path

from bot.domain import Liquidation, from_epoch_ms
from bot.heatmap import LiveLiquidationHeatmap
from bot.journal import create_engine_for, upgrade_to_head
from bot.marketdata.columns import liquidation_columns
from bot.marketdata.importers import import_liquidations
from bot.marketdata.store import HistoryStore
from tests.conftest import RECORDED_CSV


def test_bulk_replay_of_the_recording_matches_event_by_event(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.db'}"
    upgrade_to_head(url)
    store = HistoryStore(create_engine_for(url))
    import_liquidations(store, RECORDED_CSV)
    bulk, single = LiveLiquidationHeatmap(), LiveLiquidationHeatmap()
    for chunk in liquidation_columns(store.engine, chunk_rows=500):
        for symbol, columns in chunk.items():
            bulk.add_liquidations(symbol, columns)
    for event in store.iter_liquidations():
        single.add_liquidation(Liquidation(symbol=event.symbol, side=event.side,  # type: ignore[arg-type]
                                           price=event.price, quantity=event.quantity,
                                           timestamp=from_epoch_ms(event.time_ms)))
    assert bulk.health().liquidations == single.health().liquidations == 1837
    assert sorted(bulk.symbols()) == sorted(single.symbols())
    for symbol in single.symbols():
        a, b = bulk._store.snapshot(symbol), single._store.snapshot(symbol)
        assert sorted(a.time_ms.tolist()) == sorted(b.time_ms.tolist())
    # A second pass adds nothing: every event is already held.
    for chunk in liquidation_columns(store.engine):
        for symbol, columns in chunk.items():
            assert bulk.add_liquidations(symbol, columns) == 0
