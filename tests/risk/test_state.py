"""Durable state: kill switch and cooldown survive a restart; garbled values fail safe."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from bot.journal import JournalRepository, create_engine_for, make_session_factory, upgrade_to_head
from bot.risk import CallableRiskStateStore, InMemoryRiskStateStore, RiskLimits, RiskStateStore

from .helpers import LOOSE, T0, FakeClock, context, engine, intent


def test_kill_switch_survives_a_restart_with_its_reason_and_time() -> None:
    store = InMemoryRiskStateStore()
    engine(LOOSE, store, FakeClock(T0)).set_kill_switch(True, "exchange maintenance")

    after = engine(LOOSE, store)
    decision = after.check(intent(), context())

    assert after.is_reduce_only(T0)
    assert after.kill_switch.on
    assert after.kill_switch.changed_at == T0
    assert decision.reason == "kill_switch"
    assert decision.detail == (
        "kill switch on since 2025-01-02T12:00:00+00:00: exchange maintenance"
    )


def test_kill_switch_off_survives_a_restart() -> None:
    store = InMemoryRiskStateStore()
    first = engine(LOOSE, store)
    first.set_kill_switch(True, "panic")
    first.set_kill_switch(False, "calm again")

    assert engine(LOOSE, store).check(intent(), context()).approved


def test_kill_switch_in_the_limits_cannot_be_lifted_at_run_time() -> None:
    risk = engine(RiskLimits(kill_switch=True))

    risk.set_kill_switch(False, "try")

    assert risk.is_reduce_only(T0)
    assert risk.check(intent(), context()).reason == "kill_switch"


def test_cooldown_survives_a_restart() -> None:
    store = InMemoryRiskStateStore()
    engine(LOOSE, store).record_exit("BTC/USDT:USDT", T0)

    after = engine(LOOSE, store)

    assert after.check(intent(), context(now=T0 + timedelta(seconds=299))).reason == "cooldown"
    assert after.check(intent(), context(now=T0 + timedelta(seconds=300))).approved


def test_record_calls_default_to_the_clock() -> None:
    clock = FakeClock(T0)
    risk = engine(RiskLimits(max_orders_per_minute=1, cooldown_seconds=10), clock=clock)

    risk.record_order()
    risk.record_exit("ETHUSDT")
    clock.advance(5)

    assert risk.orders_in_window() == 1
    assert risk.check(intent("ETHUSDT"), context(now=clock.now)).reason == "cooldown"


@pytest.mark.parametrize(
    ("recorded", "now", "count"),
    [
        ((0, 10, 20), 59.999999, 3),
        ((0, 10, 20), 60, 2),  # exactly 60 s old: out of the window
        ((0, 10, 20), 70, 1),
        ((0, 10, 20), 80, 0),
        ((20, 0, 10), 60, 2),  # recorded out of order
    ],
)
def test_order_window_slides(recorded: tuple[float, ...], now: float, count: int) -> None:
    risk = engine(RiskLimits(max_orders_per_minute=3))
    for offset in recorded:
        risk.record_order(T0 + timedelta(seconds=offset))
    moment = T0 + timedelta(seconds=now)

    reason = risk.check(intent(), context(now=moment)).reason

    assert risk.orders_in_window(moment) == count
    assert (reason == "orders_per_minute") is (count >= 3)


@pytest.mark.parametrize(
    ("key", "value", "reduce_only"),
    [
        ("risk.kill_switch", "not json", True),
        ("risk.kill_switch", json.dumps({"on": "no"}), True),
        ("risk.kill_switch", json.dumps({"on": False, "changed_at": "yesterday"}), True),
        ("risk.kill_switch", json.dumps({"on": False, "reason": "", "changed_at": None}), False),
        ("risk.daily_loss_lock", "garbage", True),
        ("risk.daily_loss_lock", "2025-01-01", False),
        ("risk.daily_loss_lock", "", False),
        ("risk.day_start", "{}", False),
    ],
)
def test_garbled_stored_values_fail_safe(key: str, value: str, reduce_only: bool) -> None:
    risk = engine(store=InMemoryRiskStateStore({key: value}))

    assert risk.is_reduce_only(T0) is reduce_only


def test_garbled_day_start_is_replaced_by_the_next_equity() -> None:
    store = InMemoryRiskStateStore({"risk.day_start": "oops"})
    risk = engine(store=store)

    risk.record_equity(T0, 10_000.0)

    assert json.loads(store.items()["risk.day_start"]) == {"date": "2025-01-02", "equity": 1e4}


def test_garbled_last_exit_means_no_cooldown() -> None:
    store = InMemoryRiskStateStore({"risk.last_exit.BTCUSDT": "2025-01-02T12:00:00"})

    assert engine(LOOSE, store).check(intent(), context()).approved


@pytest.fixture
def journal_url(tmp_path: Path) -> str:
    """A real SQLite journal file, migrated to the newest schema."""
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    upgrade_to_head(url)
    return url


@contextmanager
def journal_store(url: str) -> Iterator[tuple[RiskStateStore, JournalRepository]]:
    """One process's view of the journal: its own SQLAlchemy engine, disposed afterwards."""
    db = create_engine_for(url)
    try:
        repo = JournalRepository(make_session_factory(db), FakeClock())
        yield CallableRiskStateStore(repo.get_state, repo.set_state), repo
    finally:
        db.dispose()


def test_daily_loss_lock_survives_a_restart_over_the_real_journal(journal_url: str) -> None:
    with journal_store(journal_url) as (store, _repo):
        before = engine(LOOSE, store)
        before.record_equity(T0, 10_000.0)
        before.record_equity(T0, 9_000.0)
        before.set_kill_switch(False, "explicitly off")

    with journal_store(journal_url) as (store, repo):
        after = engine(LOOSE, store)
        decision = after.check(intent(), context(equity=9_000.0))

        assert repo.get_state("risk.daily_loss_lock") == "2025-01-02"
        assert decision.reason == "daily_loss_lock"
        assert not after.kill_switch.on


def test_cached_store_writes_through_and_rereads_after_max_age() -> None:
    from bot.risk import CachedRiskStateStore, InMemoryRiskStateStore

    inner = InMemoryRiskStateStore()
    now = [0.0]
    cached = CachedRiskStateStore(inner, max_age=1.0, monotonic=lambda: now[0])
    cached.set("k", "a")
    assert inner.get("k") == "a"
    inner.set("k", "b")  # another process changes it
    assert cached.get("k") == "a"  # still fresh in memory
    now[0] = 1.0
    assert cached.get("k") == "b"  # re-read once max_age has passed
    assert cached.get("missing") is None
