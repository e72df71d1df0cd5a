"""Fixtures for the execution tests: a paper venue on a manual clock."""

from __future__ import annotations

import pytest

from bot.execution import PaperConfig, PaperExecution

from .helpers import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    """A clock standing at ``T0`` until a test moves it."""
    return ManualClock()


@pytest.fixture
def venue(clock: ManualClock) -> PaperExecution:
    """A paper venue with the default config: 10,000 USDT, 0.05 % taker fee, 2 bps slippage."""
    return PaperExecution(PaperConfig(), clock)
