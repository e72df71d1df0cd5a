"""``BinanceGateway.fetch_candles`` through real ccxt against the simulator's klines."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import to_epoch_ms
from bot.errors import ConfigError, InvalidOrder
from bot.exchange import Candle
from bot.sim import SimExchange, utc_now
from bot.sim.rest.klines import kline
from tests.exchange.conftest import GatewayFactory

KLINES = "GET /fapi/v1/klines"
MINUTE = timedelta(minutes=1)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def test_more_than_1500_bars_come_in_pages_without_gaps_or_repeats(
    sim: SimExchange, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(keys=False)  # public data: no keys needed
    until = _minute(utc_now()) - 10 * MINUTE
    since = until - 2_100 * MINUTE

    candles = gateway.fetch_candles("BTCUSDT", "1m", since, until)

    assert len(candles) == 2_100
    assert candles[0].open_time == since
    assert candles[-1].open_time == until - MINUTE
    steps = {b.open_time - a.open_time for a, b in itertools.pairwise(candles)}
    assert steps == {MINUTE}
    assert sim.rest.stats().by_endpoint[KLINES] == 3  # pages of 1000 (ccxt's cap)


def test_candles_match_the_simulators_answer(
    sim: SimExchange, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(keys=False)
    until = _minute(utc_now()) - 5 * MINUTE
    spec = sim.market.spec("ETHUSDT")

    candles = gateway.fetch_candles("ETH/USDT:USDT", "5m", until - 60 * MINUTE, until)

    assert candles
    for candle in candles:
        raw = kline(spec, to_epoch_ms(candle.open_time), 300_000)
        assert candle == Candle("ETHUSDT", candle.open_time, float(str(raw[1])),
                                float(str(raw[2])), float(str(raw[3])), float(str(raw[4])),
                                float(str(raw[5])))
        assert candle.open_time.tzinfo is UTC
        assert candle.low <= min(candle.open, candle.close) <= candle.high


def test_the_same_request_always_gives_the_same_candles_near_the_market(
    sim: SimExchange, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(keys=False)
    until = _minute(utc_now()) - 2 * MINUTE
    since = until - 30 * MINUTE

    first = gateway.fetch_candles("BTCUSDT", "1m", since, until)
    second = gateway.fetch_candles("BTCUSDT", "1m", since, until)

    assert first == second
    market = sim.market.price("BTCUSDT")
    assert abs(first[-1].close / market - 1) < 0.25


def test_future_bars_do_not_exist_and_bad_requests_raise_project_errors(
    make_gateway: GatewayFactory,
) -> None:
    gateway = make_gateway(keys=False)
    now = utc_now()

    assert gateway.fetch_candles("BTCUSDT", "1h", now + timedelta(hours=1),
                                 now + timedelta(hours=5)) == []
    with pytest.raises(ConfigError, match="timeframe"):
        gateway.fetch_candles("BTCUSDT", "7m", now - timedelta(hours=1), now)
    with pytest.raises(InvalidOrder, match="unknown symbol"):
        gateway.fetch_candles("NOPEUSDT", "1m", now - timedelta(hours=1), now)


def test_a_page_refused_once_is_retried_like_any_read(
    sim: SimExchange, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(keys=False)
    gateway.catalog.load()
    until = _minute(utc_now()) - 5 * MINUTE
    sim.rest_faults.server_error_next = 1

    candles = gateway.fetch_candles("BTCUSDT", "1m", until - 20 * MINUTE, until)

    assert len(candles) == 20
    assert sim.rest.stats().by_endpoint[KLINES] == 2
