"""Fixtures for the journal tests: a real database per test (a SQLite file, and a PostgreSQL
database: ``journal_url`` runs each test on both), migrated by real Alembic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.journal import JournalRepository, create_engine_for, make_session_factory, upgrade_to_head

from .builders import FakeClock


@pytest.fixture
def db_url(journal_url: str) -> str:
    """URL of an empty database (for SQLite, a file in a directory not created yet)."""
    return journal_url


@pytest.fixture
def migrated_url(db_url: str) -> str:
    """URL of a database upgraded to the newest schema."""
    upgrade_to_head(db_url)
    return db_url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """An engine on the migrated database, disposed after the test."""
    engine = create_engine_for(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """A hand-moved clock starting at ``T0``."""
    return FakeClock()


@pytest.fixture
def repo(engine: Engine, clock: FakeClock) -> JournalRepository:
    """A repository on the migrated database with the fake clock."""
    return JournalRepository(make_session_factory(engine), clock)
