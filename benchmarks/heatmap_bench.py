"""Heatmap benchmarks: prints figures; not a test.

Run: ``.venv/bin/python -m benchmarks.heatmap_bench`` (add ``--quick`` for fewer rounds).

Figures (targets from issue 2, on the 2-core CI machine):
* one symbol's cluster refresh at a full 10,000-event buffer (≤ 1 ms median);
* store memory per symbol at 10,000 events (≤ 0.5 MB);
* refresh of all symbols, 400 symbols × 2,000 events (≤ 100 ms);
* parse + store throughput in one thread (≥ 100,000 events/s);
* end to end through a real socket from the simulator, next to a bare websocket-client
  receive loop on the same server (the ceiling).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import numpy as np

from bot.domain import Liquidation, to_epoch_ms
from bot.heatmap import LiveLiquidationHeatmap
from bot.heatmap.store import SymbolBuffer

NOW = datetime.now(UTC)


def _fill(heatmap: LiveLiquidationHeatmap, symbol: str, count: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    prices = 90_000.0 * np.exp(rng.normal(0.0, 0.03, count))
    quantities = rng.exponential(0.1, count) + 1e-6
    ages = rng.integers(0, 4 * 3_600_000, count)
    sides = rng.random(count) < 0.5
    for price, quantity, age, is_long in zip(prices, quantities, ages, sides, strict=True):
        heatmap.add_liquidation(Liquidation(
            symbol=symbol, side="long" if is_long else "short", price=float(price),
            quantity=float(quantity), timestamp=NOW - timedelta(milliseconds=int(age)),
        ))


def bench_refresh_one(rounds: int) -> float:
    """Median ms of one symbol's refresh at 10,000 events, one new event between refreshes."""
    heatmap = LiveLiquidationHeatmap(buffer_size=10_000, clock=lambda: NOW)
    _fill(heatmap, "BTCUSDT", 10_000, seed=1)
    heatmap.update_price("BTCUSDT", 90_000.0)
    heatmap.refresh()
    rng = np.random.default_rng(2)
    timings = []
    for _ in range(rounds):
        heatmap.add_liquidation(Liquidation(
            symbol="BTCUSDT", side="long", price=float(90_000 * np.exp(rng.normal(0, 0.03))),
            quantity=0.1, timestamp=NOW,
        ))
        start = time.perf_counter()
        heatmap.refresh()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1e3


def bench_refresh_cold(rounds: int) -> float:
    """Median ms of a refresh without a sort hint (first refresh of a full buffer)."""
    timings = []
    for i in range(rounds):
        heatmap = LiveLiquidationHeatmap(buffer_size=10_000, clock=lambda: NOW)
        _fill(heatmap, "BTCUSDT", 10_000, seed=100 + i)
        start = time.perf_counter()
        heatmap.refresh()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1e3


def bench_memory() -> tuple[float, float]:
    """(MB by the buffer's own count, MB allocated per tracemalloc) at 10,000 events."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    buffer = SymbolBuffer(10_000)
    base = to_epoch_ms(NOW)
    for i in range(10_000):
        buffer.add(base + i, 90_000.0 + i * 0.5, 0.01 + i * 1e-6, i % 2 == 0)
    traced = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return buffer.nbytes() / 1e6, traced / 1e6


def bench_refresh_all(rounds: int) -> float:
    """Median ms to refresh 400 symbols × 2,000 events."""
    heatmap = LiveLiquidationHeatmap(buffer_size=2_000, clock=lambda: NOW)
    for i in range(400):
        _fill(heatmap, f"S{i}USDT", 2_000, seed=i)
    heatmap.refresh()
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        heatmap.refresh()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1e3


def _frames(count: int) -> list[str]:
    rng = np.random.default_rng(3)
    # Stamped up to NOW, never after it: later events are refused as from the future.
    base = to_epoch_ms(NOW) - count
    frames = []
    for i in range(count):
        price = 90_000 * float(np.exp(rng.normal(0, 0.03)))
        order = {"s": "BTCUSDT", "S": "SELL" if i % 2 else "BUY", "o": "LIMIT", "f": "IOC",
                 "q": "0.014", "p": f"{price * 0.999:.2f}", "ap": f"{price:.2f}",
                 "X": "FILLED", "l": "0.014", "z": "0.014", "T": base + i}
        frames.append(json.dumps({"stream": "btcusdt@forceOrder",
                                  "data": {"e": "forceOrder", "E": base + i, "o": order}}))
    return frames


def bench_parse_store(count: int) -> float:
    """Events per second through parse_frame + store, one thread."""
    frames = _frames(count)
    heatmap = LiveLiquidationHeatmap(buffer_size=10_000, clock=lambda: NOW)
    start = time.perf_counter()
    for frame in frames:
        heatmap.handle_frame(frame)
    elapsed = time.perf_counter() - start
    assert heatmap.health().liquidations == count
    return count / elapsed


def main() -> None:
    """Run every benchmark and print its figure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds = 30 if args.quick else 200
    print(f"refresh, 1 symbol x 10,000 events (hinted): {bench_refresh_one(rounds):.3f} ms median")
    print(f"refresh, 1 symbol x 10,000 events (cold):   {bench_refresh_cold(10):.3f} ms median")
    own, traced = bench_memory()
    print(f"store memory, 10,000 events: {own:.3f} MB (tracemalloc: {traced:.3f} MB)")
    all_ms = bench_refresh_all(5 if args.quick else 20)
    print(f"refresh, 400 symbols x 2,000 events: {all_ms:.1f} ms median")
    print(f"parse + store: {bench_parse_store(50_000 if args.quick else 200_000):,.0f} events/s")
    try:
        from benchmarks.socket_bench import run_socket_benchmarks
    except ImportError as exc:
        print(f"end-to-end socket benchmark unavailable: {exc}")
        return
    run_socket_benchmarks(quick=args.quick)


if __name__ == "__main__":
    main()
