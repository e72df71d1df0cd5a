"""Ring buffers: capacity, eviction order, de-duplication, memory."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import Liquidation, to_epoch_ms
from bot.heatmap.store import EventColumns, LiquidationStore, SymbolBuffer

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def liq(i: int, symbol: str = "BTCUSDT", side: str = "long") -> Liquidation:
    return Liquidation(symbol=symbol, side=side, price=100.0 + i, quantity=1.0 + i / 10,  # type: ignore[arg-type]
                       timestamp=T0 + timedelta(seconds=i))


def test_exact_repeat_is_stored_once_and_near_repeats_are_not() -> None:
    store = LiquidationStore(buffer_size=10)
    assert store.add(liq(1))
    assert not store.add(liq(1))
    assert store.add(liq(1, side="short"))          # other side: another event
    assert store.add(liq(1, symbol="ETHUSDT"))      # other symbol
    assert len(store.snapshot("BTCUSDT")) == 2


def test_oldest_dropped_first_and_evicted_events_can_return() -> None:
    buffer = SymbolBuffer(capacity=3)
    for i in range(5):
        assert buffer.add(i, 100.0 + i, 1.0, True)
    held = sorted(buffer.snapshot().time_ms.tolist())
    assert held == [2, 3, 4]
    assert not buffer.add(3, 103.0, 1.0, True)       # still held: refused
    assert buffer.add(0, 100.0, 1.0, True)           # evicted long ago: new again
    assert sorted(buffer.snapshot().time_ms.tolist()) == [0, 3, 4]


def test_dedupe_index_survives_many_wraps_and_growth() -> None:
    buffer = SymbolBuffer(capacity=1000)
    for i in range(50_000):
        assert buffer.add(i, float(i % 977), 0.5, i % 2 == 0)
        assert not buffer.add(i, float(i % 977), 0.5, i % 2 == 0)
    snapshot = buffer.snapshot()
    assert len(snapshot) == 1000
    assert sorted(snapshot.time_ms.tolist()) == list(range(49_000, 50_000))


def test_memory_per_symbol_at_ten_thousand_events_is_under_half_a_megabyte() -> None:
    buffer = SymbolBuffer(capacity=10_000)
    for i in range(10_000):
        buffer.add(i, 100.0 + i, 1.0, True)
    assert buffer.nbytes() <= 500_000


def test_snapshot_is_a_copy() -> None:
    store = LiquidationStore(buffer_size=4)
    store.add(liq(1))
    snap = store.snapshot("BTCUSDT")
    store.add(liq(2))
    assert len(snap) == 1
    assert snap.time_ms[0] == to_epoch_ms(T0 + timedelta(seconds=1))


def test_one_writer_many_readers_never_see_torn_rows() -> None:
    buffer = SymbolBuffer(capacity=500)
    stop = threading.Event()
    problems: list[str] = []

    def read() -> None:
        while not stop.is_set():
            snap = buffer.snapshot()
            # Each event was written with price == time and quantity == 2 * time.
            consistent = (snap.price == snap.time_ms) & (snap.quantity == 2 * snap.time_ms)
            if not consistent.all():
                problems.append("torn row")

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    for i in range(20_000):
        buffer.add(i, float(i), float(2 * i), True)
    stop.set()
    for reader in readers:
        reader.join()
    assert problems == []


_batch_event = st.tuples(st.integers(0, 30), st.sampled_from([1.0, 2.0, 2.5]),
                         st.sampled_from([0.1, 0.2]), st.booleans())


@settings(max_examples=200, deadline=None)
@given(first=st.lists(_batch_event, max_size=40), second=st.lists(_batch_event, max_size=40),
       capacity=st.integers(1, 200))
def test_add_many_equals_adding_one_by_one(
    first: list[tuple[int, float, float, bool]],
    second: list[tuple[int, float, float, bool]],
    capacity: int,
) -> None:
    one_by_one, bulk = SymbolBuffer(capacity), SymbolBuffer(capacity)
    evicts = len(set(first) | set(second)) > capacity
    for batch in (first, second):
        stored = sum(one_by_one.add(*event) for event in batch)
        stored_bulk = bulk.add_many(_columns(batch))
        if not evicts:
            assert stored_bulk == stored
    if not evicts:
        assert _held(bulk) == _held(one_by_one)
    # Either way, a later single add sees what the bulk path holds.
    for event in second[-3:]:
        expected_new = event not in _held(bulk)
        assert bulk.add(*event) is expected_new


@given(events=st.lists(_batch_event, unique=True, min_size=1, max_size=60),
       capacity=st.integers(1, 30))
def test_add_many_keeps_the_newest_when_the_batch_overflows(
    events: list[tuple[int, float, float, bool]], capacity: int
) -> None:
    one_by_one, bulk = SymbolBuffer(capacity), SymbolBuffer(capacity)
    for event in events:
        one_by_one.add(*event)
    bulk.add_many(_columns(events))
    assert _held(bulk) == _held(one_by_one) == set(events[-capacity:])


def _held(buffer: SymbolBuffer) -> set[tuple[int, float, float, bool]]:
    snap = buffer.snapshot()
    return set(zip(snap.time_ms.tolist(), snap.price.tolist(), snap.quantity.tolist(),
                   snap.is_long.tolist(), strict=True))


def _columns(batch: list[tuple[int, float, float, bool]]) -> EventColumns:
    return EventColumns(
        np.array([e[0] for e in batch], np.int64), np.array([e[1] for e in batch], np.float64),
        np.array([e[2] for e in batch], np.float64), np.array([e[3] for e in batch], np.bool_),
    )
