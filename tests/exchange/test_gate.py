"""Case 6 of issue 11: one brake for every request, public or signed (429 / 418)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from bot.clock import ManualClock, utc_now
from bot.errors import IpBanned, RateLimited
from bot.exchange import (
    BinanceGateway,
    ExchangeConfig,
    MarkPriceFeed,
    RequestGate,
    RetryPolicy,
    build_gateway,
)
from bot.sim import SimExchange


def _pair(sim: SimExchange, gate: RequestGate) -> tuple[BinanceGateway, BinanceGateway]:
    """A public (no keys) and a signed gateway sharing ``gate``, as the bot builds them."""
    described: dict[str, Any] = sim.describe()
    made = []
    for keys in (False, True):
        config = ExchangeConfig(
            rest_url=str(described["rest_url"]),
            api_key=str(described["api_key"]) if keys else None,
            api_secret=str(described["api_secret"]) if keys else None)
        made.append(build_gateway(config, utc_now, sleep=lambda _s: None,
                                  rng=random.Random(3), retry=RetryPolicy(max_attempts=1),
                                  gate=gate))
    return made[0], made[1]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(utc_now())


@pytest.fixture
def gate(clock: ManualClock) -> RequestGate:
    return RequestGate(clock)


@pytest.fixture
def pair(sim: SimExchange, gate: RequestGate) -> Iterator[tuple[BinanceGateway,
                                                                BinanceGateway]]:
    public, signed = _pair(sim, gate)
    yield public, signed
    public.close()
    signed.close()


def test_a_ban_on_the_public_feed_stops_the_signed_side_until_it_ends(
    sim: SimExchange, clock: ManualClock, gate: RequestGate,
    pair: tuple[BinanceGateway, BinanceGateway],
) -> None:
    # Arrange
    public, signed = pair
    feed = MarkPriceFeed(public, clock, 5.0)
    feed.poll()
    sim.rest.faults.ban_seconds = 25
    sim.rest.faults.ban_next = 1

    # Act: the price poll meets the ban; then both sides keep trying for a while
    with pytest.raises(IpBanned):
        feed.poll()
    sent = sim.rest.stats().requests
    for _ in range(20):
        with pytest.raises(IpBanned):
            signed.fetch_balance()
        with pytest.raises(IpBanned):
            feed.poll()
        clock.advance(1.0)

    # Assert: not one request left during the ban; after it, both sides work again
    assert sim.rest.stats().requests == sent
    assert gate.blocked_reason() is not None
    assert "418" in (gate.blocked_reason() or "")
    clock.advance(6.0)
    assert gate.blocked_reason() is None
    assert signed.fetch_balance().total > 0
    assert feed.poll()


def test_a_429_on_the_signed_side_holds_the_public_feed_for_its_retry_after(
    sim: SimExchange, clock: ManualClock, pair: tuple[BinanceGateway, BinanceGateway],
) -> None:
    public, signed = pair
    sim.rest.faults.retry_after_seconds = 3
    sim.rest.faults.rate_limit_next = 1

    with pytest.raises(RateLimited):
        signed.fetch_balance()
    sent = sim.rest.stats().requests
    with pytest.raises(RateLimited) as held:
        public.fetch_mark_prices()

    assert sim.rest.stats().requests == sent
    assert held.value.retry_after == pytest.approx(3.0)
    clock.advance(3.01)  # the manual clock keeps milliseconds
    assert public.fetch_mark_prices()
