"""Projection benchmark: open-interest history into projected liquidation levels.

Prints (a) the warm start of 400 symbols × 30 days of 5-minute open interest (8,640 bars
each) through ``ProjectionModel.update_columns``, and (b) one symbol's incremental update by
one new bar once it holds that history (what the 5-minute refresher does per symbol).

Run: ``.venv/bin/python -m benchmarks.projection_bench``
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from bot.heatmap.projection import BarColumns, ProjectionModel

SYMBOLS = 400
BARS = 8_640  # 30 days of 5-minute bars
T0 = 1_735_689_600_000
STEP = 300_000


def history(seed: int, n: int = BARS) -> BarColumns:
    """A random walk of price and open interest, ``n`` bars."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.003, n)))
    opens = np.concatenate(([close[0]], close[:-1]))
    high = np.maximum(opens, close) * (1 + rng.uniform(0, 0.002, n))
    low = np.minimum(opens, close) * (1 - rng.uniform(0, 0.002, n))
    oi = 1e6 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    return BarColumns(T0 + STEP * np.arange(n, dtype=np.int64), oi, opens, high, low, close,
                      np.full(n, np.nan))


def main() -> None:
    """Run both measurements and print them."""
    data = [history(seed) for seed in range(SYMBOLS)]
    model = ProjectionModel()
    runs, cpu = [], []
    for attempt in range(3):
        model = ProjectionModel()
        started, cpu_started = time.perf_counter(), time.process_time()
        for index, bars in enumerate(data):
            model.update_columns(f"S{index}USDT", bars)
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        if attempt == 0:
            levels = sum(len(model.levels(s)) for s in model.symbols())
    print(f"warm start {SYMBOLS} symbols x {BARS} bars: best {min(runs) * 1e3:.0f} ms, "
          f"runs {', '.join(f'{r * 1e3:.0f}' for r in runs)} ms (CPU best {min(cpu) * 1e3:.0f} "
          f"ms: the wall time of a shared machine varies); {levels:,} levels held "
          f"({levels / SYMBOLS:,.0f} per symbol)")
    extra = history(10_000, BARS + 1_000)
    one = ProjectionModel()
    one.update_columns("BTCUSDT", extra.rows(0, BARS))
    timings = []
    for i in range(BARS, BARS + 1_000):
        bar = extra.rows(i, i + 1)
        started = time.perf_counter()
        one.update_columns("BTCUSDT", bar)
        timings.append(time.perf_counter() - started)
    timings.sort()
    print(f"incremental update, one symbol, one bar: median "
          f"{statistics.median(timings) * 1e3:.3f} ms, p99 {timings[989] * 1e3:.3f} ms "
          f"({len(one.levels('BTCUSDT')):,} levels held)")


if __name__ == "__main__":
    main()
