"""Property: the warm start (all bars of a symbol in one vectorised step) leaves the levels
that feeding the same bars one at a time does, whatever the market.

One bar at a time, every level is judged by the later bars through the outstanding-levels
path (consumption by each bar's low or high, one shrink factor per decrease); in one batch it
is judged by running minima of lows and maxima of highs and cumulative shrink factors. The two
must agree: prices exactly (the same grid buckets), notional and opening time to rounding.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

from bot.heatmap.projection import BarColumns, LeverageMix, ProjectedLevels, ProjectionModel
from tests.heatmap.projection.test_model import STEP, T0

MIXES = st.sampled_from([
    LeverageMix(),
    LeverageMix((100.0, 2.0, 20.0), (0.2, 0.5, 0.3)),  # not in leverage order
    LeverageMix((1.0,), (1.0,)),  # longs at 1x cannot be liquidated: dropped
])


def market(seed: int, n: int, volatility: float, *, taker: bool) -> BarColumns:
    """``n`` random bars: a price walk of ``volatility`` per bar (wide walks spread levels
    over many grid buckets), open interest that rises, falls and sometimes drops to zero."""
    rng = np.random.default_rng(seed)
    close = 30_000.0 * np.exp(np.cumsum(rng.normal(0, volatility, n)))
    opens = np.concatenate(([close[0]], close[:-1]))
    high = np.maximum(opens, close) * (1 + rng.uniform(0, volatility, n))
    low = np.minimum(opens, close) * (1 - rng.uniform(0, volatility, n))
    oi = 5_000 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    oi[rng.uniform(size=n) < 0.01] = 0.0
    ratio = np.where(rng.uniform(size=n) < 0.5, rng.uniform(size=n), np.nan) if taker else (
        np.full(n, np.nan))
    return BarColumns(T0 + STEP * np.arange(n, dtype=np.int64), oi, opens, high, low, close,
                      ratio)


def assert_same_levels(batch: ProjectedLevels, reference: ProjectedLevels) -> None:
    """The same levels: price and side exactly, notional and time to rounding."""
    np.testing.assert_array_equal(batch.price, reference.price)
    np.testing.assert_array_equal(batch.is_long, reference.is_long)
    np.testing.assert_allclose(batch.notional, reference.notional, rtol=1e-9, atol=0)
    np.testing.assert_allclose(batch.time_ms, reference.time_ms, rtol=0, atol=1)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 400),
       volatility=st.sampled_from([0.0005, 0.003, 0.02, 0.15]),
       bucket_pct=st.sampled_from([0.01, 0.05, 0.5]), mix=MIXES, taker=st.booleans(),
       cuts=st.lists(st.integers(1, 399), max_size=4))
def test_the_warm_start_leaves_the_levels_of_the_bars_fed_one_by_one(
        seed: int, n: int, volatility: float, bucket_pct: float, mix: LeverageMix,
        taker: bool, cuts: list[int]) -> None:
    bars = market(seed, n, volatility, taker=taker)
    warm, one_by_one, windows = (ProjectionModel(mix=mix, bucket_pct=bucket_pct)
                                 for _ in range(3))

    warm.update_columns("BTCUSDT", bars)
    for i in range(n):
        one_by_one.update_columns("BTCUSDT", bars.rows(i, i + 1))
    edges = sorted({0, n, *(c for c in cuts if c < n)})
    for start, stop in itertools.pairwise(edges):
        windows.update_columns("BTCUSDT", bars.rows(start, stop))

    reference = one_by_one.levels("BTCUSDT")
    event("levels held" if len(reference) else "no level held")
    assert_same_levels(warm.levels("BTCUSDT"), reference)
    assert_same_levels(windows.levels("BTCUSDT"), reference)
