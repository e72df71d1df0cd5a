"""The projection model: opening, leverage spread, closing, consumption, determinism."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from bot.heatmap.clustering import ClusterParams, compute_clusters
from bot.heatmap.projection import (
    DEFAULT_BRACKETS,
    LeverageMix,
    OpenInterestBar,
    ProjectionModel,
    liquidation_price,
)

T0 = 1_735_689_600_000  # 2025-01-01 UTC
STEP = 300_000  # five minutes
BTC = DEFAULT_BRACKETS["BTCUSDT"]


def bar(i: int, oi: float, close: float, *, open_: float | None = None, high: float | None = None,
        low: float | None = None, ratio: float | None = None) -> OpenInterestBar:
    """Bar ``i`` (five minutes each from T0); the candle is flat at ``close`` unless given."""
    return OpenInterestBar(T0 + i * STEP, oi, open_ if open_ is not None else close,
                           high if high is not None else close,
                           low if low is not None else close, close, ratio)


def test_the_first_bar_only_sets_the_baseline() -> None:
    model = ProjectionModel()

    model.update("BTCUSDT", [bar(0, 1_000.0, 50_000.0)])

    assert len(model.levels("BTCUSDT")) == 0
    assert model.last_time_ms("BTCUSDT") == T0


def test_an_increase_opens_both_sides_at_their_liquidation_prices() -> None:
    model = ProjectionModel(mix=LeverageMix((10.0,), (1.0,)))

    model.update("BTCUSDT", [bar(0, 1_000.0, 50_000.0), bar(1, 1_010.0, 50_000.0)])

    levels = model.levels("BTCUSDT")
    quantity = 10_000.0 / 50_000.0  # one typical position of 10,000 USD
    expected_long = liquidation_price(True, 50_000.0, 10.0, quantity, BTC)
    expected_short = liquidation_price(False, 50_000.0, 10.0, quantity, BTC)
    assert list(levels.is_long) == [True, False]
    assert levels.price[0] == pytest.approx(expected_long, rel=5e-4)  # the 0.05 % grid
    assert levels.price[1] == pytest.approx(expected_short, rel=5e-4)
    # a flat bar: half long, half short, of 10 BTC × 50,000
    assert levels.notional == pytest.approx([250_000.0, 250_000.0])
    assert list(levels.time_ms) == [T0 + STEP, T0 + STEP]


def test_the_notional_spreads_over_the_leverage_mix() -> None:
    model = ProjectionModel()  # 5/10/25/50/100 x at 15/30/25/20/10 %

    model.update("BTCUSDT", [bar(0, 100.0, 40_000.0), bar(1, 101.0, 40_000.0)])

    levels = model.levels("BTCUSDT")
    longs = levels.notional[levels.is_long]
    assert levels.notional.sum() == pytest.approx(40_000.0)
    # lowest price = least leverage: 5x first
    assert longs == pytest.approx([0.15 * 20_000, 0.30 * 20_000, 0.25 * 20_000,
                                   0.20 * 20_000, 0.10 * 20_000])


@pytest.mark.parametrize(("candle", "ratio", "long_share"), [
    ({"open_": 90.0, "high": 110.0, "low": 90.0, "close": 110.0}, None, 1.0),
    ({"open_": 110.0, "high": 110.0, "low": 90.0, "close": 90.0}, None, 0.0),
    ({"open_": 100.0, "high": 110.0, "low": 90.0, "close": 105.0}, None, 0.625),
    ({"open_": 100.0, "high": 110.0, "low": 90.0, "close": 110.0}, 0.3, 0.3),
])
def test_longs_take_the_taker_buy_share_or_the_candles_direction(
        candle: dict[str, float], ratio: float | None, long_share: float) -> None:
    model = ProjectionModel(mix=LeverageMix((3.0,), (1.0,)))

    model.update("SOLUSDT", [bar(0, 1_000.0, 100.0), bar(1, 1_100.0, **candle, ratio=ratio)])

    levels = model.levels("SOLUSDT")
    total = levels.notional.sum()
    assert levels.notional[levels.is_long].sum() / total == pytest.approx(long_share)


def test_a_decrease_shrinks_every_outstanding_level_proportionally() -> None:
    model = ProjectionModel()
    model.update("BTCUSDT", [bar(0, 1_000.0, 50_000.0), bar(1, 1_200.0, 50_000.0)])
    before = model.levels("BTCUSDT").notional.copy()

    model.update("BTCUSDT", [bar(2, 900.0, 50_000.0)])

    assert model.levels("BTCUSDT").notional == pytest.approx(before * 900.0 / 1_200.0)



@pytest.mark.parametrize("one_at_a_time", [False, True])
def test_open_interest_falling_to_zero_leaves_no_level(one_at_a_time: bool) -> None:
    bars = [bar(0, 1_000.0, 50_000.0), bar(1, 1_200.0, 50_000.0), bar(2, 0.0, 50_000.0)]
    model = ProjectionModel()

    for chunk in ([b] for b in bars) if one_at_a_time else [bars]:
        model.update("BTCUSDT", chunk)

    assert len(model.levels("BTCUSDT")) == 0

def test_a_level_the_price_trades_through_is_consumed_and_the_others_stay() -> None:
    model = ProjectionModel()
    model.update("BTCUSDT", [bar(0, 1_000.0, 50_000.0), bar(1, 1_010.0, 50_000.0)])
    longs = model.levels("BTCUSDT").price[model.levels("BTCUSDT").is_long]
    hundred_x = longs.max()  # the nearest long level below the price

    model.update("BTCUSDT", [bar(2, 1_010.0, 50_000.0, low=hundred_x * 0.9999)])

    after = model.levels("BTCUSDT")
    assert hundred_x not in after.price[after.is_long]
    assert len(after.price[after.is_long]) == len(longs) - 1
    assert len(after.price[~after.is_long]) == 5  # the shorts are above: untouched


def test_the_bar_that_opens_a_level_does_not_consume_it() -> None:
    model = ProjectionModel(mix=LeverageMix((100.0,), (1.0,)))

    model.update("BTCUSDT", [bar(0, 1_000.0, 50_000.0),
                             bar(1, 1_010.0, 50_000.0, high=51_000.0, low=49_000.0)])

    assert len(model.levels("BTCUSDT")) == 2


def test_live_prices_consume_levels_too() -> None:
    model = ProjectionModel()
    model.update("BTCUSDT", [bar(0, 1_000.0, 50_000.0), bar(1, 1_010.0, 50_000.0)])

    model.consume("BTCUSDT", 44_000.0)

    remaining = model.levels("BTCUSDT")
    assert (remaining.price[remaining.is_long] < 44_000.0).all()
    assert remaining.is_long.sum() < 5


def random_bars(n: int, seed: int) -> list[OpenInterestBar]:
    """A random walk of prices and open interest, ``n`` bars."""
    rng = np.random.default_rng(seed)
    close = 50_000.0 * np.exp(np.cumsum(rng.normal(0, 0.003, n)))
    opens = np.concatenate(([close[0]], close[:-1]))
    high = np.maximum(opens, close) * (1 + rng.uniform(0, 0.002, n))
    low = np.minimum(opens, close) * (1 - rng.uniform(0, 0.002, n))
    oi = 10_000 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    return [OpenInterestBar(T0 + i * STEP, float(oi[i]), float(opens[i]), float(high[i]),
                            float(low[i]), float(close[i])) for i in range(n)]


def test_bars_one_at_a_time_leave_the_same_levels_as_one_batch() -> None:
    bars = random_bars(600, seed=11)
    batch, stepwise = ProjectionModel(), ProjectionModel()

    batch.update("BTCUSDT", bars)
    for one in bars:
        stepwise.update("BTCUSDT", [one])

    a, b = batch.levels("BTCUSDT"), stepwise.levels("BTCUSDT")
    assert len(a) > 50
    np.testing.assert_array_equal(a.price, b.price)
    np.testing.assert_array_equal(a.is_long, b.is_long)
    np.testing.assert_allclose(a.notional, b.notional, rtol=1e-9)
    np.testing.assert_allclose(a.time_ms, b.time_ms, atol=1)


def test_the_same_bars_give_the_same_levels_to_the_bit() -> None:
    bars = random_bars(300, seed=5)
    first, second = ProjectionModel(), ProjectionModel()

    first.update("ETHUSDT", bars)
    second.update("ETHUSDT", bars)

    for name in ("price", "notional", "is_long", "time_ms"):
        np.testing.assert_array_equal(getattr(first.levels("ETHUSDT"), name),
                                      getattr(second.levels("ETHUSDT"), name))


def test_an_overlapping_window_counts_only_the_new_bars() -> None:
    bars = random_bars(300, seed=5)
    once, overlapping = ProjectionModel(), ProjectionModel()
    once.update("ETHUSDT", bars)
    overlapping.update("ETHUSDT", bars[:200])

    assert overlapping.update("ETHUSDT", bars[150:]) == 100
    assert overlapping.update("ETHUSDT", bars) == 0
    a, b = once.levels("ETHUSDT"), overlapping.levels("ETHUSDT")
    np.testing.assert_array_equal(a.price, b.price)
    np.testing.assert_allclose(a.notional, b.notional, rtol=1e-12)


def test_what_came_later_never_changes_the_levels_known_earlier() -> None:
    bars = random_bars(400, seed=8)
    early, later = ProjectionModel(), ProjectionModel()
    early.update("BTCUSDT", bars[:250])
    snapshot = early.levels("BTCUSDT")

    later.update("BTCUSDT", bars[:250])
    seen_then = later.levels("BTCUSDT")
    later.update("BTCUSDT", bars[250:])

    np.testing.assert_array_equal(snapshot.price, seen_then.price)
    np.testing.assert_array_equal(snapshot.notional, seen_then.notional)


def test_projected_levels_cluster_like_realised_liquidations() -> None:
    model = ProjectionModel()
    model.update("BTCUSDT", random_bars(2_000, seed=2))
    levels = model.levels("BTCUSDT")

    clusters = compute_clusters("BTCUSDT", levels.to_event_columns(),
                                now=datetime(2025, 1, 8, tzinfo=UTC), current_price=50_000.0,
                                params=ClusterParams(min_cluster_size=3))

    assert clusters
    assert all(np.isfinite(c.price_level) and 0 <= c.strength <= 1 for c in clusters)
    assert sum(c.total_notional for c in clusters) <= levels.notional.sum() * (1 + 1e-9)


@pytest.mark.parametrize(("leverages", "weights"), [
    ((), ()), ((10.0,), (0.5,)), ((0.5,), (1.0,)), ((10.0, 20.0), (1.5, -0.5)),
])
def test_a_bad_leverage_mix_is_refused(leverages: tuple[float, ...],
                                       weights: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match="leverage mix"):
        LeverageMix(leverages, weights)
