"""Hostile CSV rows: every implausible row is an import error naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.marketdata.importers import HistoryImportError, import_liquidations
from bot.marketdata.store import HistoryStore

SNAPSHOT_HEADER = ("time,side,order_type,time_in_force,original_quantity,price,average_price,"
                   "order_status,last_fill_quantity,accumulated_fill_quantity\n")


_RECORDER_FIRST = "LRC,SELL,LIMIT,IOC,226,0.17,0.17,FILLED,226,226,1737908829829\n"
_RECORDER = ("hostile.csv", _RECORDER_FIRST)
_SNAPSHOT = ("BTCUSDT-liquidationSnapshot-2023-01-01.csv", SNAPSHOT_HEADER)


@pytest.mark.parametrize(("file", "row"), [
    (_RECORDER, "BTC,SELL,LIMIT,IOC,1e20,90000,90000,FILLED,1e20,1e20,1737908829829"),
    (_RECORDER, "BTC,SELL,LIMIT,IOC,1,5e-324,5e-324,FILLED,1,1,1737908829829"),
    (_RECORDER, "BTC,SELL,LIMIT,IOC,1,1e300,1e300,FILLED,1,1,1737908829829"),
    (_RECORDER, "BTC,SELL,LIMIT,IOC,1,90000,90000,FILLED,1,1,99999999999999999999999999"),
    (_RECORDER, "BTC,SELL,LIMIT,IOC,1,90000,90000,FILLED,1,1,-5"),
    (_RECORDER, "BTC\x00X,SELL,LIMIT,IOC,1,90000,90000,FILLED,1,1,1737908829829"),
    (_RECORDER, "B T C,SELL,LIMIT,IOC,1,90000,90000,FILLED,1,1,1737908829829"),
    (_SNAPSHOT, "1672531200123,SELL,LIMIT,IOC,1,16500,inf,FILLED,1,1"),
    (_SNAPSHOT, "1672531200123,SELL,LIMIT,IOC,1e20,16500,16500,FILLED,1e20,1e20"),
    (_SNAPSHOT, "99999999999999999999999,SELL,LIMIT,IOC,1,16500,16500,FILLED,1,1"),
    (_SNAPSHOT, "2900-01-01T00:00:00,SELL,LIMIT,IOC,1,16500,16500,FILLED,1,1"),
])
def test_an_implausible_row_is_refused_naming_file_and_line(
    store: HistoryStore, tmp_path: Path, file: tuple[str, str], row: str,
) -> None:
    name, first = file
    path = tmp_path / name
    path.write_text(first + row + "\n", encoding="utf-8")

    with pytest.raises(HistoryImportError, match=rf"{name}:2: "):
        import_liquidations(store, path)

    assert store.counts().liquidations == 0


def test_a_snapshot_symbol_given_by_hand_must_be_a_symbol(store: HistoryStore,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "snapshot.csv"
    path.write_text(SNAPSHOT_HEADER, encoding="utf-8")

    with pytest.raises(HistoryImportError, match="symbol"):
        import_liquidations(store, path, symbol="BTC\nUSDT")


def test_the_recorder_keeps_no_implausible_event(store: HistoryStore) -> None:
    from bot.marketdata.recorder import Recorder
    from tests.heatmap.hostile import NOW, force_order, mark_price

    recorder = Recorder(store, lambda: NOW, ["BTCUSDT"])
    recorder.start()
    recorder.handle_frame(force_order(quantity="1e20"))
    recorder.handle_frame(force_order(price="5e-324"))
    recorder.handle_frame(mark_price(price="1e300"))
    recorder.handle_frame(force_order())
    recorder.close()

    assert store.counts().liquidations == 1
    assert recorder.stats().parse_errors == 3
