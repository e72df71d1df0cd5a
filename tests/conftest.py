"""Shared fixtures: paths to test data shipped with the repository, and the journal
databases (SQLite, and PostgreSQL on a throw-away server) the SQL suites run on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PostgresServer, find_bin_dir

DATA_DIR = Path(__file__).resolve().parent / "data"
RECORDED_CSV = DATA_DIR / "binance-force-orders-2025-01.csv"


@pytest.fixture
def recorded_csv() -> Path:
    """The real Binance forceOrder recording (3,510 rows, see tests/data/README.md)."""
    return RECORDED_CSV


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL server for the whole session (skips where none is installed)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (initdb/pg_ctl); .ci/run installs it")
    server = PostgresServer(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(params=["sqlite", "postgresql"])
def journal_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty journal database: a SQLite file not yet created, or a fresh
    PostgreSQL database on the session's server (the test runs once on each)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'journal.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()
