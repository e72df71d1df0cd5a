"""Bulk replay (``replay_bulk``) ends where the per-event ``replay`` at speed 0 ends: the same
clusters, prices, clock and counts, whatever the chunking of the liquidations and wherever
the mark prices fall."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import pytest

from bot.app.marketdata import recorder_file_events
from bot.clock import ManualClock
from bot.domain import LiquidationCluster, from_epoch_ms
from bot.heatmap import EventColumns, LiveLiquidationHeatmap
from bot.marketdata.columns import StoredMarks, event_columns, liquidation_columns
from bot.marketdata.importers import import_liquidations
from bot.marketdata.replay import LatestPrices, MarksInMemory, ReplayStats, replay, replay_bulk
from bot.marketdata.store import HistoryStore, LiquidationEvent, MarkPoint

START_MS = 1_737_900_000_000  # before the first event of the real recording
NO_LIQUIDATIONS = "NOLIQUSDT"  # a symbol with prices and no liquidations


@dataclasses.dataclass
class Ended:
    """Where a replay left its heatmap and clock."""

    heatmap: LiveLiquidationHeatmap
    clock: ManualClock
    stats: ReplayStats


def _fresh(start_ms: int, heatmap_options: Mapping[str, object]) -> tuple[LiveLiquidationHeatmap,
                                                                          ManualClock]:
    clock = ManualClock(from_epoch_ms(start_ms))
    return LiveLiquidationHeatmap(clock=clock, **heatmap_options), clock  # type: ignore[arg-type]


def _per_event(liquidations: Sequence[LiquidationEvent], marks: Sequence[MarkPoint], *,
               start_ms: int = START_MS, **heatmap_options: object) -> Ended:
    heatmap, clock = _fresh(start_ms, heatmap_options)
    stats = replay(liquidations, marks, heatmap, clock, speed=0)
    return Ended(heatmap, clock, stats)


def _bulk(chunks: Iterable[Mapping[str, EventColumns]], marks: LatestPrices, *,
          start_ms: int = START_MS, monotonic: Callable[[], float] | None = None,
          on_tick: Callable[[], None] | None = None, **heatmap_options: object) -> Ended:
    heatmap, clock = _fresh(start_ms, heatmap_options)
    if monotonic is None:
        stats = replay_bulk(chunks, marks, heatmap, clock, on_tick=on_tick)
    else:
        stats = replay_bulk(chunks, marks, heatmap, clock, on_tick=on_tick,
                            monotonic=monotonic, tick_seconds=0.5)
    return Ended(heatmap, clock, stats)


def _assert_same_clusters(bulk: list[LiquidationCluster],
                          single: list[LiquidationCluster]) -> None:
    assert len(bulk) == len(single)
    for a, b in zip(bulk, single, strict=True):
        for field in dataclasses.fields(LiquidationCluster):
            mine, theirs = getattr(a, field.name), getattr(b, field.name)
            if isinstance(theirs, float):
                assert mine == pytest.approx(theirs, rel=1e-12, abs=1e-12), field.name
            else:
                assert mine == theirs, field.name


def _assert_same_end(bulk: Ended, single: Ended, extra_symbols: Sequence[str] = ()) -> None:
    assert bulk.stats == single.stats
    assert bulk.clock.now_ms == single.clock.now_ms
    assert bulk.clock() == single.clock()
    assert sorted(bulk.heatmap.symbols()) == sorted(single.heatmap.symbols())
    a, b = bulk.heatmap.health(), single.heatmap.health()
    assert (a.liquidations, a.duplicates) == (b.liquidations, b.duplicates)
    for symbol in {*single.heatmap.symbols(), *extra_symbols}:
        assert bulk.heatmap.get_price(symbol) == single.heatmap.get_price(symbol), symbol
        _assert_same_clusters(bulk.heatmap.get_clusters(symbol),
                              single.heatmap.get_clusters(symbol))


def _marks_for(events: Sequence[LiquidationEvent]) -> list[MarkPoint]:
    """Mark prices near the busiest symbols' liquidations: some at the very millisecond of a
    liquidation, some between, some before the first and after the last event, and a symbol
    that never had a liquidation. Sorted by (time, symbol), one per symbol and millisecond."""
    by_symbol: dict[str, list[LiquidationEvent]] = {}
    for event in events:
        by_symbol.setdefault(event.symbol, []).append(event)
    busiest = sorted(by_symbol, key=lambda s: (-len(by_symbol[s]), s))[:6]
    first, last = events[0].time_ms, events[-1].time_ms
    points: dict[tuple[str, int], float] = {}
    for symbol in busiest:
        for index, event in enumerate(by_symbol[symbol]):
            offset = 0 if index % 3 == 0 else 1 + index % 700
            points[(symbol, event.time_ms + offset)] = event.price * (1 + (index % 7 - 3) / 1000)
        reference = by_symbol[symbol][0].price
        for k in range(1, 4):
            points[(symbol, first - 60_000 * k)] = reference * (1 - k / 100)
            points[(symbol, last + 1_000 * k)] = by_symbol[symbol][-1].price * (1 + k / 100)
    for k in range(5):
        points[(NO_LIQUIDATIONS, first + 3_600_000 * k)] = 10.0 + k
    ordered = sorted(points.items(), key=lambda item: (item[0][1], item[0][0]))
    return [MarkPoint(symbol, time_ms, price) for (symbol, time_ms), price in ordered]


@pytest.fixture
def recorded_store(store: HistoryStore, recorded_csv: Path) -> HistoryStore:
    """The real recording imported, plus mark prices around it."""
    import_liquidations(store, recorded_csv)
    store.add_mark_prices(_marks_for(store.liquidations()))
    return store


@pytest.mark.parametrize("chunk_rows", [7, 500, 200_000],
                         ids=["tiny-chunks", "medium-chunks", "one-chunk"])
def test_bulk_replay_of_the_stored_recording_ends_like_the_per_event_replay(
    recorded_store: HistoryStore, chunk_rows: int
) -> None:
    liquidations = recorded_store.liquidations()
    marks = list(recorded_store.iter_mark_prices())

    single = _per_event(liquidations, marks)
    bulk = _bulk(liquidation_columns(recorded_store.engine, chunk_rows=chunk_rows),
                 StoredMarks(recorded_store))

    assert single.stats == ReplayStats(1837, len(marks), marks[0].time_ms, marks[-1].time_ms)
    assert marks[-1].time_ms > liquidations[-1].time_ms  # marks go on after the last one
    assert marks[0].time_ms < liquidations[0].time_ms  # and start before the first
    assert sum(len(single.heatmap.get_clusters(s)) for s in single.heatmap.symbols()) > 0
    _assert_same_end(bulk, single, [NO_LIQUIDATIONS])
    assert bulk.heatmap.get_price(NO_LIQUIDATIONS) == 14.0


def test_bulk_replay_of_a_time_window_ends_like_the_per_event_replay(
    recorded_store: HistoryStore,
) -> None:
    liquidations = recorded_store.liquidations()
    start_ms = liquidations[300].time_ms
    end_ms = liquidations[1200].time_ms
    engine = recorded_store.engine

    single = _per_event(recorded_store.liquidations(start_ms, end_ms),
                        list(recorded_store.iter_mark_prices(start_ms, end_ms)))
    bulk = _bulk(liquidation_columns(engine, start_ms, end_ms, chunk_rows=11),
                 StoredMarks(recorded_store, start_ms, end_ms))

    assert single.stats.liquidations == 900
    assert start_ms <= single.stats.first_ms < single.stats.last_ms < end_ms  # type: ignore[operator]
    _assert_same_end(bulk, single, [NO_LIQUIDATIONS])


def test_bulk_replay_of_in_memory_events_ends_like_the_per_event_replay(
    recorded_csv: Path,
) -> None:
    events = recorder_file_events(recorded_csv)
    marks = _marks_for(events)

    single = _per_event(events, marks)
    bulk = _bulk(event_columns(events, chunk_rows=7), MarksInMemory(marks))

    assert single.stats.liquidations == 1837
    _assert_same_end(bulk, single, [NO_LIQUIDATIONS])


def test_a_small_buffer_keeps_the_same_newest_events_either_way(
    recorded_store: HistoryStore,
) -> None:
    liquidations = recorded_store.liquidations()
    marks = list(recorded_store.iter_mark_prices())
    options = {"buffer_size": 20, "min_cluster_size": 2}

    single = _per_event(liquidations, marks, **options)
    bulk = _bulk(liquidation_columns(recorded_store.engine, chunk_rows=50),
                 StoredMarks(recorded_store), **options)

    busiest = max(single.heatmap.symbols(), key=lambda s: len(single.heatmap._store.snapshot(s)))
    assert len(single.heatmap._store.snapshot(busiest)) == 20  # the buffer did overflow
    for symbol in single.heatmap.symbols():
        kept = single.heatmap._store.snapshot(symbol)
        held = bulk.heatmap._store.snapshot(symbol)
        assert sorted(held.time_ms.tolist()) == sorted(kept.time_ms.tolist()), symbol
    _assert_same_end(bulk, single)


# -- small hand-made cases ------------------------------------------------------------------


def _burst(symbol: str, times_ms: Iterable[int], base: float) -> list[LiquidationEvent]:
    """Liquidations close together in price (a cluster), alternating sides."""
    return [LiquidationEvent(symbol, "long" if i % 2 else "short", t, base * (1 + i / 10_000),
                             1.0 + i / 10)
            for i, t in enumerate(times_ms)]


def _interleaved(*groups: list[LiquidationEvent]) -> list[LiquidationEvent]:
    return sorted(itertools.chain(*groups), key=lambda e: (e.time_ms, e.symbol))


def test_stored_prices_outside_the_period_are_not_replayed(store: HistoryStore) -> None:
    store.add_liquidations([LiquidationEvent("BTCUSDT", "long", t, 100.0 + t / 1e5, 1.0)
                            for t in (1_500, 3_000, 4_000, 8_000)])
    store.add_mark_prices([MarkPoint("BTCUSDT", 1_000, 90.0), MarkPoint("ETHUSDT", 1_500, 5.0),
                           MarkPoint("BTCUSDT", 2_000, 95.0), MarkPoint("BTCUSDT", 5_000, 96.0),
                           MarkPoint("BTCUSDT", 8_000, 97.0), MarkPoint("BTCUSDT", 9_000, 98.0)])
    start, end = 2_000, 8_000  # [start, end): the liquidation and price at 8,000 are out

    single = _per_event(store.liquidations(start, end),
                        list(store.iter_mark_prices(start, end)), start_ms=0,
                        min_cluster_size=1)
    bulk = _bulk(liquidation_columns(store.engine, start, end, chunk_rows=1),
                 StoredMarks(store, start, end), start_ms=0, min_cluster_size=1)

    assert bulk.stats == ReplayStats(2, 2, 2_000, 5_000)
    assert bulk.clock.now_ms == 5_000
    assert bulk.heatmap.get_price("BTCUSDT") == 96.0
    assert bulk.heatmap.get_price("ETHUSDT") is None  # its only price is before the period
    _assert_same_end(bulk, single, ["BTCUSDT", "ETHUSDT"])


def test_an_empty_store_replays_nothing(store: HistoryStore) -> None:
    heatmap, clock = _fresh(5_000, {})

    stats = replay_bulk(liquidation_columns(store.engine), StoredMarks(store), heatmap, clock)

    assert stats == ReplayStats(0, 0, None, None)
    assert clock.now_ms == 5_000


def test_marks_after_the_last_liquidation_set_the_final_price_and_clock() -> None:
    events = _burst("BTCUSDT", range(1_000, 11_000, 1_000), 100.0)
    marks = [MarkPoint("BTCUSDT", 5_000, 99.0), MarkPoint("BTCUSDT", 12_000, 101.0),
             MarkPoint("BTCUSDT", 15_000, 102.5)]

    single = _per_event(events, marks, start_ms=0, min_cluster_size=3)
    bulk = _bulk(event_columns(events, chunk_rows=4), MarksInMemory(marks), start_ms=0,
                 min_cluster_size=3)

    assert bulk.stats == ReplayStats(10, 3, 1_000, 15_000)
    assert bulk.clock.now_ms == 15_000
    assert bulk.heatmap.get_price("BTCUSDT") == 102.5
    assert bulk.heatmap.get_clusters("BTCUSDT")[0].liquidation_count == 10
    _assert_same_end(bulk, single)


def test_marks_only_before_the_first_liquidation_count_and_set_the_price() -> None:
    events = _burst("ETHUSDT", range(10_000, 20_000, 2_000), 3_000.0)
    marks = [MarkPoint("BTCUSDT", 100, 90_000.0), MarkPoint("ETHUSDT", 100, 2_990.0),
             MarkPoint("ETHUSDT", 200, 2_995.0)]

    single = _per_event(events, marks, start_ms=0, min_cluster_size=3)
    bulk = _bulk(event_columns(events, chunk_rows=2), MarksInMemory(marks),
                 start_ms=0, min_cluster_size=3)

    assert bulk.stats == ReplayStats(5, 3, 100, 18_000)
    assert bulk.clock.now_ms == 18_000  # the last liquidation, not the last price
    assert bulk.heatmap.get_price("ETHUSDT") == 2_995.0
    assert bulk.heatmap.get_price("BTCUSDT") == 90_000.0
    [cluster] = bulk.heatmap.get_clusters("ETHUSDT")
    assert cluster.distance_from_price == pytest.approx(
        (cluster.price_level / 2_995.0 - 1) * 100)
    _assert_same_end(bulk, single, ["BTCUSDT"])


def test_empty_chunks_are_skipped() -> None:
    events = _interleaved(_burst("BTCUSDT", range(1_000, 9_000, 1_000), 100.0),
                          _burst("ETHUSDT", range(1_500, 9_500, 1_000), 50.0))
    marks = [MarkPoint("BTCUSDT", 2_000, 100.5), MarkPoint("ETHUSDT", 4_000, 49.0),
             MarkPoint("BTCUSDT", 8_800, 100.2)]
    chunks = [{}, *event_columns(events, chunk_rows=5), {}, *event_columns([]), {}]

    single = _per_event(events, marks, start_ms=0, min_cluster_size=3)
    bulk = _bulk(chunks, MarksInMemory(marks), start_ms=0, min_cluster_size=3)

    assert bulk.stats == ReplayStats(16, 3, 1_000, 8_800)
    _assert_same_end(bulk, single)


def test_nothing_to_replay_leaves_the_clock_and_heatmap_untouched_and_still_ticks_once() -> None:
    ticks: list[int] = []
    heatmap, clock = _fresh(5_000, {})

    stats = replay_bulk([{}, {}], MarksInMemory([]), heatmap, clock,
                        on_tick=lambda: ticks.append(1))

    single = _per_event([], [], start_ms=5_000)
    assert stats == single.stats == ReplayStats(0, 0, None, None)
    assert clock.now_ms == 5_000
    assert heatmap.symbols() == []
    assert ticks == [1]


def test_prices_only_move_the_clock_to_the_last_price() -> None:
    marks = [MarkPoint("BTCUSDT", 1_000 * i, 100.0 + i) for i in range(1, 8)]

    single = _per_event([], marks, start_ms=0)
    bulk = _bulk([], MarksInMemory(marks), start_ms=0)

    assert bulk.stats == ReplayStats(0, 7, 1_000, 7_000)
    assert bulk.clock.now_ms == 7_000
    assert bulk.heatmap.get_price("BTCUSDT") == 107.0
    _assert_same_end(bulk, single, ["BTCUSDT"])


def test_marks_straddling_chunk_boundaries_apply_up_to_each_chunks_last_event() -> None:
    events = _interleaved(_burst("BTCUSDT", range(1_000, 31_000, 1_000), 100.0),
                          _burst("ETHUSDT", range(1_000, 31_000, 1_000), 50.0))
    marks = sorted([MarkPoint(symbol, t, base + t / 100_000)
                    for symbol, base in (("BTCUSDT", 100.0), ("ETHUSDT", 50.0))
                    for t in range(700, 33_000, 700)], key=lambda m: (m.time_ms, m.symbol))
    seen: list[tuple[int, float | None, float | None]] = []
    wall = itertools.count()  # every look at the wall clock finds a tick due
    heatmap, clock = _fresh(0, {"min_cluster_size": 3})

    def on_tick() -> None:
        seen.append((clock.now_ms, heatmap.get_price("BTCUSDT"), heatmap.get_price("ETHUSDT")))

    stats = replay_bulk(event_columns(events, chunk_rows=7), MarksInMemory(marks), heatmap,
                        clock, on_tick=on_tick, monotonic=lambda: float(next(wall)),
                        tick_seconds=0.5)

    def latest(symbol: str, until_ms: int) -> float | None:
        prices = [m.price for m in marks if m.symbol == symbol and m.time_ms <= until_ms]
        return prices[-1] if prices else None

    chunk_ends = [events[min(i + 6, len(events) - 1)].time_ms for i in range(0, len(events), 7)]
    assert [t for t, _, _ in seen] == [*chunk_ends, marks[-1].time_ms]
    for now_ms, btc, eth in seen:
        assert (btc, eth) == (latest("BTCUSDT", now_ms), latest("ETHUSDT", now_ms)), now_ms
    _assert_same_end(Ended(heatmap, clock, stats),
                     _per_event(events, marks, start_ms=0, min_cluster_size=3))


def test_on_tick_runs_once_at_the_end_with_the_final_state_when_no_tick_falls_due() -> None:
    events = _burst("BTCUSDT", range(1_000, 21_000, 1_000), 100.0)
    marks = [MarkPoint("BTCUSDT", 20_500, 100.7)]
    calls: list[tuple[int, float | None, int]] = []
    heatmap, clock = _fresh(0, {"min_cluster_size": 3})

    def on_tick() -> None:
        clusters = heatmap.get_clusters("BTCUSDT")
        calls.append((clock.now_ms, heatmap.get_price("BTCUSDT"),
                      clusters[0].liquidation_count if clusters else 0))

    stats = replay_bulk(event_columns(events, chunk_rows=3), MarksInMemory(marks), heatmap,
                        clock, on_tick=on_tick, monotonic=lambda: 0.0, tick_seconds=0.5)

    assert stats == ReplayStats(20, 1, 1_000, 20_500)
    assert calls == [(20_500, 100.7, 20)]


def test_repeated_events_are_held_once_but_counted_as_fed_either_way() -> None:
    base = _burst("SOLUSDT", range(1_000, 8_000, 1_000), 150.0)
    # a repeat inside the first chunk, one across a chunk boundary, one at the very end
    events = sorted([*base, base[0], base[3], base[6]], key=lambda e: e.time_ms)
    marks = [MarkPoint("SOLUSDT", 7_000, 151.0)]

    single = _per_event(events, marks, start_ms=0, min_cluster_size=3)
    bulk = _bulk(event_columns(events, chunk_rows=3), MarksInMemory(marks), start_ms=0,
                 min_cluster_size=3)

    assert bulk.stats.liquidations == single.stats.liquidations == 10
    health = bulk.heatmap.health()
    assert (health.liquidations, health.duplicates) == (7, 3)
    assert bulk.heatmap.get_clusters("SOLUSDT")[0].liquidation_count == 7
    _assert_same_end(bulk, single)


def test_a_chunk_holding_a_symbol_without_events_is_skipped_like_an_empty_chunk() -> None:
    events = _burst("BTCUSDT", range(1_000, 6_000, 1_000), 100.0)
    chunks = [*event_columns(events, chunk_rows=3), {"BTCUSDT": EventColumns.empty()}]

    bulk = _bulk(chunks, MarksInMemory([]), start_ms=0, min_cluster_size=3)

    assert bulk.stats == ReplayStats(5, 0, 1_000, 5_000)
    _assert_same_end(bulk, _per_event(events, [], start_ms=0, min_cluster_size=3))
