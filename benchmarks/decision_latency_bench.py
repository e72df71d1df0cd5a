"""Decision latency, event-driven: a stream mark price arrives → its symbol's decision journaled.

Run: ``.venv/bin/python -m benchmarks.decision_latency_bench [ROUNDS]``. The 50-symbol loop of
``signal_loop_bench`` (real heatmap, LiquidationHunter, risk engine, paper venue, SQLite
journal in WAL mode, ``synchronous=FULL`` for orders, fills and trades; a decision that sent
nothing is one transaction committed at ``synchronous=NORMAL``, crash-safe without a disk
flush: ``JournalRepository.record_decision``), with ``EventDecisions`` listening to the
heatmap as in ``bot run``. Each round moves the clock past the journal's one-minute repeat
window, so every decision is written (the worst case), then feeds one ``markPriceUpdate``
frame per symbol through ``handle_frame`` (the stream thread's entry point), one every 20 ms, as
Binance's per-symbol ``@markPrice@1s`` streams spread over their second. Latency is from the
frame handed to the heatmap to the decision's signal row committed.

A second pass sends the 50 marks at once (one ``!markPrice@arr`` frame) with the clock
standing still: decisions that repeat the last one are not written again, as in a steady
market; latency is then from the frame to the symbol's decision done.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.signal_loop_bench import SYMBOLS, _Clock, build_loop, percentile
from bot.app.decisions import EventDecisions
from bot.app.trading_loop import TradingLoop
from bot.domain import MarkPrice, to_epoch_ms

SPACING_SECONDS = 0.02


class _Timed:
    """The loop as the decision thread sees it, noting when each symbol's decision ended."""

    def __init__(self, loop: TradingLoop) -> None:
        self._loop = loop
        self.done: dict[str, float] = {}
        self.event = threading.Event()

    def on_symbol_event(self, symbol: str, mark: MarkPrice | None = None) -> None:
        self._loop.on_symbol_event(symbol, mark)
        self.done[symbol] = time.perf_counter()
        self.event.set()


def _frame(clock: _Clock, symbol: str) -> str:
    return json.dumps({"e": "markPriceUpdate", "E": to_epoch_ms(clock()), "s": symbol,
                       "p": "100"})


def _array_frame(clock: _Clock) -> str:
    return json.dumps([{"e": "markPriceUpdate", "E": to_epoch_ms(clock()), "s": s, "p": "100"}
                       for s in SYMBOLS])


def _spread_round(clock: _Clock, heatmap: Any, timed: _Timed, written: list[float]) -> None:
    clock.now += timedelta(seconds=61)
    for symbol in SYMBOLS:
        timed.event.clear()
        sent = time.perf_counter()
        heatmap.handle_frame(_frame(clock, symbol))
        if not timed.event.wait(5):
            raise RuntimeError(f"no decision for {symbol}")
        written.append(timed.done[symbol] - sent)
        time.sleep(max(0.0, SPACING_SECONDS - (time.perf_counter() - sent)))


def _burst_round(clock: _Clock, heatmap: Any, timed: _Timed, done: list[float]) -> None:
    timed.done.clear()
    sent = time.perf_counter()
    heatmap.handle_frame(_array_frame(clock))
    deadline = time.monotonic() + 5
    while len(timed.done) < len(SYMBOLS):
        if time.monotonic() > deadline:
            raise RuntimeError("decisions missing")
        time.sleep(0.0005)
    done.extend(t - sent for t in timed.done.values())
    time.sleep(0.2)


def _report(name: str, seconds: list[float]) -> None:
    ms = sorted(v * 1e3 for v in seconds)
    print(f"{name}: n={len(ms)} p50={statistics.median(ms):.2f} ms "
          f"p99={percentile(ms, 0.99):.2f} ms max={ms[-1]:.2f} ms")


def main(rounds: int = 10) -> None:
    """Run ``rounds`` rounds of each pass and print p50 / p99."""
    clock = _Clock()
    with tempfile.TemporaryDirectory() as folder:
        loop, heatmap, journal = build_loop(clock, f"sqlite:///{Path(folder) / 'bench.db'}")
        timed = _Timed(loop)
        decisions = EventDecisions(timed)  # type: ignore[arg-type]
        heatmap.set_listener(decisions)
        decisions.start()
        written: list[float] = []
        burst: list[float] = []
        signals_before = len(journal.list_signals())
        try:
            for _ in range(rounds):
                _spread_round(clock, heatmap, timed, written)
            signals = len(journal.list_signals()) - signals_before
            for _ in range(rounds):
                _burst_round(clock, heatmap, timed, burst)
        finally:
            decisions.stop()
    print(f"{len(SYMBOLS)} symbols, {rounds} rounds per pass; {signals} decisions journaled "
          "in the first pass")
    _report("mark arrival -> decision journaled (one mark every 20 ms, every decision "
            "written)", written)
    _report("mark arrival -> decision done (50 marks in one frame, repeats not written)",
            burst)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
