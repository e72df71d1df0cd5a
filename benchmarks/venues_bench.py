"""Several-venue heatmap benchmarks (issue 14): prints figures; not a test.

Run: ``.venv/bin/python -m benchmarks.venues_bench`` (``--quick`` for fewer rounds).

Figures (targets from issue 14, on the 2-core CI machine):
* parse + store per venue, one thread, through ``LiveLiquidationHeatmap.handle_frame``
  (≥ 250,000 events/s each): Binance forceOrder frames (one event a frame, as Binance sends
  them), Bybit ``allLiquidation`` frames of ``--bybit-batch`` events (a 500 ms batch of a busy
  symbol), OKX ``liquidation-orders`` frames of ``--okx-instruments`` × ``--okx-details``;
* all-market refresh, three venues feeding 400 symbols × 2,000 events (≤ 100 ms): the
  2,000 events of a symbol spread over the three venues, and 2,000 per venue (6,000 a symbol);
* memory per symbol at a full 10,000-event buffer with events of all three venues
  (≤ 0.5 MB).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import timeit
import tracemalloc
from datetime import UTC, datetime

import numpy as np
import orjson

from bot.domain import VENUES, to_epoch_ms
from bot.heatmap import EventColumns, LiveLiquidationHeatmap
from bot.heatmap.store import SymbolBuffer

NOW = datetime.now(UTC)
NOW_MS = to_epoch_ms(NOW)
SYMBOLS = [f"S{i}USDT" for i in range(50)]


def _price(rng: np.random.Generator) -> float:
    return 90_000.0 * float(np.exp(rng.normal(0, 0.03)))


def binance_frames(count: int) -> list[str]:
    """One forceOrder event a frame (the combined-stream envelope)."""
    rng = np.random.default_rng(1)
    frames = []
    for i in range(count):
        price = _price(rng)
        order = {"s": "BTCUSDT", "S": "SELL" if i % 2 else "BUY", "o": "LIMIT", "f": "IOC",
                 "q": "0.014", "p": f"{price * 0.999:.2f}", "ap": f"{price:.2f}",
                 "X": "FILLED", "l": "0.014", "z": "0.014", "T": NOW_MS - count + i}
        frames.append(json.dumps({"stream": "btcusdt@forceOrder",
                                  "data": {"e": "forceOrder", "E": NOW_MS, "o": order}}))
    return frames


def bybit_frames(count: int, batch: int) -> list[str]:
    """``allLiquidation`` pushes of ``batch`` events each."""
    rng = np.random.default_rng(2)
    frames = []
    for start in range(0, count, batch):
        data = [{"T": NOW_MS - count + start + k, "s": "BTCUSDT", "S": "Buy" if k % 2 else "Sell",
                 "v": f"{0.001 + k * 1e-4:.4f}", "p": f"{_price(rng):.2f}"}
                for k in range(min(batch, count - start))]
        frames.append(json.dumps({"topic": "allLiquidation.BTCUSDT", "type": "snapshot",
                                  "ts": NOW_MS, "data": data}))
    return frames


def okx_frames(count: int, instruments: int, details: int) -> tuple[list[str], dict[str, float]]:
    """``liquidation-orders`` pushes of ``instruments`` × ``details`` events each."""
    rng = np.random.default_rng(3)
    per_frame = instruments * details
    frames = []
    for start in range(0, count, per_frame):
        data = []
        for j in range(instruments):
            symbol = SYMBOLS[j]
            data.append({"instId": f"{symbol[:-4]}-USDT-SWAP", "instType": "SWAP",
                         "details": [{"bkLoss": "0", "bkPx": f"{_price(rng):.2f}", "ccy": "",
                                      "posSide": "long", "side": "sell" if k % 2 else "buy",
                                      "sz": str(1 + k), "ts": str(NOW_MS - count + start + k)}
                                     for k in range(details)]})
        frames.append(json.dumps({"arg": {"channel": "liquidation-orders", "instType": "SWAP"},
                                  "data": data}))
    return frames, {symbol: 0.01 for symbol in SYMBOLS}


def bench_parse_store(venue: str, frames: list[str], events: int,
                      ct_val: dict[str, float] | None = None) -> float:
    """Events per second through ``handle_frame`` (parse, sanity, store) for ``venue``."""
    heatmap = LiveLiquidationHeatmap(buffer_size=10_000, clock=lambda: NOW, sources=(venue,))
    if ct_val is not None:
        heatmap._sources[0]._ct_val = ct_val  # type: ignore[attr-defined]
    start = time.perf_counter()
    for frame in frames:
        heatmap.handle_frame(frame, venue)
    elapsed = time.perf_counter() - start
    health = heatmap.health()
    assert health.liquidations + health.duplicates == events, (health, events)
    return events / elapsed


def bench_orjson(frames: list[str]) -> float:
    """Frames per second orjson alone decodes: the ceiling, and a gauge of the machine's load
    (the targets assume orjson at ~920,000 small frames/s)."""
    loads = orjson.loads
    start = time.perf_counter()
    for frame in frames:
        loads(frame)
    return len(frames) / (time.perf_counter() - start)


def _columns(count: int, seed: int, venues: int) -> EventColumns:
    rng = np.random.default_rng(seed)
    return EventColumns(
        NOW_MS - rng.integers(0, 4 * 3_600_000, count).astype(np.int64),
        90_000.0 * np.exp(rng.normal(0.0, 0.03, count)),
        rng.exponential(0.1, count) + 1e-6,
        rng.random(count) < 0.5,
        rng.integers(0, venues, count).astype(np.uint8),
    )


def bench_refresh_all(rounds: int, per_symbol: int) -> float:
    """Median ms to refresh 400 symbols holding ``per_symbol`` events of three venues."""
    heatmap = LiveLiquidationHeatmap(buffer_size=per_symbol, clock=lambda: NOW,
                                     sources=tuple(VENUES))
    for i in range(400):
        heatmap.add_liquidations(f"S{i}USDT", _columns(per_symbol, i, len(VENUES)))
    heatmap.refresh()
    # timeit's repeat: one refresh per timing, the same way heatmap_bench measures.
    timings = timeit.repeat(heatmap.refresh, number=1, repeat=rounds)
    sample = heatmap.get_clusters("S0USDT")
    assert sample
    assert len(sample[0].venue_notional) == len(VENUES)
    return statistics.median(timings) * 1e3


def bench_memory() -> tuple[float, float]:
    """(MB by the buffer's own count, MB per tracemalloc) at 10,000 events of three venues."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    buffer = SymbolBuffer(10_000)
    for i in range(10_000):
        buffer.add(NOW_MS + i, 90_000.0 + i * 0.5, 0.01 + i * 1e-6, i % 2 == 0, i % 3)
    traced = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return buffer.nbytes() / 1e6, traced / 1e6


def main() -> None:
    """Run every benchmark and print its figure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer events and rounds")
    parser.add_argument("--bybit-batch", type=int, default=10)
    parser.add_argument("--okx-instruments", type=int, default=2)
    parser.add_argument("--okx-details", type=int, default=5)
    args = parser.parse_args()
    count = 50_000 if args.quick else 200_000
    rounds = 5 if args.quick else 20
    binance = binance_frames(count)
    print(f"orjson.loads alone, binance frames: {bench_orjson(binance):,.0f} frames/s")
    print(f"parse + store, binance (1 event/frame): "
          f"{bench_parse_store('binance', binance, count):,.0f} events/s")
    frames = bybit_frames(count, args.bybit_batch)
    print(f"parse + store, bybit ({args.bybit_batch} events/frame): "
          f"{bench_parse_store('bybit', frames, count):,.0f} events/s")
    print(f"parse + store, bybit (1 event/frame): "
          f"{bench_parse_store('bybit', bybit_frames(count, 1), count):,.0f} events/s")
    okx, ct_val = okx_frames(count, args.okx_instruments, args.okx_details)
    per = args.okx_instruments * args.okx_details
    print(f"parse + store, okx ({per} events/frame): "
          f"{bench_parse_store('okx', okx, count, ct_val):,.0f} events/s")
    okx1, _ = okx_frames(count, 1, 1)
    print(f"parse + store, okx (1 event/frame): "
          f"{bench_parse_store('okx', okx1, count, ct_val):,.0f} events/s")
    print(f"refresh, 3 venues, 400 symbols x 2,000 events: "
          f"{bench_refresh_all(rounds, 2_000):.1f} ms median")
    print(f"refresh, 3 venues, 400 symbols x 3 x 2,000 events: "
          f"{bench_refresh_all(rounds, 6_000):.1f} ms median")
    own, traced = bench_memory()
    print(f"store memory, 10,000 events of 3 venues: {own:.3f} MB "
          f"(tracemalloc: {traced:.3f} MB)")


if __name__ == "__main__":
    main()
