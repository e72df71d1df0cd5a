"""Durable risk state behind a tiny key-value port, so it survives a restart.

The journal implements the port with its ``bot_state`` table; ``InMemoryRiskStateStore``
serves paper runs, backtests and tests. ``RiskState`` is the one place that knows the keys
and how values are written (plain text and JSON, readable in the database).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

__all__ = [
    "CallableRiskStateStore",
    "DayStart",
    "InMemoryRiskStateStore",
    "KillSwitchState",
    "RiskState",
    "RiskStateStore",
    "ScopedRiskStateStore",
]

_log = logging.getLogger(__name__)

KILL_SWITCH_KEY = "risk.kill_switch"
DAY_START_KEY = "risk.day_start"
DAILY_LOSS_LOCK_KEY = "risk.daily_loss_lock"
LAST_EXIT_PREFIX = "risk.last_exit."


class RiskStateStore(Protocol):
    """Where the risk engine keeps what must survive a restart: string keys, string values."""

    def get(self, key: str) -> str | None:
        """The value stored under ``key``, or ``None`` when unset."""

    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` durably before returning."""


class InMemoryRiskStateStore:
    """A ``RiskStateStore`` in a dict: for paper runs, backtests and tests (lost on exit)."""

    def __init__(self, initial: Mapping[str, str] | None = None) -> None:
        self._values: dict[str, str] = dict(initial or {})

    def get(self, key: str) -> str | None:
        """The value stored under ``key``, or ``None`` when unset."""
        return self._values.get(key)

    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""
        self._values[key] = value

    def items(self) -> dict[str, str]:
        """A copy of everything stored (for inspection)."""
        return dict(self._values)


class CallableRiskStateStore:
    """Adapts a getter and a setter to ``RiskStateStore``.

    For stores that name the methods differently, e.g.
    ``CallableRiskStateStore(journal.get_state, journal.set_state)``.
    """

    def __init__(
        self, getter: Callable[[str], str | None], setter: Callable[[str, str], None]
    ) -> None:
        self._getter = getter
        self._setter = setter

    def get(self, key: str) -> str | None:
        """The value stored under ``key``, or ``None`` when unset."""
        return self._getter(key)

    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""
        self._setter(key, value)


