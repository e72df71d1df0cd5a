"""Importing, de-duplicating and exporting recorded data."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.marketdata.exporter import export_liquidations, export_mark_prices
from bot.marketdata.importers import (
    HistoryImportError,
    detect_format,
    import_candles,
    import_liquidations,
)
from bot.marketdata.store import HistoryStore, LiquidationEvent, MarkPoint

HEADER = ("time,side,order_type,time_in_force,original_quantity,price,average_price,"
          "order_status,last_fill_quantity,accumulated_fill_quantity\n")
SNAPSHOT = HEADER + """\
1672531200123,SELL,LIMIT,IOC,0.010,16500.0,16510.5,FILLED,0.010,0.010
1672531200123,SELL,LIMIT,IOC,0.010,16500.0,16510.5,FILLED,0.010,0.010
1672531260456,BUY,LIMIT,IOC,0.5,16600.0,0,FILLED,0.5,0
1672531260456,BUY,LIMIT,IOC,0.5,16600.0,0,FILLED,0.5,0
"""


def test_the_real_recording_imports_with_the_exact_distinct_event_count(
    store: HistoryStore, recorded_csv: Path
) -> None:
    first = import_liquidations(store, recorded_csv)
    again = import_liquidations(store, recorded_csv)

    assert (first.format, first.rows, first.inserted) == ("recorder", 3510, 1837)
    assert again.inserted == 0
    assert store.counts().liquidations == 1837


def test_a_liquidation_snapshot_file_keeps_one_of_each_doubled_row(
    store: HistoryStore, tmp_path: Path
) -> None:
    path = tmp_path / "BTCUSDT-liquidationSnapshot-2023-01-01.csv"
    path.write_text(SNAPSHOT, encoding="utf-8")

    result = import_liquidations(store, path)

    assert detect_format(path) == "snapshot"
    assert (result.rows, result.inserted) == (4, 2)
    assert store.liquidations() == [
        LiquidationEvent("BTCUSDT", "long", 1672531200123, 16510.5, 0.01),
        # average price and filled quantity 0: the order's own price and quantity instead
        LiquidationEvent("BTCUSDT", "short", 1672531260456, 16600.0, 0.5),
    ]


def test_a_snapshot_file_of_unknown_symbol_is_refused(store: HistoryStore,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "snapshot.csv"
    path.write_text(SNAPSHOT, encoding="utf-8")

    with pytest.raises(HistoryImportError, match="--symbol"):
        import_liquidations(store, path)
    assert import_liquidations(store, path, symbol="ETH/USDT:USDT").inserted == 2


def test_export_then_import_gives_the_same_events(store: HistoryStore, recorded_csv: Path,
                                                  tmp_path: Path) -> None:
    import_liquidations(store, recorded_csv)
    out = tmp_path / "export.csv"
    with out.open("w", encoding="utf-8") as handle:
        written = export_liquidations(store, handle)
    from tests.marketdata.conftest import make_store

    other = make_store(tmp_path / "other.db")

    result = import_liquidations(other, out)

    assert written == 1837
    assert result.inserted == 1837
    assert other.liquidations() == store.liquidations()


def test_mark_prices_are_stored_once_and_exported(store: HistoryStore) -> None:
    points = [MarkPoint("BTCUSDT", 1_000 * i, 100.0 + i) for i in range(5)]

    assert store.add_mark_prices(points) == 5
    assert store.add_mark_prices(points[:2]) == 0
    buffer = io.StringIO()
    assert export_mark_prices(store, buffer) == 5
    assert buffer.getvalue().splitlines()[:2] == ["symbol,time_ms,price", "BTCUSDT,0,100.0"]


def test_candles_become_four_prices_each_along_the_candle(store: HistoryStore,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "candles.csv"
    path.write_text("time,open,high,low,close,volume\n"
                    "2025-01-27T00:00:00,100,110,95,105,1\n"
                    "2025-01-27T00:01:00,105,106,90,91,1\n", encoding="utf-8")

    result = import_candles(store, path, "BTCUSDT")

    series = store.mark_prices()["BTCUSDT"]
    assert result.rows == 2
    assert series.prices.tolist() == [100, 95, 110, 105, 105, 106, 90, 91]
    assert int(series.times_ms[3] - series.times_ms[0]) == 59_999
