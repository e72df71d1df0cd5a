"""Side by side: the same simulator recording backtested with ``strategy.cluster_source``
realized, projected and both, and realized without the ``min_reward_risk`` gate.

The seeded synthetic market (``bot.sim``) is stepped once a second of made-up time for
``HOURS`` hours; its liquidations (throttled like Binance's stream), mark prices and
5-minute open interest go into a temporary store, and ``bot backtest``'s own engine runs
over it once per configuration. Printed per run: trades, win rate, net PnL, profit factor,
max drawdown and the strategy's refusals.

Run: ``.venv/bin/python -m benchmarks.projection_backtest``
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.backtest.runs import BacktestRequest, run_backtest
from bot.exchange.models import OpenInterest
from bot.journal import create_engine_for, upgrade_to_head
from bot.marketdata.open_interest import OpenInterestStore
from bot.marketdata.store import HistoryStore, LiquidationEvent, MarkPoint
from bot.settings import load_settings
from bot.sim.market import MarketConfig, SimMarket

HOURS = 3
START = datetime(2026, 1, 5, tzinfo=UTC)
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")
RUNS: tuple[tuple[str, dict[str, object]], ...] = (
    ("realized", {"strategy.cluster_source": "realized"}),
    ("projected", {"strategy.cluster_source": "projected"}),
    ("both", {"strategy.cluster_source": "both"}),
    ("realized, min_reward_risk 0", {"strategy.cluster_source": "realized",
                                     "strategy.min_reward_risk": 0}),
    ("both, min_reward_risk 0", {"strategy.cluster_source": "both",
                                 "strategy.min_reward_risk": 0}),
)


def record(path: Path) -> None:
    """``HOURS`` of the seeded market (the simulator's defaults, 120x) into the store."""
    url = f"sqlite:///{path}"
    upgrade_to_head(url)
    engine = create_engine_for(url)
    store, interest = HistoryStore(engine), OpenInterestStore(engine)
    market = SimMarket(MarketConfig(), rng=random.Random(7))
    liquidations: list[LiquidationEvent] = []
    marks: list[MarkPoint] = []
    for second in range(HOURS * 3600):
        now = START + timedelta(seconds=second)
        update = market.step(now)
        for order in update.liquidations:
            liquidations.append(LiquidationEvent(
                order.symbol, "long" if order.side == "SELL" else "short", update.event_time_ms,
                float(order.average_price), float(order.filled_quantity)))
        marks += [MarkPoint(m.symbol, m.event_time_ms, float(m.mark_price))
                  for m in update.mark_prices]
        if second % 300 == 0:
            for symbol in market.symbols:
                interest.add(symbol, [OpenInterest(symbol, now, market.open_interest(symbol),
                                                   None)])
    store.add_liquidations(liquidations)
    store.add_mark_prices(marks)
    engine.dispose()


def main() -> None:
    """Record once, backtest every configuration, print the table."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "sim.db"
        started = time.perf_counter()
        record(data)
        print(f"recording: {HOURS} h of the seeded simulator ({', '.join(SYMBOLS)}) in "
              f"{time.perf_counter() - started:.0f} s")
        print(f"{'run':30s} {'trades':>6s} {'win':>6s} {'net PnL':>10s} {'PF':>6s} "
              f"{'max DD':>8s}  refusals")
        for index, (name, overrides) in enumerate(RUNS):
            settings = load_settings(None, {"run.symbols": ",".join(SYMBOLS), **overrides},
                                     env={})
            engine = create_engine_for(f"sqlite:///{data}")
            journal = Path(folder) / f"journal{index}.db"
            try:
                report = run_backtest(settings, HistoryStore(engine), BacktestRequest(SYMBOLS),
                                      f"sqlite:///{journal}")
            finally:
                engine.dispose()
            s = report.summary
            refused = dict(report.run.refusals).get("rejected: min_reward_risk", 0)
            win = "-" if s.win_rate is None else f"{s.win_rate:.0%}"
            pf = "-" if s.profit_factor is None else f"{s.profit_factor:.2f}"
            print(f"{name:30s} {s.closed_trades:6d} {win:>6s} {s.net_pnl:10.2f} {pf:>6s} "
                  f"{s.max_drawdown:8.2f}  {refused} signals refused by min_reward_risk")


if __name__ == "__main__":
    main()
