"""Clustering: contract semantics as properties (hypothesis) and worked examples."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import to_epoch_ms
from bot.heatmap.clustering import (
    ClusterParams,
    ClusterTable,
    cluster_table,
    cluster_tables,
    compute_clusters,
    price_order,
)
from bot.heatmap.store import EventColumns

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOW_MS = to_epoch_ms(NOW)


def columns(rows: list[tuple[float, float, float, bool]]) -> EventColumns:
    """rows: (price, quantity, age_minutes, is_long)."""
    return EventColumns(
        np.array([NOW_MS - int(r[2] * 60_000) for r in rows], np.int64),
        np.array([r[0] for r in rows], np.float64),
        np.array([r[1] for r in rows], np.float64),
        np.array([r[3] for r in rows], np.bool_),
    )


event = st.tuples(
    st.floats(min_value=50.0, max_value=200.0, allow_nan=False),
    st.floats(min_value=0.001, max_value=100.0, allow_nan=False),
    st.floats(min_value=0.0, max_value=600.0, allow_nan=False),
    st.booleans(),
)
params_st = st.builds(
    ClusterParams,
    cluster_window_pct=st.sampled_from([0.001, 0.005, 0.02, 0.05, 0.3, 1.0]),
    min_cluster_size=st.integers(min_value=1, max_value=8),
    time_decay_minutes=st.sampled_from([1.0, 60.0, 1e12]),
)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(event, max_size=120), params=params_st)
def test_contract_properties(rows: list[tuple[float, float, float, bool]],
                             params: ClusterParams) -> None:
    events = columns(rows)
    clusters = compute_clusters("X", events, now=NOW, current_price=100.0, params=params)
    # members counted once, min size honoured
    assert sum(c.liquidation_count for c in clusters) <= len(rows)
    for c in clusters:
        assert c.liquidation_count >= params.min_cluster_size
        # span within window
        assert c.price_high / c.price_low - 1 <= params.cluster_window_pct
        assert c.price_low <= c.price_level <= c.price_high
        assert 0.0 <= c.strength <= 1.0
        # side holds more decayed notional
        if c.side == "long":
            assert c.long_notional >= c.short_notional
        else:
            assert c.short_notional >= c.long_notional
        assert c.distance_from_price == pytest.approx((c.price_level / 100.0 - 1) * 100)
        assert c.last_updated == NOW
    # strongest first
    assert [c.strength for c in clusters] == sorted((c.strength for c in clusters), reverse=True)
    # each member counted in exactly one cluster: member price ranges never overlap
    ranges = sorted((c.price_low, c.price_high) for c in clusters)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges))
    total = sum(r[0] * r[1] for r in rows)
    assert sum(c.total_notional for c in clusters) <= total * (1 + 1e-9) + 1e-9


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(event, min_size=1, max_size=40),
    boost=st.floats(min_value=1.0, max_value=50.0),
    fresher=st.floats(min_value=0.0, max_value=1.0),
)
def test_more_recent_or_more_notional_is_never_weaker(
    rows: list[tuple[float, float, float, bool]], boost: float, fresher: float
) -> None:
    # One tight cluster: all prices within 1 % of each other.
    tight = [(100.0 + (r[0] % 1.0), r[1], r[2], r[3]) for r in rows]
    params = ClusterParams(cluster_window_pct=0.02, min_cluster_size=1, time_decay_minutes=60)
    (base,) = compute_clusters("X", columns(tight), now=NOW, current_price=None, params=params)
    bigger = [(p, q * boost, age, side) for p, q, age, side in tight]
    newer = [(p, q, age * fresher, side) for p, q, age, side in tight]
    (big,) = compute_clusters("X", columns(bigger), now=NOW, current_price=None, params=params)
    (new,) = compute_clusters("X", columns(newer), now=NOW, current_price=None, params=params)
    assert big.strength >= base.strength - 1e-12
    assert new.strength >= base.strength - 1e-12
    assert base.distance_from_price is None


def test_two_separate_levels_become_two_clusters_with_the_right_sides() -> None:
    longs = [(95.0 + i * 0.05, 1.0, 1.0, True) for i in range(6)]
    shorts = [(105.0 + i * 0.05, 3.0, 1.0, False) for i in range(6)]
    noise = [(150.0, 1.0, 1.0, True)]
    clusters = compute_clusters("X", columns(longs + shorts + noise), now=NOW,
                                current_price=100.0, params=ClusterParams(min_cluster_size=5))
    assert [(c.side, c.liquidation_count) for c in clusters] == [("short", 6), ("long", 6)]
    short, long_ = clusters
    assert short.strength > long_.strength  # 3x the notional
    assert short.distance_from_price is not None
    assert short.distance_from_price > 0
    assert long_.distance_from_price is not None
    assert long_.distance_from_price < 0
    assert long_.total_notional == pytest.approx(sum(p * q for p, q, _, _ in longs))


def test_price_level_is_weighted_by_notional_and_decay() -> None:
    rows = [(100.0, 1.0, 0.0, True), (101.0, 1.0, 60.0, True)]
    (c,) = compute_clusters("X", columns(rows), now=NOW, current_price=None,
                            params=ClusterParams(min_cluster_size=2))
    w_old = math.exp(-1.0)
    expected = (100.0 * 100.0 + 101.0 * 101.0 * w_old) / (100.0 + 101.0 * w_old)
    assert c.price_level == pytest.approx(expected, rel=1e-6)


def test_dense_level_is_not_cut_through_when_a_sparse_gap_exists() -> None:
    # A dense run at 100-100.5, a sparse gap, then 101.2-101.8: window 2 % covers both ends
    # from 100 (to 102) only barely; the cut must fall in the gap, not inside a run.
    rows = [(100.0 + i * 0.1, 1.0, 0.0, True) for i in range(6)]
    rows += [(101.2 + i * 0.1, 1.0, 0.0, False) for i in range(7)]
    rows += [(102.5 + i * 0.1, 1.0, 0.0, False) for i in range(6)]
    clusters = compute_clusters("X", columns(rows), now=NOW, current_price=None,
                                params=ClusterParams(cluster_window_pct=0.015, min_cluster_size=5))
    lows = sorted(round(c.price_low, 2) for c in clusters)
    assert lows[0] == 100.0
    assert all(c.liquidation_count >= 5 for c in clusters)
    assert sum(c.liquidation_count for c in clusters) == 19


def test_hinted_order_matches_a_fresh_sort() -> None:
    rng = np.random.default_rng(7)
    price = rng.uniform(10, 20, 1000)
    order = price_order(price)
    price[rng.integers(0, 1000, 10)] = rng.uniform(10, 20, 10)
    grown = np.concatenate((price, rng.uniform(10, 20, 50)))
    hinted = price_order(grown, order)
    assert np.array_equal(grown[hinted], np.sort(grown))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cluster_window_pct": 0.0}, "cluster_window_pct"),
        ({"cluster_window_pct": 1.5}, "cluster_window_pct"),
        ({"min_cluster_size": 0}, "min_cluster_size"),
        ({"min_cluster_size": 2.5}, "min_cluster_size"),
        ({"time_decay_minutes": 0}, "time_decay_minutes"),
        ({"time_decay_minutes": float("nan")}, "time_decay_minutes"),
    ],
)
def test_bad_parameters_name_themselves(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClusterParams(**kwargs)  # type: ignore[arg-type]


def test_no_decay_with_huge_time_constant_and_future_events_are_fresh() -> None:
    old = [(100.0, 1.0, 10_000.0, True)] * 1 + [(100.1, 1.0, -5.0, True)]
    (c,) = compute_clusters("X", columns(old), now=NOW, current_price=None,
                            params=ClusterParams(min_cluster_size=2, time_decay_minutes=1e30))
    assert c.long_notional == pytest.approx(100.0 + 100.1)


@settings(max_examples=60, deadline=None)
@given(symbols=st.lists(st.lists(event, max_size=40), min_size=1, max_size=5),
       params=params_st, venues=st.booleans())
def test_a_batch_of_symbols_clusters_each_as_it_would_alone(
        symbols: list[list[tuple[float, float, float, bool]]], params: ClusterParams,
        venues: bool) -> None:
    """``cluster_tables`` (one refresh of many symbols) gives every symbol the very table
    ``cluster_table`` gives it alone: no chunk spans two symbols, no score leaks across."""
    batch = []
    for n, rows in enumerate(symbols):
        events = columns(rows)
        if venues:
            # Symbols of one venue beside symbols of several.
            codes = np.arange(len(rows)) % (1 + n % 3)
            events = EventColumns(events.time_ms, events.price, events.quantity,
                                  events.is_long, codes.astype(np.uint8))
        batch.append((events, None, 10.0 ** (n + 2)))
    together = cluster_tables(batch, now=NOW, params=params)
    for (events, order, reference), table in zip(batch, together, strict=True):
        alone = cluster_table(events, now=NOW, params=params, order=order, reference=reference)
        assert len(table) == len(alone)
        for name in ClusterTable.__dataclass_fields__:
            assert np.array_equal(getattr(table, name), getattr(alone, name)), name
