"""Fixtures for live-venue tests: a still simulator, a gateway, a journal file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app.live import LiveJournal
from bot.exchange import BinanceGateway
from bot.sim import SimExchange
from tests.execution.live.helpers import make_gateway, make_journal, start_sim


@pytest.fixture
def sim() -> Iterator[SimExchange]:
    running = start_sim()
    yield running
    running.stop()


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def gateway(sim: SimExchange, waits: list[float]) -> Iterator[BinanceGateway]:
    made = make_gateway(sim, waits.append)
    yield made
    made.close()


@pytest.fixture
def journal(tmp_path: Path) -> LiveJournal:
    return make_journal(tmp_path / "journal.db")
