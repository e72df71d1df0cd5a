"""``BinanceGateway.fetch_open_interest_history`` through real ccxt against the simulator."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import ConfigError
from bot.sim import SimExchange, utc_now
from tests.exchange.conftest import GatewayFactory

HISTORY = "GET /futures/data/openInterestHist"
PERIOD = timedelta(minutes=5)


def _period(moment: datetime) -> datetime:
    return moment.replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)


def test_a_day_of_five_minute_open_interest_comes_in_windows_without_gaps(
    sim: SimExchange, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(keys=False)  # public data
    until = _period(utc_now())
    since = until - 600 * PERIOD  # more than one request's 500 entries

    points = gateway.fetch_open_interest_history("BTC/USDT:USDT", since, until)

    assert len(points) == 600
    assert points[0].time == since
    assert points[-1].time == until - PERIOD
    assert {b.time - a.time for a, b in itertools.pairwise(points)} == {PERIOD}
    assert all(p.symbol == "BTCUSDT" and p.amount > 0 and p.time.tzinfo is UTC for p in points)
    assert sim.rest.stats().by_endpoint[HISTORY] == 2


def test_an_unknown_period_names_it(make_gateway: GatewayFactory) -> None:
    gateway = make_gateway(keys=False)
    now = utc_now()

    with pytest.raises(ConfigError, match="7m"):
        gateway.fetch_open_interest_history("BTCUSDT", now - PERIOD, now, period="7m")
