"""Shared fixtures: paths to test data shipped with the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parent / "data"
RECORDED_CSV = DATA_DIR / "binance-force-orders-2025-01.csv"


@pytest.fixture
def recorded_csv() -> Path:
    """The real Binance forceOrder recording (3,510 rows, see tests/data/README.md)."""
    return RECORDED_CSV
