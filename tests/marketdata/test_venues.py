"""Recorded liquidations keep their venue: migration, store key, import/export, record,
replay and backtest of a three-venue recording."""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.journal import downgrade_to, upgrade_to_head
from bot.marketdata.exporter import export_liquidations
from bot.marketdata.importers import HistoryImportError, import_liquidations
from bot.marketdata.store import HistoryStore, LiquidationEvent
from tests.marketdata.conftest import make_store

T = 1_737_908_829_829


def test_rows_recorded_before_venues_become_binance_and_the_downgrade_keeps_them(
        tmp_path: Path) -> None:
    # Arrange: a 0003 database holding one liquidation.
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    upgrade_to_head(url)
    downgrade_to(url, "0003")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO recorded_liquidations (symbol, side, time_ms, price, quantity) "
                   "VALUES ('BTCUSDT', 'long', ?, 100.0, 1.0)", (T,))
    # Act
    upgrade_to_head(url)
    store = make_store(path)
    try:
        before = store.liquidations()
        store.add_liquidations([LiquidationEvent("BTCUSDT", "long", T, 100.0, 1.0, "bybit")])
        after = store.liquidations()
    finally:
        store.engine.dispose()
    downgrade_to(url, "0003")
    with sqlite3.connect(path) as db:
        left = db.execute("SELECT symbol, time_ms FROM recorded_liquidations").fetchall()
    # Assert
    assert before == [LiquidationEvent("BTCUSDT", "long", T, 100.0, 1.0, "binance")]
    assert [e.venue for e in after] == ["binance", "bybit"]  # same event, two venues: two rows
    assert left == [("BTCUSDT", T)]


def test_an_exact_repeat_is_stored_once_per_venue(store: HistoryStore) -> None:
    # Arrange
    events = [LiquidationEvent("ETHUSDT", "short", T, 2500.0, 2.0, venue)
              for venue in ("binance", "bybit", "okx", "okx")]
    # Act
    added = store.add_liquidations(events)
    # Assert
    assert added == 3
    assert sorted(e.venue for e in store.liquidations()) == ["binance", "bybit", "okx"]


def test_export_then_import_keeps_the_venue_and_old_files_are_binance(
        store: HistoryStore, tmp_path: Path) -> None:
    # Arrange
    store.add_liquidations([LiquidationEvent("BTCUSDT", "long", T + i, 100.0 + i, 1.0, venue)
                            for i, venue in enumerate(("binance", "bybit", "okx"))])
    exported = io.StringIO()
    export_liquidations(store, exported)
    path = tmp_path / "three.csv"
    path.write_text(exported.getvalue(), encoding="utf-8")
    old = tmp_path / "old.csv"
    old.write_text("ETH,BUY,LIMIT,IOC,3,2500.5,2500.5,FILLED,3,3,1737908829829,7501.5\n",
                   encoding="utf-8")
    target = make_store(tmp_path / "target.db")
    try:
        # Act
        import_liquidations(target, path)
        import_liquidations(target, old)
        events = target.liquidations()
    finally:
        target.engine.dispose()
    # Assert
    assert [line.split(",")[-1] for line in exported.getvalue().splitlines()] == [
        "binance", "bybit", "okx"]
    assert [(e.symbol, e.venue) for e in events] == [
        ("BTCUSDT", "binance"), ("ETHUSDT", "binance"), ("BTCUSDT", "bybit"),
        ("BTCUSDT", "okx")]


def test_an_unknown_venue_column_is_refused_naming_the_line(store: HistoryStore,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("ETH,BUY,LIMIT,IOC,3,2500.5,2500.5,FILLED,3,3,1737908829829,7501.5,kraken\n",
                    encoding="utf-8")
    with pytest.raises(HistoryImportError, match=r"bad\.csv:1: venue must be one of"):
        import_liquidations(store, path)


@pytest.mark.slow
def test_a_three_venue_recording_is_replayed_and_backtested(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Arrange: record Binance, Bybit and OKX from the simulator.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_JOURNAL__URL", f"sqlite:///{tmp_path / 'journal.db'}")
    monkeypatch.setenv("BOT_HEATMAP__SOURCES", "binance,bybit,okx")
    out = tmp_path / "recording.db"
    runner = CliRunner()
    # Act
    recorded = runner.invoke(app, ["record", "--sim", "--symbols", "BTCUSDT,ETHUSDT,SOLUSDT",
                                   "--duration", "6", "--out", str(out)])
    assert recorded.exit_code == 0, recorded.output
    store = make_store(out)
    try:
        venues = {e.venue for e in store.liquidations()}
        per_venue = {v: sum(e.venue == v for e in store.liquidations()) for v in venues}
    finally:
        store.engine.dispose()
    replayed = runner.invoke(app, ["replay", "--db", str(out)])
    backtested = runner.invoke(app, ["backtest", "--db", str(out), "--symbols",
                                     "BTCUSDT,ETHUSDT,SOLUSDT", "--out", str(tmp_path / "bt")])
    # Assert
    assert venues == {"binance", "bybit", "okx"}, per_venue
    assert "0 malformed frame(s)" in recorded.output
    assert replayed.exit_code == 0, replayed.output
    match = re.search(r"replayed (\d+) liquidations", replayed.output)
    assert match is not None, replayed.output
    assert int(match[1]) == sum(per_venue.values())
    assert backtested.exit_code == 0, backtested.output
    assert (tmp_path / "bt" / "report.json").exists()