class CachedRiskStateStore:
    """A write-through cache over another store, re-read at most every ``max_age`` seconds.

    The risk engine reads its durable state on every check; against the journal that is a
    database round trip per key per check (half of a 50-symbol signal loop, measured). Writes
    go straight through; reads are served from memory until the cache is ``max_age`` old, so
    a kill switch set by another process still takes effect within ``max_age`` seconds.
    """

    def __init__(self, inner: RiskStateStore, max_age: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        """Wrap ``inner``; ``monotonic`` gives seconds (real time, even in a backtest)."""
        self._inner = inner
        self._max_age = max_age
        self._monotonic = monotonic
        self._values: dict[str, tuple[str | None, float]] = {}

    def get(self, key: str) -> str | None:
        """The value under ``key``, from memory while fresh, else from the inner store."""
        now = self._monotonic()
        cached = self._values.get(key)
        if cached is not None and now - cached[1] < self._max_age:
            return cached[0]
        value = self._inner.get(key)
        self._values[key] = (value, now)
        return value

    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` in the inner store, then remember it."""
        self._inner.set(key, value)
        self._values[key] = (value, self._monotonic())


class ScopedRiskStateStore:
    """One bot's share of a store several share: every key is prefixed with the trading
    mode (``paper``, ``live``, ``backtest``) and the bot id, so the daily-loss lock,
    cooldowns and kill switch of one mode never act on another kept in the same journal.

    A kill switch stored before state was scoped (``risk.kill_switch``) still applies to
    every scope until the scope's own is written: it fails safe.

    Args:
        inner: the shared store.
        mode: the trading mode this engine guards.
        bot_id: the bot's id (one bot per journal today: ``default``).
    """

    def __init__(self, inner: RiskStateStore, mode: str, bot_id: str = "default") -> None:
        """Wrap ``inner`` for one mode and bot."""
        self._inner = inner
        self._prefix = f"{mode}.{bot_id}."

    def get(self, key: str) -> str | None:
        """The scope's value under ``key`` (the unscoped kill switch when it has none)."""
        value = self._inner.get(self._prefix + key)
        if value is None and key == KILL_SWITCH_KEY:
            return self._inner.get(key)
        return value

    def set(self, key: str, value: str) -> None:
        """Store ``value`` under the scope's ``key``."""
        self._inner.set(self._prefix + key, value)


@dataclass(frozen=True, slots=True)
class KillSwitchState:
    """The manual kill switch: on or off, why, and when it last changed (UTC)."""

    on: bool
    reason: str
    changed_at: datetime | None


@dataclass(frozen=True, slots=True)
class DayStart:
    """The equity at the start of one UTC day: the base of the daily loss limit."""

    day: date
    equity: float


class RiskState:
    """Typed, durable risk state over a ``RiskStateStore``.

    Every read goes to the store, so a flag set by another process sharing it (an operator
    flipping the kill switch in the journal database) takes effect at the next check.
    Unreadable values fail safe: a garbled kill switch reads as on, a garbled daily-loss
    lock as locked until the key is rewritten.
    """

    def __init__(self, store: RiskStateStore) -> None:
        self._store = store

    def kill_switch(self) -> KillSwitchState:
        """The stored kill switch (off when never set)."""
        raw = self._store.get(KILL_SWITCH_KEY)
        if raw is None:
            return KillSwitchState(on=False, reason="", changed_at=None)
        try:
            data = json.loads(raw)
            changed_at = data.get("changed_at")
            return KillSwitchState(
                on=_strict_bool(data["on"]),
                reason=str(data.get("reason", "")),
                changed_at=None if changed_at is None else _parse_time(changed_at),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            _log.error("unreadable %s %r: treating the kill switch as on", KILL_SWITCH_KEY, raw)
            return KillSwitchState(on=True, reason=f"unreadable {KILL_SWITCH_KEY}", changed_at=None)

    def set_kill_switch(self, state: KillSwitchState) -> None:
        """Store the kill switch."""
        changed_at = None if state.changed_at is None else _format_time(state.changed_at)
        value = {"on": state.on, "reason": state.reason, "changed_at": changed_at}
        self._store.set(KILL_SWITCH_KEY, json.dumps(value))

    def day_start(self) -> DayStart | None:
        """The stored start-of-day equity, or ``None`` when unset or unreadable."""
        raw = self._store.get(DAY_START_KEY)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            equity = float(data["equity"])
            if not math.isfinite(equity):
                raise ValueError("equity is not finite")
            return DayStart(day=date.fromisoformat(data["date"]), equity=equity)
        except (ValueError, TypeError, KeyError):
            _log.error("unreadable %s %r: the next equity starts the day", DAY_START_KEY, raw)
            return None

    def set_day_start(self, start: DayStart) -> None:
        """Store the start-of-day equity."""
        value = {"date": start.day.isoformat(), "equity": start.equity}
        self._store.set(DAY_START_KEY, json.dumps(value))

    def daily_loss_lock_day(self) -> date | None:
        """The UTC date the daily-loss lock applies to, or ``None`` if it never tripped."""
        raw = self._store.get(DAILY_LOSS_LOCK_KEY)
        if raw is None or raw == "":
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            _log.error("unreadable %s %r: staying reduce-only", DAILY_LOSS_LOCK_KEY, raw)
            return date.max

    def set_daily_loss_lock_day(self, day: date) -> None:
        """Lock new entries for the UTC date ``day``."""
        self._store.set(DAILY_LOSS_LOCK_KEY, day.isoformat())

    def last_exit(self, symbol: str) -> datetime | None:
        """When a position in ``symbol`` (exchange id) last closed, or ``None``."""
        raw = self._store.get(LAST_EXIT_PREFIX + symbol)
        if raw is None:
            return None
        try:
            return _parse_time(raw)
        except ValueError:
            _log.warning("unreadable %s%s %r: no cooldown", LAST_EXIT_PREFIX, symbol, raw)
            return None

    def set_last_exit(self, symbol: str, at: datetime) -> None:
        """Remember that a position in ``symbol`` (exchange id) closed at ``at``."""
        self._store.set(LAST_EXIT_PREFIX + symbol, _format_time(at))


def _strict_bool(value: object) -> bool:
    """``value`` if it is a JSON boolean; anything else is garbage."""
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {value!r}")
    return value


def _format_time(moment: datetime) -> str:
    """ISO 8601 in UTC, e.g. ``2025-01-02T03:04:05.000006+00:00``."""
    return moment.astimezone(UTC).isoformat()


def _parse_time(text: object) -> datetime:
    """An aware UTC datetime from ISO text; a naive or non-text value is refused."""
    if not isinstance(text, str):
        raise ValueError(f"expected ISO time text, got {text!r}")
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        raise ValueError(f"naive time {text!r}")
    return moment.astimezone(UTC)
