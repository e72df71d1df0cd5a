"""The recorder: batches, gaps, and a SIGKILL that loses nothing committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.marketdata.store import HistoryStore
from tests.marketdata.conftest import make_store

ROOT = Path(__file__).resolve().parents[2]
RECORD_SCRIPT = """
import sys, threading
from bot.app.marketdata import open_store, record
from bot.settings import load_settings
settings = load_settings(None, {"run.symbols": "BTCUSDT,ETHUSDT"}, env={})
with open_store(sys.argv[1]) as store:
    record(settings, store, use_sim=True, duration=0, wait=threading.Event().wait,
           batch_seconds=0.2)
"""


def _start(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", RECORD_SCRIPT, url], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for_marks(store: HistoryStore, at_least: int, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = store.counts().mark_prices
        if count >= at_least:
            return count
        time.sleep(0.1)
    raise AssertionError(f"fewer than {at_least} mark prices recorded in {timeout} s")


def test_a_recorder_killed_with_sigkill_loses_nothing_committed_and_resumes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rec.db"
    store = make_store(path)
    url = f"sqlite:///{path}"
    process = _start(url)
    try:
        _wait_for_marks(store, 4)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
        committed = store.counts()
        marks_before = store.mark_prices()
        liquidations_before = store.liquidations()

        process = _start(url)
        _wait_for_marks(store, committed.mark_prices + 4)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=5)

    after = store.mark_prices()
    for symbol, series in marks_before.items():
        kept = after[symbol].times_ms[: len(series.times_ms)]
        assert kept.tolist() == series.times_ms.tolist()
    assert set(liquidations_before) <= set(store.liquidations())
    gaps = store.gaps()
    assert [g.reason for g in gaps] == ["recorder not running"]
    assert store.counts().sessions == 2
    last_committed = max(int(s.times_ms[-1]) for s in marks_before.values())
    first_new = min(int(t) for s in after.values() for t in s.times_ms if t > last_committed)
    # The gap covers exactly the time nobody recorded: from the last committed heartbeat
    # (at or after the last committed price) to the restart (before the first new price).
    assert last_committed <= gaps[0].start_ms < gaps[0].end_ms <= first_new
