"""The risk engine: the one check every entry intent passes, plus the state it keeps.

Durable state (kill switch, start-of-day equity, daily-loss lock, last exit per symbol) lives
in the injected ``RiskStateStore``; only the order-rate window is in memory, since a restart
takes longer than it matters.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from bot.clock import Clock
from bot.domain import EntryIntent, ExitIntent
from bot.risk.decision import RiskContext, RiskDecision, RiskReason, require_aware
from bot.risk.gates import (
    check_cooldown,
    check_heatmap_fresh,
    check_not_in_position,
    check_open_positions,
    check_order_rate,
    check_price_fresh,
)
from bot.risk.limits import RiskLimits
from bot.risk.sizing import check_stop, size_entry
from bot.risk.state import DayStart, KillSwitchState, RiskState, RiskStateStore
from bot.symbols import to_exchange_id

__all__ = ["Clock", "RiskEngine"]

_log = logging.getLogger(__name__)

"""A function returning the current time as an aware UTC datetime."""

ORDER_WINDOW = timedelta(seconds=60)

# Float noise must not keep a loss of exactly the limit from tripping the lock: allow a
# billionth of the day's equity (far below a cent for any real account).
_LOSS_TOLERANCE = 1e-9

Gate = Callable[[], RiskDecision | None]


class RiskEngine:
    """Approves and sizes entries, or refuses them with a reason; never blocks exits.

    Args:
        limits: The limits to enforce.
        state_store: Durable key-value store for state that must survive a restart.
        clock: Returns the current aware UTC time; used where the caller gives no time.
    """

    def __init__(self, limits: RiskLimits, state_store: RiskStateStore, clock: Clock) -> None:
        self._limits = limits
        self._state = RiskState(state_store)
        self._clock = clock
        self._orders: list[datetime] = []

    @property
    def limits(self) -> RiskLimits:
        """The limits this engine enforces."""
        return self._limits

    def check(self, intent: EntryIntent, context: RiskContext) -> RiskDecision:
        """Approve and size ``intent``, or refuse it with the first reason that applies.

        The order of checks: kill switch, daily-loss lock, stale price, stale heatmap,
        already in a position on the symbol, max open positions, cooldown, orders per
        minute, stop sanity, sizing. ``context.equity`` is also recorded as by
        ``record_equity``, so the daily-loss lock trips even between equity snapshots.
        An approval does not count toward the order rate: call ``record_order`` on sending.
        """
        now = _utc("context.now", context.now)
        self.record_equity(now, context.equity)
        decision = self._first_rejection(intent, context, now) or size_entry(
            intent,
            equity=context.equity,
            open_notional=context.open_notional,
            limits=self._limits,
        )
        if decision.approved:
            _log.debug("risk approved %s %s: %s", intent.side, intent.symbol, decision.detail)
        else:
            _log.info(
                "risk refused %s %s: %s (%s)",
                intent.side,
                intent.symbol,
                decision.reason,
                decision.detail,
            )
        return decision

    def check_exit(self, intent: ExitIntent) -> RiskDecision:
        """Approve an exit: reduce-only, kill switch and every limit still allow closing."""
        return RiskDecision.approve(
            None, f"exit of {intent.symbol} ({intent.reason}) is never blocked by risk"
        )

    def record_order(self, now: datetime | None = None) -> None:
        """Count an entry order sent at ``now`` (default: the clock) toward the order rate."""
        self._orders.append(self._now_or_clock(now))

    def record_exit(self, symbol: str, now: datetime | None = None) -> None:
        """Start the cooldown of ``symbol`` (either name form) from ``now`` (default: clock)."""
        self._state.set_last_exit(to_exchange_id(symbol), self._now_or_clock(now))

    def record_equity(self, now: datetime, equity: float) -> bool:
        """Observe account equity (unrealised PnL included) at ``now``.

        The first observation of each UTC day becomes that day's starting equity. When
        equity falls to ``start × (1 − daily_loss_limit_pct / 100)`` or below, the daily-loss
        lock trips: reduce-only until the next UTC midnight, stored durably.

        Returns:
            True when this call tripped the lock (so the caller can journal it once).
        """
        now = _utc("now", now)
        if not math.isfinite(equity):
            _log.warning("ignoring non-finite equity %r", equity)
            return False
        today = now.date()
        start = self._state.day_start()
        if start is None or start.day != today:
            start = DayStart(day=today, equity=equity)
            self._state.set_day_start(start)
            _log.info("UTC day %s starts with equity %.2f USDT", today, equity)
        if start.equity <= 0 or self._locked_on(today):
            return False
        floor = start.equity * (1 - self._limits.daily_loss_limit_pct / 100)
        if equity > floor + start.equity * _LOSS_TOLERANCE:
            return False
        self._state.set_daily_loss_lock_day(today)
        _log.warning(
            "daily loss limit hit: equity %.2f ≤ %.2f USDT (%g %% below %.2f): "
            "reduce-only until %s 00:00 UTC",
            equity,
            floor,
            self._limits.daily_loss_limit_pct,
            start.equity,
            today + timedelta(days=1),
        )
        return True

    def is_reduce_only(self, now: datetime | None = None) -> bool:
        """Whether new entries are refused now: kill switch on or daily-loss lock active."""
        return self.kill_switch.on or self.is_daily_loss_locked(now)

    def is_daily_loss_locked(self, now: datetime | None = None) -> bool:
        """Whether the daily-loss lock holds on the UTC day of ``now`` (default: clock)."""
        return self._locked_on(self._now_or_clock(now).date())

    @property
    def kill_switch(self) -> KillSwitchState:
        """The kill switch in force: the limits' ``kill_switch`` or the stored switch."""
        if self._limits.kill_switch:
            return KillSwitchState(
                on=True, reason="kill_switch set in risk limits", changed_at=None
            )
        return self._state.kill_switch()

    def set_kill_switch(self, on: bool, reason: str) -> None:
        """Turn the manual kill switch on or off, durably; ``reason`` is kept with it."""
        self._state.set_kill_switch(KillSwitchState(on=on, reason=reason, changed_at=self._clock()))
        _log.warning("kill switch %s: %s", "on" if on else "off", reason)
        if not on and self._limits.kill_switch:
            _log.warning("kill switch stays on: it is set in the risk limits (configuration)")

    def orders_in_window(self, now: datetime | None = None) -> int:
        """Entry orders recorded in the 60 s before ``now`` (an order exactly 60 s old is out)."""
        moment = self._now_or_clock(now)
        self._orders = [sent for sent in self._orders if moment - sent < ORDER_WINDOW]
        return len(self._orders)

    def _first_rejection(
        self, intent: EntryIntent, context: RiskContext, now: datetime
    ) -> RiskDecision | None:
        """The first gate that refuses ``intent``, in the documented order, or ``None``."""
        limits = self._limits
        symbol = to_exchange_id(intent.symbol)
        # Lazily evaluated, so a refusal stops before the later gates read the store.
        gates: tuple[Gate, ...] = (
            self._kill_switch_gate,
            lambda: self._daily_loss_gate(now.date()),
            lambda: check_price_fresh(context, limits),
            lambda: check_heatmap_fresh(context, limits),
            lambda: check_not_in_position(symbol, context),
            lambda: check_open_positions(context, limits),
            lambda: check_cooldown(symbol, self._state.last_exit(symbol), now, limits),
            lambda: check_order_rate(self.orders_in_window(now), limits),
            lambda: check_stop(intent),
        )
        for gate in gates:
            rejection = gate()
            if rejection is not None:
                return rejection
        return None

    def _kill_switch_gate(self) -> RiskDecision | None:
        """Refuse every entry while the kill switch is on."""
        switch = self.kill_switch
        if not switch.on:
            return None
        since = "" if switch.changed_at is None else f" since {switch.changed_at.isoformat()}"
        return RiskDecision.reject(
            RiskReason.KILL_SWITCH, f"kill switch on{since}: {switch.reason}"
        )

    def _daily_loss_gate(self, today: date) -> RiskDecision | None:
        """Refuse entries on a UTC day whose loss reached the daily limit."""
        if not self._locked_on(today):
            return None
        start = self._state.day_start()
        base = "" if start is None else f" of the day's starting equity {start.equity:.2f} USDT"
        return RiskDecision.reject(
            RiskReason.DAILY_LOSS_LOCK,
            f"loss reached daily_loss_limit_pct {self._limits.daily_loss_limit_pct:g} %{base}: "
            f"reduce-only until {today + timedelta(days=1)} 00:00 UTC",
        )

    def _locked_on(self, today: date) -> bool:
        """Whether the stored lock covers ``today`` (a lock dated later also holds)."""
        lock_day = self._state.daily_loss_lock_day()
        return lock_day is not None and lock_day >= today

    def _now_or_clock(self, now: datetime | None) -> datetime:
        """``now`` in UTC, or the clock's time when the caller gave none."""
        return _utc("now", self._clock() if now is None else now)


def _utc(name: str, moment: datetime) -> datetime:
    """``moment`` converted to UTC; a naive datetime is refused with ``ValueError``."""
    require_aware(name, moment)
    return moment.astimezone(UTC)
