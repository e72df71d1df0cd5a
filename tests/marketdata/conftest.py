"""Fixtures: migrated stores (SQLite and PostgreSQL) and a recording of the simulated market."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.journal import create_engine_for, upgrade_to_head
from bot.marketdata.store import HistoryStore
from tests.marketdata.simdata import record_sim_market

SIM_SECONDS = 3600


def make_store(path: Path) -> HistoryStore:
    """A migrated store in the SQLite file ``path``."""
    url = f"sqlite:///{path}"
    upgrade_to_head(url)
    return HistoryStore(create_engine_for(url))


@pytest.fixture
def store(journal_url: str) -> Iterator[HistoryStore]:
    """An empty store in a fresh database (each test runs on SQLite and on PostgreSQL)."""
    upgrade_to_head(journal_url)
    made = HistoryStore(create_engine_for(journal_url))
    yield made
    made.engine.dispose()


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file holding one hour of the seeded simulated market, recorded (built once)."""
    path = tmp_path_factory.mktemp("sim") / "sim.db"
    made = make_store(path)
    record_sim_market(made, seconds=SIM_SECONDS)
    made.engine.dispose()
    return path
