"""Marks for tests that only make sense on one database of the ``journal_url`` pair."""

from __future__ import annotations

import pytest

sqlite_only = pytest.mark.parametrize("journal_url", ["sqlite"], indirect=True)
"""Run the test on the SQLite journal only (it checks SQLite's own settings or files)."""

postgresql_only = pytest.mark.parametrize("journal_url", ["postgresql"], indirect=True)
"""Run the test on the PostgreSQL journal only (it drives the server: kills, restarts)."""
