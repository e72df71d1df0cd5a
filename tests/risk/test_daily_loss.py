"""The daily loss limit: trips at exactly the limit, survives a restart, clears at UTC midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.risk import InMemoryRiskStateStore, RiskLimits

from .helpers import LOOSE, T0, FakeClock, context, engine, intent

MIDNIGHT = datetime(2025, 1, 3, tzinfo=UTC)
"""The UTC midnight after ``T0``."""


@pytest.mark.parametrize(
    ("start", "pct", "equity", "locked"),
    [
        (10_000.0, 5.0, 9_500.0, True),  # exactly 5 % down
        (10_000.0, 5.0, 9_500.01, False),  # a cent short of it
        (10_000.0, 5.0, 9_000.0, True),  # well past it
        (1_234.56, 2.5, 1_203.696, True),  # exactly 2.5 %, not exact in binary
        (1_234.56, 2.5, 1_203.70, False),
        (10_000.0, 100.0, 0.0, True),  # everything lost
        (10_000.0, 5.0, 10_500.0, False),  # a gain
    ],
)
def test_lock_trips_at_exactly_the_limit(
    start: float, pct: float, equity: float, locked: bool
) -> None:
    risk = engine(RiskLimits(daily_loss_limit_pct=pct))
    risk.record_equity(T0, start)

    tripped = risk.record_equity(T0 + timedelta(minutes=1), equity)

    assert tripped is locked
    assert risk.is_reduce_only(T0) is locked
    assert risk.is_daily_loss_locked(T0) is locked


def test_loss_counts_from_the_day_start_not_from_the_peak() -> None:
    risk = engine()
    risk.record_equity(T0, 10_000.0)
    risk.record_equity(T0 + timedelta(hours=1), 11_000.0)

    assert not risk.record_equity(T0 + timedelta(hours=2), 9_500.01)
    assert risk.record_equity(T0 + timedelta(hours=3), 9_500.0)


def test_lock_trips_once_and_reports_it_once() -> None:
    risk = engine()
    risk.record_equity(T0, 10_000.0)

    first = risk.record_equity(T0, 9_000.0)
    again = risk.record_equity(T0, 8_000.0)

    assert (first, again) == (True, False)


def test_check_trips_the_lock_from_the_context_equity() -> None:
    risk = engine(LOOSE)
    assert risk.check(intent(), context(equity=10_000.0)).approved

    decision = risk.check(intent(), context(equity=9_500.0))

    assert decision.reason == "daily_loss_lock"
    assert "reduce-only until 2025-01-03 00:00 UTC" in decision.detail


def test_lock_survives_a_restart_on_the_same_utc_day() -> None:
    store = InMemoryRiskStateStore()
    before = engine(LOOSE, store)
    before.record_equity(T0, 10_000.0)
    before.record_equity(T0, 9_400.0)

    after = engine(LOOSE, store)  # a new process over the same durable store
    last_moment = MIDNIGHT - timedelta(microseconds=1)
    decision = after.check(intent(), context(now=last_moment, equity=9_400.0))

    assert after.is_reduce_only(last_moment)
    assert decision.reason == "daily_loss_lock"


def test_lock_clears_after_utc_midnight_even_after_a_restart() -> None:
    store = InMemoryRiskStateStore()
    before = engine(LOOSE, store)
    before.record_equity(T0, 10_000.0)
    before.record_equity(T0, 9_400.0)

    after = engine(LOOSE, store, FakeClock(MIDNIGHT))
    decision = after.check(intent(), context(now=MIDNIGHT, equity=9_400.0))

    assert not after.is_reduce_only()  # the clock says midnight
    assert decision.approved, decision.detail
    # The new day starts from 9 400: a further 5 % (470) trips it again.
    assert not after.record_equity(MIDNIGHT, 8_930.01)
    assert after.record_equity(MIDNIGHT, 8_930.0)


def test_utc_day_holds_whatever_the_time_zone_of_now() -> None:
    risk = engine()
    risk.record_equity(T0, 10_000.0)
    risk.record_equity(T0, 9_000.0)
    plus_two = timezone(timedelta(hours=2))

    # 01:00 on 3 January at UTC+2 is still 2 January in UTC; 02:00 is the next UTC day.
    assert risk.is_reduce_only(datetime(2025, 1, 3, 1, 0, tzinfo=plus_two))
    assert not risk.is_reduce_only(datetime(2025, 1, 3, 2, 0, tzinfo=plus_two))


@pytest.mark.parametrize("equity", [float("nan"), float("inf")])
def test_non_finite_equity_is_ignored(equity: float) -> None:
    risk = engine()
    risk.record_equity(T0, 10_000.0)

    assert not risk.record_equity(T0, equity)
    assert not risk.is_reduce_only(T0)


def test_no_lock_without_positive_starting_equity() -> None:
    risk = engine()
    risk.record_equity(T0, 0.0)

    assert not risk.record_equity(T0, -10.0)
