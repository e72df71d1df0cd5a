"""One step of the live order path in a child process that may SIGKILL itself.

Used by the crash test: the parent forks, the child restarts the bot's live side against
the shared simulator and journal (reconciliation first, as at every start), then takes one
step (an entry when flat, an exit otherwise) and kills itself at ``crash_at``.
"""

from __future__ import annotations

import os
import random
import signal
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.app.live import LiveJournal, ws_root
from bot.app.trade_log import TradeLog
from bot.errors import IpBanned
from bot.exchange import BinanceGateway
from bot.execution.live.reconcile.reconciler import Reconciler
from bot.execution.live.user_stream.client import StreamTiming, UserDataStream
from bot.execution.live.venue import LiveConfig, LiveExecution, TradingHalted
from bot.journal import TradeMode, create_engine_for, make_session_factory
from bot.sim import SimExchange
from tests.execution.live.helpers import SYMBOL, entry_id, fast_policy, make_gateway, sized, utc_now

ENTRY_POINTS = ("before_request", "after_accept", "after_reply", "after_fill", "after_stop",
                "before_trade_journal")
EXIT_POINTS = ("before_exit", "after_exit_accept", "after_exit_reply", "before_exit_journal")


class _Killer:
    def __init__(self, crash_at: str | None) -> None:
        self.crash_at = crash_at

    def __call__(self, point: str) -> None:
        if point == self.crash_at:
            os.kill(os.getpid(), signal.SIGKILL)


class _CrashingGateway:
    """The real gateway, dying right after the exchange accepted an order (reply lost)."""

    def __init__(self, gateway: BinanceGateway, kill: _Killer) -> None:
        self._gateway = gateway
        self._kill = kill

    def create_market_order(self, *args: Any, **kwargs: Any) -> Any:
        answer = self._gateway.create_market_order(*args, **kwargs)
        self._kill("after_exit_accept" if kwargs.get("reduce_only") else "after_accept")
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gateway, name)


def step(sim: SimExchange, db: Path, crash_at: str | None, at: datetime, *,
         streamed: bool = False) -> None:
    """Restart and take one step, as ``_step``; an IP ban met on the way ends the step
    (the bot sends nothing until it is over: that is the behaviour under test)."""
    try:
        _step(sim, db, crash_at, at, streamed)
    except (IpBanned, TradingHalted):
        return


def _step(sim: SimExchange, db: Path, crash_at: str | None, at: datetime,
          streamed: bool = False) -> None:
    """Restart (reconcile, start; with ``streamed``, the user-data stream too, as ``bot run``
    does) and take one step; returns only if not killed."""
    kill = _Killer(crash_at)
    journal = LiveJournal(make_session_factory(create_engine_for(f"sqlite:///{db}")), utc_now)
    gateway = make_gateway(sim, lookups=2)
    Reconciler(gateway, journal, utc_now, fast_policy()).run()
    venue = LiveExecution(_CrashingGateway(gateway, kill),  # type: ignore[arg-type]
                          journal, utc_now,
                          LiveConfig(symbols=(SYMBOL,), poll_interval_seconds=0.0), kill)
    venue.start()
    stream = None
    if streamed:  # its events and reconnections reach the venue while the step runs
        stream = UserDataStream(gateway, ws_root(sim.ws_url), venue.on_user_event, venue.poll,
                                StreamTiming(keepalive_seconds=0.1, retry_seconds=0.05),
                                random.Random(1))
        stream.start()
        deadline = time.monotonic() + 2.0
        while stream.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    log = TradeLog(journal, TradeMode.LIVE, utc_now)
    if venue.position(SYMBOL) is None:
        order = sized(at=at)
        cid = entry_id(order)
        row = log.entry_requested(order.intent, order.quantity, cid)
        position = venue.open_position(order, cid)
        kill("before_trade_journal")
        log.entry_filled(order.intent, row, position)
    else:
        closed = venue.close_position(SYMBOL, "test", f"lhlex-{SYMBOL}-{at.timestamp():.0f}")
        kill("before_exit_journal")
        log.exit_filled(closed)
    if stream is not None:
        time.sleep(0.05)  # the step's own events arrive while the stream is up
        stream.stop()
    gateway.close()
