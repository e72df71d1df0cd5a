"""Recorder CSV and liquidationSnapshot files: any rows import or fail as one import error."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.heatmap.sanity import MAX_NOTIONAL_USD, MAX_PRICE, MIN_PRICE
from bot.marketdata.importers import HistoryImportError, import_liquidations
from bot.marketdata.store import HistoryStore
from tests.fuzz.budget import FUZZ
from tests.marketdata.conftest import make_store

_FLOATS = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True).map(repr)
_CELLS = st.one_of(
    _FLOATS, st.integers().map(str), st.sampled_from(["SELL", "BUY", "BTC", "1e305", "5e-324",
                                                      "0", "", "1737908829829"]),
    st.text(max_size=12),
)
_ROWS = st.lists(_CELLS, min_size=0, max_size=14)
_RECORDER_ROW = st.tuples(
    st.sampled_from(["BTC", "ETH", "1000PEPE", "B\x00", ""]), st.sampled_from(["SELL", "BUY"]),
    _CELLS, _CELLS, _CELLS, _CELLS, _CELLS, _CELLS, _CELLS, _CELLS, _CELLS,
).map(list)
_SNAPSHOT_HEADER = ("time,side,order_type,time_in_force,original_quantity,price,average_price,"
                    "order_status,last_fill_quantity,accumulated_fill_quantity")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HistoryStore]:
    """One store for every example (inserts only; the checks read what each import did)."""
    made = make_store(tmp_path_factory.mktemp("fuzz") / "history.db")
    yield made
    made.engine.dispose()


def _csv(rows: list[list[str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _named(error: HistoryImportError, path: Path) -> bool:
    return str(error).startswith(str(path))


def _check_import(store: HistoryStore, path: Path) -> None:
    before = store.counts().liquidations
    try:
        result = import_liquidations(store, path)
    except HistoryImportError as error:
        if not _named(error, path):
            raise
        return
    assert result.inserted == store.counts().liquidations - before
    for event in store.liquidations()[-max(result.inserted, 1):] if result.inserted else []:
        assert MIN_PRICE <= event.price <= MAX_PRICE
        assert math.isfinite(event.quantity)
        assert event.price * event.quantity <= MAX_NOTIONAL_USD


@FUZZ
@given(rows=st.lists(st.one_of(_RECORDER_ROW, _ROWS), max_size=6))
def test_recorder_rows_import_or_fail_with_file_and_line(
    store: HistoryStore, tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]],
) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz-recorder.csv"
    path.write_text(_csv(rows), encoding="utf-8")

    _check_import(store, path)


@FUZZ
@given(rows=st.lists(_ROWS, max_size=6), raw=st.binary(max_size=80))
def test_snapshot_rows_and_raw_bytes_import_or_fail(
    store: HistoryStore, tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]],
    raw: bytes,
) -> None:
    base = tmp_path_factory.getbasetemp()
    snapshot = base / "BTCUSDT-liquidationSnapshot-2023-01-01.csv"
    snapshot.write_text(_SNAPSHOT_HEADER + "\n" + _csv(rows), encoding="utf-8")
    garbage = base / "fuzz-bytes.csv"
    garbage.write_bytes(raw)

    _check_import(store, snapshot)
    _check_import(store, garbage)
