"""Projected levels against the simulator's real positions: how much of the notional truly
waiting to be liquidated lies within 0.5 % of a projected level, per side.

The synthetic market is stepped for ``HOURS`` hours of made-up time (``bot.sim.ground_truth``),
its 5-minute open interest and candles go through the ``ProjectionModel`` exactly as the live
heatmap feeds it, the levels are clustered like the heatmap's projected layer, and the
market's own open positions (their liquidation prices) are the truth. Printed per symbol and
side: the share of true at-risk notional within 0.5 % of a projected cluster, beside the
share that as many levels spread evenly over the true prices' range would cover (a guess
without open interest), once with the default leverage mix and once with the simulator's
own mix (what calibration buys).

Run: ``.venv/bin/python -m benchmarks.projection_accuracy``
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

import numpy as np

from bot.domain import LiquidationSide
from bot.heatmap.clustering import ClusterParams, cluster_table
from bot.heatmap.projection import BarColumns, LeverageMix, ProjectionModel
from bot.sim.book import Position
from bot.sim.ground_truth import Recording, at_risk, covered_share, record_market
from bot.sim.market import MarketConfig, SimMarket

HOURS = 24
TOLERANCE = 0.005
START = datetime(2026, 1, 1, tzinfo=UTC)
# A market whose open interest builds up and unwinds (few new positions a second, a deep
# book, real-time price paths), so that open-interest changes carry the information the
# projection reads.
CONFIG = MarketConfig(time_acceleration=1.0, positions_per_second=0.5,
                      max_positions_per_side=1_000_000, initial_positions=0,
                      volatility_scale=3.0)
SIM_MIX = LeverageMix(tuple(float(x) for x in CONFIG.leverage_levels), CONFIG.leverage_weights)


def columns(rec: Recording) -> BarColumns:
    """A recording as model bars (no taker ratio: the candle rule decides the sides)."""
    return BarColumns(np.array(rec.time_ms, np.int64), np.array(rec.open_interest),
                      np.array(rec.open), np.array(rec.high), np.array(rec.low),
                      np.array(rec.close), np.full(len(rec.time_ms), np.nan))


def measure(recordings: dict[str, Recording], positions: dict[str, list[Position]],
            mix: LeverageMix, now: datetime) -> dict[tuple[str, str], tuple[float, float]]:
    """(projected share, evenly spread share) per (symbol, side) for one leverage mix."""
    params = ClusterParams(time_decay_minutes=HOURS * 60, min_cluster_size=1)  # the layer's
    result: dict[tuple[str, str], tuple[float, float]] = {}
    for symbol, rec in recordings.items():
        model = ProjectionModel(mix=mix)
        model.update_columns(symbol, columns(rec))
        model.consume(symbol, rec.close[-1])
        levels = model.levels(symbol)
        table = cluster_table(levels.to_event_columns(), now=now, params=params)
        sides: tuple[LiquidationSide, ...] = ("long", "short")
        for side in sides:
            is_long = side == "long"
            true_prices, true_notional = at_risk(positions[symbol], side)
            clusters = table.price_level[table.is_long_side == is_long]
            recall = covered_share(true_prices, true_notional, clusters, TOLERANCE)
            # The same number of levels spread evenly over the true liquidation prices'
            # range: what a guess without open interest would cover.
            even = np.linspace(true_prices.min(), true_prices.max(), max(len(clusters), 1))
            baseline = covered_share(true_prices, true_notional, even, TOLERANCE)
            result[(symbol, side)] = (recall, baseline)
    return result


def main() -> None:
    """Record the market, project, compare, print."""
    market = SimMarket(CONFIG, rng=random.Random(7))
    started = time.perf_counter()
    recordings = record_market(market, START, HOURS * 12)
    took = time.perf_counter() - started
    now = datetime.fromtimestamp(recordings["BTCUSDT"].time_ms[-1] / 1000, UTC)
    positions = {s: market.positions(s) for s in market.symbols}
    print(f"market: {HOURS} h of 5-minute periods recorded in {took:.1f} s; open positions "
          + ", ".join(f"{s} {len(p)}" for s, p in positions.items()))
    for name, mix in (("default mix 5/10/25/50/100x", LeverageMix()),
                      ("simulator's mix", SIM_MIX)):
        figures = measure(recordings, positions, mix, now)
        print(f"{name}: share of true at-risk notional within {TOLERANCE:.1%} of a projected "
              "cluster (as many clusters spread evenly over the range instead)")
        for (symbol, side), (recall, baseline) in figures.items():
            print(f"  {symbol:8s} {side:5s}  projected {recall:6.1%}  evenly spread "
                  f"{baseline:6.1%}")


if __name__ == "__main__":
    main()
