"""Replaying recorded liquidations at a chosen speed, in file order, repeats and all.

The recording is already Binance-throttled, so nothing is throttled or de-duplicated here.
Wall-clock spacing follows the recorded trade times divided by ``speed``; a gap longer
than ``max_gap_seconds`` (after the speed-up) is cut to that, and a step back in time
(the recording has a few) is sent at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock
from bot.domain import to_epoch_ms
from bot.sim.events import ForceOrder

_YIELD_EVERY = 100  # rows sent back-to-back before letting the socket writers run


@dataclass(frozen=True, slots=True)
class ReplayConfig:
    """How to replay a recorder CSV.

    Attributes:
        path: the recorder CSV (see ``read_recorder_csv``).
        speed: recorded time runs this many times faster than wall time.
        max_gap_seconds: the longest wall-clock wait between two rows.
        rebase_to_now: shift every trade time so the first row happens "now" (relative
            spacing kept); false keeps the recorded ``T``.
        autostart: start when the exchange starts; otherwise call ``start_replay()``.
    """

    path: Path
    speed: float = 1.0
    max_gap_seconds: float = 1.0
    rebase_to_now: bool = False
    autostart: bool = True

    def __post_init__(self) -> None:
        if not self.speed > 0:
            raise ValueError("replay speed must be positive")
        if self.max_gap_seconds < 0:
            raise ValueError("max_gap_seconds must not be negative")


def replay_delays(
    orders: Sequence[ForceOrder], speed: float, max_gap_seconds: float
) -> list[float]:
    """Wall-clock seconds to wait before each order (the first waits 0)."""
    delays = [0.0] * len(orders)
    for index in range(1, len(orders)):
        gap_ms = orders[index].trade_time_ms - orders[index - 1].trade_time_ms
        delays[index] = min(max(gap_ms, 0) / 1000 / speed, max_gap_seconds)
    return delays


def rebase(orders: Sequence[ForceOrder], first_ms: int) -> list[ForceOrder]:
    """Shift every trade time by one offset so the first order's becomes ``first_ms``."""
    if not orders:
        return []
    offset = first_ms - orders[0].trade_time_ms
    return [
        dataclasses.replace(order, trade_time_ms=order.trade_time_ms + offset) for order in orders
    ]


class Replay:
    """Sends recorded orders through ``publish`` with the recorded pacing.

    Args:
        orders: the rows, in the order to send them.
        config: speed, gap cap and whether to rebase times.
        clock: the current UTC time (for rebasing).
        publish: called with each order, on the event loop that runs ``run()``.
    """

    def __init__(
        self,
        orders: Sequence[ForceOrder],
        config: ReplayConfig,
        *,
        clock: Clock,
        publish: Callable[[ForceOrder], object],
    ) -> None:
        """Prepare a replay; nothing is sent until ``run()``."""
        self._orders = list(orders)
        self._config = config
        self._clock = clock
        self._publish = publish
        self._finished = threading.Event()
        self.sent = 0

    @property
    def total(self) -> int:
        """Number of orders in the replay."""
        return len(self._orders)

    @property
    def finished(self) -> bool:
        """Whether every order has been handed to ``publish``."""
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block (from any thread) until the replay finished; false on timeout."""
        return self._finished.wait(timeout)

    async def run(self) -> None:
        """Send every order, pacing with the event loop's clock so that waits don't drift."""
        orders = self._orders
        if self._config.rebase_to_now:
            orders = rebase(orders, to_epoch_ms(self._clock()))
        delays = replay_delays(orders, self._config.speed, self._config.max_gap_seconds)
        loop = asyncio.get_running_loop()
        target = loop.time()
        unyielded = 0
        for order, delay in zip(orders, delays, strict=True):
            target += delay
            wait = target - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                unyielded = 0
            elif unyielded >= _YIELD_EVERY:
                await asyncio.sleep(0)
                unyielded = 0
            self._publish(order)
            self.sent += 1
            unyielded += 1
        self._finished.set()
