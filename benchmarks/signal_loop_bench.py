"""Signal-loop latency with 50 symbols: price tick → strategy → risk → paper → journaled decision.

Run: ``.venv/bin/python -m benchmarks.signal_loop_bench``. Real parts throughout: heatmap
(clusters precomputed, as the background updater would have them), LiquidationHunter, risk
engine, paper venue, SQLite journal in WAL mode on a temp file (``synchronous=FULL``; the
decisions that sent nothing commit at ``NORMAL``, see ``bot.journal.db``).
Each tick moves the simulated clock past the journal's repeat window, so every symbol's
decision is written each tick (the worst case). Prints median and p99 of one tick (all 50
symbols) and per decision.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.bootstrap import build_risk
from bot.app.trade_log import TradeLog
from bot.app.trading_loop import LoopSettings, TradingLoop
from bot.domain import Liquidation, MarkPrice
from bot.execution import PaperConfig, PaperExecution
from bot.heatmap import LiveLiquidationHeatmap
from bot.journal import JournalRepository, TradeMode, open_journal
from bot.settings import load_settings
from strategies.liquidation_hunter import LiquidationHunter

SYMBOLS = [f"S{i:02d}USDT" for i in range(50)]


class _Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class _Prices:
    def __init__(self, clock: _Clock) -> None:
        self._clock = clock

    def poll(self) -> Mapping[str, MarkPrice]:
        return {s: MarkPrice(s, 100.0, self._clock()) for s in SYMBOLS}


def build_loop(clock: _Clock, url: str) -> tuple[TradingLoop, LiveLiquidationHeatmap,
                                                 JournalRepository]:
    """The 50-symbol loop on the journal at ``url``, clusters computed, health checked."""
    journal = open_journal(url, clock)
    heatmap = LiveLiquidationHeatmap(clock=clock, min_cluster_size=5)
    for symbol in SYMBOLS:
        for i in range(200):
            heatmap.add_liquidation(Liquidation(
                symbol=symbol, side="short", price=103.5 * (1 + (i % 20 - 10) * 0.0004),
                quantity=10.0 + i % 7, timestamp=clock() - timedelta(seconds=i)))
    heatmap.refresh()
    loop = TradingLoop(
        symbols=SYMBOLS, heatmap=heatmap, prices=_Prices(clock),
        strategy=LiquidationHunter(), venue=PaperExecution(PaperConfig(), clock),
        risk=build_risk(load_settings(), journal, clock),
        trade_log=TradeLog(journal, TradeMode.PAPER, clock), clock=clock,
        settings=LoopSettings(max_stream_silence_seconds=1e9),
    )
    heatmap.handle_frame('{"e":"markPriceUpdate","E":1,"s":"S00USDT","p":"100"}')
    loop.on_prices()
    loop.check_health()
    return loop, heatmap, journal


def tick(clock: _Clock, loop: TradingLoop, heatmap: LiveLiquidationHeatmap) -> float:
    """One round (prices, then signals for every symbol); its seconds."""
    clock.now += timedelta(seconds=61)
    heatmap.handle_frame('{"e":"markPriceUpdate","E":1,"s":"S00USDT","p":"100"}')
    heatmap.refresh()
    start = time.perf_counter()
    loop.on_prices()
    loop.run_signals()
    return time.perf_counter() - start


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The value at ``fraction`` (0..1) of sorted values (nearest rank)."""
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def main(ticks: int = 60) -> None:
    """Build the loop, run ``ticks`` rounds, print the latency figures."""
    clock = _Clock()
    with tempfile.TemporaryDirectory() as folder:
        loop, heatmap, journal = build_loop(clock, f"sqlite:///{Path(folder) / 'bench.db'}")
        timings = [tick(clock, loop, heatmap) for _ in range(ticks)]
        decisions = len(journal.list_signals())
    timings.sort()
    median = statistics.median(timings) * 1e3
    p99 = percentile(timings, 0.99) * 1e3
    print(f"signal loop, {len(SYMBOLS)} symbols: tick median {median:.1f} ms, p99 {p99:.1f} ms; "
          f"per decision median {median / len(SYMBOLS):.2f} ms "
          f"({decisions} decisions journaled over {ticks} ticks)")


if __name__ == "__main__":
    main()
