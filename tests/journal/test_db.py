"""The engine factory's settings and the UTC column type, on real SQLite files and a real
PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from bot.journal import create_engine_for, make_session_factory
from bot.journal.db import CRASH_SAFE_ONLY
from bot.journal.models import BotStateRow, FillRow, TradeRow
from tests.support.databases import sqlite_only

from .builders import T0


@sqlite_only
@pytest.mark.parametrize(
    ("pragma", "expected"),
    [
        ("journal_mode", "wal"),
        ("synchronous", 2),  # FULL
        ("foreign_keys", 1),
        ("busy_timeout", 5000),
    ],
)
def test_every_connection_gets_the_journal_pragmas(
    engine: Engine, pragma: str, expected: object
) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected


@sqlite_only
def test_a_crash_safe_only_transaction_commits_at_normal_and_the_next_one_at_full(
    engine: Engine,
) -> None:
    with engine.connect() as connection:
        connection.execution_options(**{CRASH_SAFE_ONLY: True})
        connection.exec_driver_sql("SELECT 1")  # begins the transaction
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        connection.commit()
        connection.execution_options(**{CRASH_SAFE_ONLY: False})
        connection.exec_driver_sql("SELECT 1")
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL again
        connection.commit()
        # A backtest's own connection (its listener sets OFF outside any transaction).
        dbapi = connection.connection.dbapi_connection
        assert dbapi is not None
        dbapi.execute("PRAGMA synchronous=OFF")
        for crash_safe_only in (True, False):
            connection.execution_options(**{CRASH_SAFE_ONLY: crash_safe_only})
            connection.exec_driver_sql("SELECT 1")
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 0  # kept
            connection.commit()


def test_missing_parent_directories_are_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "journal.db"
    engine = create_engine_for(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    finally:
        engine.dispose()

    assert path.is_file()


def test_in_memory_databases_work_without_a_file() -> None:
    engine = create_engine_for("sqlite://")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "stored",
    [
        T0,
        datetime(2026, 6, 30, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5))),  # non-UTC offset
    ],
)
def test_datetimes_come_back_timezone_aware_utc(engine: Engine, stored: datetime) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        session.add(BotStateRow(key="k", value="v", updated_at=stored))

    with sessions() as session:
        loaded = session.scalars(select(BotStateRow.updated_at)).one()

    assert loaded.tzinfo is UTC
    assert loaded == stored


@sqlite_only
def test_stored_text_is_utc_whatever_the_offset_given(engine: Engine) -> None:
    new_york = datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5)))
    with make_session_factory(engine).begin() as session:
        session.add(BotStateRow(key="k", value="v", updated_at=new_york))

    with engine.connect() as connection:
        raw = connection.exec_driver_sql("SELECT updated_at FROM bot_state").scalar()

    assert str(raw).startswith("2026-03-01 14:00:00")


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    naive = datetime(2026, 1, 1)  # noqa: DTZ001 (the point of the test)
    with (
        pytest.raises(StatementError, match="naive datetime"),
        make_session_factory(engine).begin() as session,
    ):
        session.add(BotStateRow(key="k", value="v", updated_at=naive))


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    fill = FillRow(order_id=999, price=1.0, quantity=1.0, fee=0.0, time=T0)
    with pytest.raises(IntegrityError), make_session_factory(engine).begin() as session:
        session.add(fill)


@pytest.mark.parametrize(
    ("column", "value"),
    [("mode", "demo"), ("status", "half_open"), ("side", "buy")],
)
def test_check_constraints_refuse_unknown_trade_vocabulary(
    engine: Engine, column: str, value: str
) -> None:
    values = {"mode": "paper", "status": "open", "side": "long", column: value}
    trade = TradeRow(
        symbol="BTCUSDT", entry_time=T0, entry_price=1.0, quantity=1.0, fees=0.0, **values
    )
    with pytest.raises(IntegrityError), make_session_factory(engine).begin() as session:
        session.add(trade)


@sqlite_only
def test_sqlalchemy_emits_begin_so_ddl_is_transactional(engine: Engine) -> None:
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
        transaction.rollback()

    with engine.connect() as connection:
        names = connection.exec_driver_sql("SELECT name FROM sqlite_master").scalars().all()
    assert "scratch" not in names
