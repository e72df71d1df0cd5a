"""Fixtures for the REST simulator tests: a running simulated exchange and a ccxt client."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from bot.sim import SimExchange, utc_now
from tests.sim_rest.helpers import QUIET, make_client


@pytest.fixture
def sim() -> Iterator[SimExchange]:
    """A simulated exchange whose prices stay put unless a test moves them."""
    with SimExchange(clock=utc_now, rng=random.Random(5), market=QUIET) as running:
        yield running


@pytest.fixture
def client(sim: SimExchange) -> Any:
    """Real ccxt ``binanceusdm`` with the simulator's credentials, markets loaded."""
    exchange = make_client(sim.rest_url, sim.credentials.api_key, sim.credentials.api_secret)
    exchange.load_markets()
    return exchange
