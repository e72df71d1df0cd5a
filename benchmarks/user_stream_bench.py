"""User-data event → the live venue's position view updated, against the simulator.

Each round opens a position through the venue, closes it "by hand" on the exchange, and
times, for the stream event that tells the venue, how long ``on_user_event`` takes until
``venue.position()`` says flat (the ``ACCOUNT_UPDATE`` updates the view itself; the REST
reconcile that books the closing fills follows on a background thread). Also: by-hand order
sent → view updated (REST + stream + that).

Run: ``.venv/bin/python -m benchmarks.user_stream_bench [ROUNDS]``.
"""

from __future__ import annotations

import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bot.app.live import open_live_journal, ws_root
from bot.clock import utc_now
from bot.domain import EntryIntent, OrderSide, PositionSide, SizedOrder
from bot.errors import InvalidOrder
from bot.exchange import ExchangeConfig, build_gateway
from bot.execution.live.user_stream.client import StreamTiming, UserDataStream
from bot.execution.live.user_stream.events import UserEvent
from bot.execution.live.venue import LiveConfig, LiveExecution
from bot.journal import upgrade_to_head
from bot.sim import MarketConfig, SimExchange

SYMBOL = "BTCUSDT"
PRICE = 90_000.0


def _order(n: int) -> SizedOrder:
    intent = EntryIntent(symbol=SYMBOL, side=PositionSide.LONG, reference_price=PRICE,
                         stop_price=PRICE * 0.97, take_profit_price=PRICE * 1.05,
                         strength=0.9, cluster=None,
                         created_at=utc_now() + timedelta(seconds=n))
    return SizedOrder(intent=intent, quantity=0.01, notional=900.0, leverage=5)


def _open_when_free(venue: LiveExecution, order: SizedOrder, cid: str) -> None:
    """Open once the previous round's closure is booked (the background reconcile frees the
    symbol a few milliseconds after the view showed it flat)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            venue.open_position(order, cid)
            return
        except InvalidOrder:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(rounds: int) -> None:
    """Print p50 / p99 of both latencies over ``rounds`` rounds."""
    logging.disable(logging.WARNING)
    sim = SimExchange(clock=utc_now, rng=random.Random(5),
                      market=MarketConfig(volatility_scale=0.0, jumps_per_hour=0.0))
    sim.start()
    described = sim.describe()
    gateway = build_gateway(ExchangeConfig(
        rest_url=str(described["rest_url"]), api_key=str(described["api_key"]),
        api_secret=str(described["api_secret"]), enable_rate_limit=False), utc_now)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'journal.db'}"
        upgrade_to_head(url)
        journal = open_live_journal(url, utc_now)
        venue = LiveExecution(gateway, journal, utc_now, LiveConfig(
            symbols=(SYMBOL,), poll_interval_seconds=3600.0, balance_ttl_seconds=0.0))
        venue.start()
        reacted: list[float] = []

        def on_event(event: UserEvent) -> None:
            start = time.perf_counter()
            was_open = venue.position(SYMBOL) is not None
            venue.on_user_event(event)
            if was_open and venue.position(SYMBOL) is None:
                reacted.append(time.perf_counter() - start)

        stream = UserDataStream(gateway, ws_root(sim.ws_url), on_event, lambda: None,
                                StreamTiming(), random.Random(1))
        stream.start()
        end_to_end: list[float] = []
        try:
            while stream.connections == 0:
                time.sleep(0.01)
            for n in range(rounds):
                _open_when_free(venue, _order(n), f"bench-{n}")
                time.sleep(0.05)  # let the entry's own events pass
                sent = time.perf_counter()
                gateway.create_market_order(SYMBOL, OrderSide.SELL, 0.01, f"hand-{n}",
                                            reduce_only=True)
                while venue.position(SYMBOL) is not None:
                    time.sleep(0.0002)
                end_to_end.append(time.perf_counter() - sent)
        finally:
            stream.stop()
            gateway.close()
            sim.stop()
    for name, values in (("user-data event -> position view updated", reacted),
                         ("by-hand order sent -> position view updated", end_to_end)):
        ms = [v * 1000 for v in values]
        print(f"{name}: n={len(ms)} p50={statistics.median(ms):.2f} ms "
              f"p99={_percentile(ms, 0.99):.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
