"""The 50-symbol signal loop on a SQLite journal and on a PostgreSQL one, side by side.

Run: ``.venv/bin/python -m benchmarks.journal_backend_bench [TICKS]``. The loop is the one of
``benchmarks.signal_loop_bench`` (heatmap, LiquidationHunter, risk engine, paper venue, every
symbol's decision journaled each tick). SQLite: a temp file in WAL mode with
``synchronous=FULL``. PostgreSQL: a throw-away local cluster (``initdb`` + ``pg_ctl``, as the
tests start it) with its durable defaults (``fsync=on``, ``synchronous_commit=on``), over TCP
on 127.0.0.1. Prints median and p99 of one tick for each, and PostgreSQL's p99 over SQLite's
(the goal: at most 2×).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.signal_loop_bench import SYMBOLS, _Clock, build_loop, percentile, tick
from tests.support.postgres import PostgresServer, find_bin_dir

_DURABLE = "-c max_connections=50"  # PostgreSQL's defaults otherwise: fsync and sync commits


def measure(url: str, ticks: int) -> tuple[float, float, int]:
    """Median and p99 of one tick, in ms, over ``ticks`` rounds on the journal at ``url``,
    and the number of signals journaled."""
    clock = _Clock()
    loop, heatmap, journal = build_loop(clock, url)
    tick(clock, loop, heatmap)  # warm-up: first connections, statement caches
    timings = sorted(tick(clock, loop, heatmap) for _ in range(ticks))
    return (statistics.median(timings) * 1e3, percentile(timings, 0.99) * 1e3,
            len(journal.list_signals()))


def main(ticks: int = 200) -> None:
    """Run the loop on both journals and print the figures."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL is not installed (initdb/pg_ctl)")
    with tempfile.TemporaryDirectory() as folder:
        sqlite = measure(f"sqlite:///{Path(folder) / 'bench.db'}", ticks)
    server = PostgresServer(bin_dir, options=_DURABLE)
    try:
        server.start()
        postgres = measure(server.new_database(), ticks)
    finally:
        server.remove()
    for name, (median, p99, signals) in (("sqlite", sqlite), ("postgresql", postgres)):
        print(f"signal loop, {len(SYMBOLS)} symbols, {name:<10}: tick median {median:6.1f} ms, "
              f"p99 {p99:6.1f} ms ({ticks} ticks, {signals} signals journaled)")
    print(f"postgresql p99 / sqlite p99 = {postgres[1] / sqlite[1]:.2f} (goal: <= 2)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
