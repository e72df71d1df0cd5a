"""Fixtures for the integration tests: a running simulator and gateways built against it."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.exchange import (
    BinanceGateway,
    ExchangeConfig,
    LookupPolicy,
    RequestGate,
    RetryPolicy,
    build_gateway,
)
from bot.sim import SimExchange, utc_now
from tests.exchange.helpers import RecordingSleep

GatewayFactory = Callable[..., BinanceGateway]


@pytest.fixture
def sim() -> Iterator[SimExchange]:
    """The simulated exchange (both halves), real HTTP on 127.0.0.1."""
    with SimExchange(clock=utc_now, rng=random.Random(1)) as running:
        yield running


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def make_gateway(sim: SimExchange, sleep: RecordingSleep) -> Iterator[GatewayFactory]:
    """Build gateways against ``sim``: with its keys unless ``keys=False``.

    Retries and order lookups wait through the recording ``sleep`` (no real waiting).
    Keyword arguments: ``keys``, ``api_secret``, ``timeout_seconds``, ``attempts``
    (retrier), ``lookups``.
    """
    built: list[BinanceGateway] = []

    def make(*, keys: bool = True, api_secret: str | None = None, timeout_seconds: float = 5.0,
             attempts: int = 4, lookups: int = 4) -> BinanceGateway:
        described: dict[str, Any] = sim.describe()
        config = ExchangeConfig(
            rest_url=str(described["rest_url"]),
            api_key=str(described["api_key"]) if keys else None,
            api_secret=(api_secret or str(described["api_secret"])) if keys else None,
            timeout_seconds=timeout_seconds,
        )
        gateway = build_gateway(
            config, utc_now, sleep=sleep, rng=random.Random(3),
            retry=RetryPolicy(max_attempts=attempts),
            lookup=LookupPolicy(attempts=lookups, delay_seconds=0.05),
            # The request gate sees the recorded waits pass, as real sleeps would.
            gate=RequestGate(lambda: utc_now() + timedelta(seconds=sum(sleep.waits))),
        )
        built.append(gateway)
        return gateway

    yield make
    for gateway in built:
        gateway.close()


@pytest.fixture
def gateway(make_gateway: GatewayFactory) -> BinanceGateway:
    """A live-mode gateway (the simulator's keys), markets loaded."""
    made = make_gateway()
    made.catalog.load()
    return made
