"""Fixtures for the simulator tests: a running server, a manual clock, real WS clients."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import websocket

from bot.sim import Faults, SimWsServer, utc_now
from tests.sim.helpers import CLIENT_TIMEOUT_S, Connect, ManualClock


@pytest.fixture
def manual_clock() -> ManualClock:
    # 400 ms into a second, so a throttle window boundary is 600 ms ahead.
    return ManualClock(datetime(2026, 5, 4, 12, 0, 0, 400_000, tzinfo=UTC))


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def server(faults: Faults) -> Iterator[SimWsServer]:
    with SimWsServer(clock=utc_now, rng=random.Random(7), faults=faults) as running:
        yield running


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Open real websocket-client connections; all are closed after the test."""
    opened: list[websocket.WebSocket] = []

    def open_connection(url: str) -> websocket.WebSocket:
        ws = websocket.create_connection(url, timeout=CLIENT_TIMEOUT_S)
        opened.append(ws)
        return ws

    yield open_connection
    for ws in opened:
        ws.close(timeout=0.2)
