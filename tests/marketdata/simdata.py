"""Test helper: a recording of the simulated market, made offline on a simulated clock.

The built-in simulator's pure market (``SimMarket``) is stepped once a second of simulated
time; each step's forceOrder and mark-price payloads go through ``Recorder.handle_frame`` as
frames from the socket would, so the data takes the recorder's exact path into the store.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.exchange.models import OpenInterest
from bot.marketdata.open_interest import OpenInterestStore
from bot.marketdata.recorder import Recorder
from bot.marketdata.store import HistoryStore
from bot.sim import MarketConfig, force_order_event
from bot.sim.market import SimMarket

START = datetime(2025, 1, 27, tzinfo=UTC)


def record_sim_market(store: HistoryStore, *, seconds: int, seed: int = 7,
                      start: datetime = START, acceleration: float = 120.0,
                      open_interest: OpenInterestStore | None = None) -> Recorder:
    """Record ``seconds`` of the seeded simulated market into ``store``; returns the recorder.

    With ``open_interest``, the market's open interest is stored too at every 5-minute
    boundary (what Binance's ``openInterestHist`` publishes).
    """
    market = SimMarket(MarketConfig(time_acceleration=acceleration), rng=random.Random(seed))
    clock = ManualClock(start)
    recorder = Recorder(store, clock, market.symbols)
    recorder.start()
    for second in range(seconds):
        clock.set(start + timedelta(seconds=second))
        update = market.step(clock())
        for order in update.liquidations:
            recorder.handle_frame(json.dumps(force_order_event(order, update.event_time_ms)))
        recorder.handle_frame(json.dumps([m.to_event() for m in update.mark_prices]))
        if open_interest is not None and second % 300 == 0:
            for symbol in market.symbols:
                open_interest.add(symbol, [OpenInterest(symbol, clock(), market.open_interest(
                    symbol), None)])
        if second % 60 == 59:
            recorder.flush()
    recorder.close()
    return recorder
