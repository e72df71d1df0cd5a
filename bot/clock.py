"""Time, injected: the ``Clock`` type every component takes, the wall clock, a manual clock.

Every collaborator that needs the time receives a ``Clock`` through its constructor, so the
same code runs on the wall clock (``utc_now``) in ``bot run`` and on a ``ManualClock`` in
backtests, replays and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.domain import from_epoch_ms, to_epoch_ms

Clock = Callable[[], datetime]
"""A zero-argument callable returning the current time as an aware UTC datetime."""


def utc_now() -> datetime:
    """The wall clock in UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A callable clock returning an aware UTC datetime set by its owner.

    Pass the instance wherever a ``clock`` is injected (heatmap, risk, venue, journal); the
    backtest moves it forward. It never goes backwards.

    Args:
        start: the first time it shows (aware).
    """

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._now_ms = to_epoch_ms(start)

    def __call__(self) -> datetime:
        """The current simulated time."""
        return self._now

    @property
    def now_ms(self) -> int:
        """The current simulated time in epoch milliseconds."""
        return self._now_ms

    def set_ms(self, epoch_ms: int) -> None:
        """Move to ``epoch_ms``.

        Raises:
            ValueError: the time would go backwards.
        """
        if epoch_ms < self._now_ms:
            raise ValueError(f"the clock cannot go back: {epoch_ms} < {self._now_ms}")
        if epoch_ms != self._now_ms:
            self._now_ms = epoch_ms
            self._now = from_epoch_ms(epoch_ms)

    def advance(self, seconds: float) -> None:
        """Move forward by ``seconds``."""
        self.set(self._now + timedelta(seconds=seconds))

    def set(self, moment: datetime) -> None:
        """Move to ``moment`` (aware); see ``set_ms``."""
        self.set_ms(to_epoch_ms(moment))
