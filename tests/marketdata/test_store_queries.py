"""The store's summary reads behind a full-speed replay: counts, first times, newest prices."""

from __future__ import annotations

from bot.marketdata.columns import StoredMarks
from bot.marketdata.replay import MarksInMemory
from bot.marketdata.store import HistoryStore, LiquidationEvent, MarkPoint

MARKS = [MarkPoint("BTCUSDT", t, 100.0 + t / 1000) for t in range(1_000, 10_001, 1_000)] + [
    MarkPoint("ETHUSDT", 2_500, 10.0), MarkPoint("ETHUSDT", 7_500, 11.0)]


def test_liquidation_counts_and_first_time_follow_the_period(store: HistoryStore) -> None:
    store.add_liquidations([LiquidationEvent("BTCUSDT", "long", t, 100.0, 1.0)
                            for t in (1_000, 2_000, 3_000)]
                           + [LiquidationEvent("ETHUSDT", "short", 2_500, 10.0, 1.0)])

    assert store.liquidation_counts() == {"BTCUSDT": 3, "ETHUSDT": 1}
    assert store.liquidation_counts(2_000, 3_000) == {"BTCUSDT": 1, "ETHUSDT": 1}
    assert store.liquidation_counts(5_000) == {}
    assert store.first_liquidation_ms() == 1_000
    assert store.first_liquidation_ms(1_500) == 2_000
    assert store.first_liquidation_ms(5_000) is None


def test_newest_price_per_symbol_up_to_a_time_within_the_period(store: HistoryStore) -> None:
    store.add_mark_prices(MARKS)

    assert store.latest_mark_prices(500) == {}
    assert store.latest_mark_prices(2_999) == {"BTCUSDT": 102.0, "ETHUSDT": 10.0}
    assert store.latest_mark_prices(7_500) == {"BTCUSDT": 107.0, "ETHUSDT": 11.0}
    # Nothing from before the period's start.
    assert store.latest_mark_prices(7_000, start_ms=3_000) == {"BTCUSDT": 107.0}
    assert store.latest_mark_prices(9_000, symbols=["ETHUSDT"]) == {"ETHUSDT": 11.0}
    assert store.mark_price_summary() == (12, 1_000, 10_000)
    assert store.mark_price_summary(2_000, 8_000) == (8, 2_000, 7_500)
    assert store.mark_price_summary(20_000) == (0, None, None)


def test_stored_and_in_memory_marks_answer_alike_and_keep_to_the_period(
        store: HistoryStore) -> None:
    store.add_mark_prices(MARKS)
    stored = StoredMarks(store, 2_000, 8_000)
    in_memory = MarksInMemory([m for m in MARKS if 2_000 <= m.time_ms < 8_000])

    for until in (0, 1_999, 2_000, 2_600, 7_999, 8_000, 50_000):
        assert stored.latest(until) == in_memory.latest(until), until
    assert stored.latest(50_000) == {"BTCUSDT": 107.0, "ETHUSDT": 11.0}
    assert stored.summary() == in_memory.summary() == (8, 2_000, 7_500)
    assert MarksInMemory([]).summary() == (0, None, None)
    assert StoredMarks(store, 20_000).latest(30_000) == {}
