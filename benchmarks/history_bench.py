"""Benchmarks of the market-data history: replay throughput and backtest speed.

Run: ``.venv/bin/python -m benchmarks.history_bench [--hours 24] [--symbols 20]``

1. Replay at full speed: liquidation frames (Binance JSON) → ``parse_frame`` →
   ``HistoryStore`` (batched SQLite inserts) → heatmap (``add_liquidation``), with every
   symbol's clusters recomputed each ``update_interval`` (5 s) of wall time, as the live
   heatmap's updater does; events per second over the whole pipeline. Then stored events →
   heatmap event by event (``bot replay`` at a speed > 0) and in chunks (``bot replay``
   at speed 0: ``replay_bulk``), with the period's mark prices fed too, and the cost of one
   full refresh of 20 symbols.
2. Backtest: synthetic data for ``--symbols`` symbols over ``--hours`` (a random-walk mark
   price every second per symbol, liquidations in bursts around recent prices), backtested
   at a 5 s signal interval; wall seconds of the backtest alone (data generation excluded).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson

from bot.backtest.runs import BacktestRequest, run_backtest
from bot.clock import ManualClock
from bot.domain import from_epoch_ms, to_epoch_ms
from bot.heatmap import LiveLiquidationHeatmap, parse_frame
from bot.journal import create_engine_for, upgrade_to_head
from bot.marketdata.columns import StoredMarks, liquidation_columns
from bot.marketdata.replay import ReplayStats, replay, replay_bulk
from bot.marketdata.store import HistoryStore, LiquidationEvent, MarkPoint
from bot.settings import load_settings

START_MS = 1_737_936_000_000  # 2025-01-27 00:00 UTC
BATCH = 5_000


def synthetic(symbols: int, hours: float, liq_per_hour: float,
              seed: int = 1) -> tuple[list[MarkPoint], list[LiquidationEvent]]:
    """Random-walk marks each second and bursty liquidations near the price, per symbol."""
    rng = np.random.default_rng(seed)
    seconds = int(hours * 3600)
    marks: list[MarkPoint] = []
    events: list[LiquidationEvent] = []
    for index in range(symbols):
        name = f"SYM{index:02d}USDT"
        base = 10.0 * (index + 1)
        path = base * np.exp(np.cumsum(rng.normal(0, 0.0004, seconds)))
        times = START_MS + np.arange(seconds, dtype=np.int64) * 1000
        marks += [MarkPoint(name, int(t), float(p)) for t, p in zip(times, path, strict=True)]
        count = int(liq_per_hour * hours)
        at = np.sort(rng.integers(0, seconds, count))
        for second in at.tolist():
            price = float(path[second]) * (1 + rng.normal(0, 0.01))
            side = "long" if price < path[second] else "short"
            events.append(LiquidationEvent(name, side, START_MS + second * 1000
                                           + int(rng.integers(0, 1000)), price,
                                           float(rng.exponential(50.0))))
    events.sort(key=lambda e: (e.time_ms, e.symbol))
    return marks, events


def frames_of(events: list[LiquidationEvent]) -> list[bytes]:
    """Binance forceOrder frames for ``events`` (combined-stream envelope)."""
    return [orjson.dumps({"stream": f"{e.symbol.lower()}@forceOrder", "data": {
        "e": "forceOrder", "E": e.time_ms, "o": {
            "s": e.symbol, "S": "SELL" if e.side == "long" else "BUY", "o": "LIMIT",
            "f": "IOC", "q": f"{e.quantity:.6f}", "p": f"{e.price:.6f}",
            "ap": f"{e.price:.6f}", "X": "FILLED", "l": f"{e.quantity:.6f}",
            "z": f"{e.quantity:.6f}", "T": e.time_ms}}}) for e in events]


def bench_replay(store: HistoryStore, events: list[LiquidationEvent]) -> None:
    """Frames → parse → store → heatmap, clusters refreshed every 5 s of wall time."""
    frames = frames_of(events)
    clock = ManualClock(from_epoch_ms(START_MS))
    heatmap = LiveLiquidationHeatmap(clock=clock)
    started = time.perf_counter()
    next_refresh = started
    refreshes = 0
    batch: list[LiquidationEvent] = []
    for frame in frames:
        for liq in parse_frame(frame).liquidations:
            heatmap.add_liquidation(liq)
            batch.append(LiquidationEvent(liq.symbol, liq.side, to_epoch_ms(liq.timestamp),
                                          liq.price, liq.quantity))
        if len(batch) >= BATCH:
            store.add_liquidations(batch)
            batch = []
            if time.perf_counter() >= next_refresh:
                heatmap.refresh()
                refreshes += 1
                next_refresh = time.perf_counter() + 5.0
    store.add_liquidations(batch)
    heatmap.refresh()
    elapsed = time.perf_counter() - started
    print(f"replay frames→parse→store→heatmap (+{refreshes + 1} cluster refreshes): "
          f"{len(frames):,} events in {elapsed:.2f} s = {len(frames) / elapsed:,.0f} events/s")
    started = time.perf_counter()
    heatmap.refresh()
    print(f"one refresh of {len(heatmap.symbols())} symbols x "
          f"{len(heatmap.get_clusters(heatmap.symbols()[0]))} clusters: "
          f"{(time.perf_counter() - started) * 1e3:.1f} ms")
    replay_from_store(store)


def replay_from_store(store: HistoryStore) -> None:
    """Stored events → heatmap one by one (``bot replay --speed X``, minus the waiting)."""
    clock = ManualClock(from_epoch_ms(START_MS))
    heatmap = LiveLiquidationHeatmap(clock=clock)
    started = time.perf_counter()
    stats = replay(store.iter_liquidations(), store.iter_mark_prices(), heatmap, clock)
    heatmap.refresh()
    _print_replay("store→heatmap+clusters, event by event", stats,
                  time.perf_counter() - started)
    replay_columns(store)


def replay_columns(store: HistoryStore) -> None:
    """Stored rows → numpy columns → heatmap → clusters: ``bot replay --speed 0``.

    ``replay_bulk`` as the command runs it; clusters are recomputed every 0.5 s of wall time
    (what the command's display asks for) and at the end.
    """
    clock = ManualClock(from_epoch_ms(START_MS))
    heatmap = LiveLiquidationHeatmap(clock=clock)
    started = time.perf_counter()
    stats = replay_bulk(liquidation_columns(store.engine), StoredMarks(store), heatmap,
                        clock, on_tick=heatmap.refresh)
    _print_replay("store→columns→heatmap+clusters, bulk (replay_bulk)", stats,
                  time.perf_counter() - started)


def _print_replay(label: str, stats: ReplayStats, elapsed: float) -> None:
    print(f"replay {label}: {stats.liquidations:,} liquidations (+{stats.mark_prices:,} mark "
          f"prices) in {elapsed:.2f} s = {stats.liquidations / elapsed:,.0f} liquidations/s")


def main() -> None:
    """Run both benchmarks and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--liquidations-per-hour", type=float, default=120.0)
    parser.add_argument("--replay-events", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'history.db'}"
        upgrade_to_head(url)
        store = HistoryStore(create_engine_for(url))
        # One liquidation per symbol-second, with its mark price: a very busy market.
        replay_marks, replay_events = synthetic(20, args.replay_events / 20 / 3600, 3600.0,
                                                seed=2)
        store.add_mark_prices(replay_marks)
        bench_replay(store, replay_events)

        url = f"sqlite:///{Path(tmp) / 'backtest.db'}"
        upgrade_to_head(url)
        store = HistoryStore(create_engine_for(url))
        marks, events = synthetic(args.symbols, args.hours, args.liquidations_per_hour)
        for index in range(0, len(marks), 100_000):
            store.add_mark_prices(marks[index:index + 100_000])
        store.add_liquidations(events)
        symbols = sorted({m.symbol for m in marks})
        settings = load_settings(None, {"run.symbols": ",".join(symbols)})
        started = time.perf_counter()
        report = run_backtest(settings, store, BacktestRequest(symbols),
                              f"sqlite:///{Path(tmp) / 'journal.db'}")
        elapsed = time.perf_counter() - started
        print(f"backtest {args.hours:g} h x {len(symbols)} symbols, "
              f"{len(marks):,} marks, {len(events):,} liquidations, signal interval "
              f"{settings.scheduler.signal_interval:g} s: {elapsed:.1f} s, "
              f"{report.summary.closed_trades} trades")


if __name__ == "__main__":
    main()
