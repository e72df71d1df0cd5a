"""Seconds until the first tradable setup of ``bot run --paper --sim`` with default settings.

Run: ``.venv/bin/python -m benchmarks.first_setup_bench [RUNS] [LIMIT_SECONDS]`` (default 10
runs, 60 s). Each run is the real console script in a fresh folder with its own SQLite
journal and a different simulator seed (``BOT_SIM__SEED`` = 1..RUNS), two at a time; a run
ends at its first journaled signal that was a setup (entered, or refused by risk; not one the
strategy itself turned down for its reward against risk) or at the limit. Prints each run's
time and how many found a setup within the limit.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _first_signal(db: Path) -> bool:
    if not db.exists():
        return False
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute(
                "SELECT COUNT(*) FROM signals WHERE reason IS NULL "
                "OR reason NOT LIKE 'min_reward_risk%'").fetchone()[0] > 0
    except sqlite3.Error:  # not migrated yet, or busy
        return False


def time_to_first_setup(seed: int, limit: float) -> float | None:
    """Seconds from start to the first journaled signal, ``None`` when none came in time."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "journal.db"
        env = {**os.environ, "BOT_JOURNAL__URL": f"sqlite:///{db}", "BOT_SIM__SEED": str(seed)}
        script = Path(sys.executable).parent / "bot"
        started = time.monotonic()
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [str(script), "run", "--paper", "--sim", "--duration", str(limit + 5)],
            env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while time.monotonic() - started < limit:
                if _first_signal(db):
                    return time.monotonic() - started
                time.sleep(0.5)
            return None
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def main() -> None:
    """Run the seeds, print the figures."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    seeds = list(range(1, runs + 1))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda s: time_to_first_setup(s, limit), seeds))
    for seed, seconds in zip(seeds, results, strict=True):
        print(f"seed {seed:2d}: " + (f"first setup after {seconds:5.1f} s" if seconds is not None
                                      else f"no setup within {limit:g} s"))
    found = [s for s in results if s is not None]
    print(f"{len(found)}/{runs} runs found a setup within {limit:g} s"
          + (f" (median {sorted(found)[len(found) // 2]:.1f} s)" if found else ""))


if __name__ == "__main__":
    main()
