"""Binance's checks on signed requests: API key, signature, timestamp window; counters."""

from __future__ import annotations

import json
import random
import time
from typing import Any

import ccxt
import pytest
import requests

from bot.sim import SimExchange, utc_now
from tests.sim_rest.helpers import BTC, make_client, signed_query


def _raw_account(sim: SimExchange, params: dict[str, str], key: str | None = None) -> Any:
    query = signed_query(params, sim.credentials.api_secret)
    headers = {"X-MBX-APIKEY": key if key is not None else sim.credentials.api_key}
    return requests.get(f"{sim.rest_url}/fapi/v3/account?{query}", headers=headers, timeout=5)


def _now_ms() -> str:
    return str(int(time.time() * 1000))


def test_wrong_secret_is_an_authentication_error(sim: SimExchange) -> None:
    exchange = make_client(sim.rest_url, sim.credentials.api_key, "not-the-secret")

    with pytest.raises(ccxt.AuthenticationError, match="-1022"):
        exchange.fetch_balance()

    counts = sim.rest.signed_requests
    assert (counts.total, counts.accepted, counts.rejected) == (1, 0, 1)


def test_unknown_api_key_is_refused(sim: SimExchange) -> None:
    exchange = make_client(sim.rest_url, "someone-else", sim.credentials.api_secret)

    with pytest.raises(ccxt.AuthenticationError, match="-2015"):
        exchange.fetch_balance()


def test_missing_api_key_header_is_refused(sim: SimExchange) -> None:
    response = _raw_account(sim, {"timestamp": _now_ms()}, key="")

    assert response.status_code == 401
    assert response.json()["code"] == -2015


@pytest.mark.parametrize(
    ("skew_ms", "message"),
    [
        (20_000, "outside of the recvWindow"),  # ccxt sends recvWindow=10000: stale
        (-2_000, "ahead of the server's time"),  # more than 1000 ms in the future
    ],
)
def test_timestamp_outside_the_window_is_invalid_nonce(
    client: Any, sim: SimExchange, skew_ms: int, message: str
) -> None:
    sim.rest_faults.timestamp_skew_ms = skew_ms

    with pytest.raises(ccxt.InvalidNonce, match=message):
        client.fetch_balance()


def test_recv_window_defaults_to_5000_and_caps_at_60000(sim: SimExchange) -> None:
    sim.rest_faults.timestamp_skew_ms = 6_000

    stale = _raw_account(sim, {"timestamp": _now_ms()})
    widened = _raw_account(sim, {"timestamp": _now_ms(), "recvWindow": "10000"})
    too_wide = _raw_account(sim, {"timestamp": _now_ms(), "recvWindow": "60001"})

    assert stale.json()["code"] == -1021
    assert widened.status_code == 200
    assert too_wide.json()["code"] == -1131


def test_signature_covers_the_exact_bytes(sim: SimExchange) -> None:
    query = signed_query({"timestamp": _now_ms()}, sim.credentials.api_secret)
    tampered = query.replace("timestamp=", "timestamp=0", 1)
    headers = {"X-MBX-APIKEY": sim.credentials.api_key}

    response = requests.get(
        f"{sim.rest_url}/fapi/v3/account?{tampered}", headers=headers, timeout=5
    )

    assert response.status_code == 400
    assert response.json() == {"code": -1022, "msg": "Signature for this request is not valid."}


def test_signed_requests_are_counted_only_for_signed_endpoints(
    client: Any, sim: SimExchange
) -> None:
    client.fetch_ticker(BTC)
    client.fetch_mark_price(BTC)
    before = sim.rest.signed_requests

    client.fetch_balance()
    client.create_order(BTC, "market", "buy", 0.01)
    after = sim.rest.signed_requests

    assert before.total == 0
    assert (after.total, after.accepted, after.rejected) == (2, 2, 0)


def test_credentials_come_from_the_seed_or_the_caller() -> None:
    one = SimExchange(clock=utc_now, rng=random.Random(3))
    two = SimExchange(clock=utc_now, rng=random.Random(3))
    given = SimExchange(clock=utc_now, rng=random.Random(3), api_key="k", api_secret="s")

    assert one.credentials == two.credentials
    assert len(one.credentials.api_key) == len(one.credentials.api_secret) == 64
    assert one.credentials.api_key != one.credentials.api_secret
    assert (given.credentials.api_key, given.credentials.api_secret) == ("k", "s")


def test_describe_names_everything_a_client_needs(sim: SimExchange) -> None:
    described = sim.describe()

    assert described["rest_url"] == sim.rest_url == f"http://127.0.0.1:{sim.rest.port}"
    assert described["api_key"] == sim.credentials.api_key
    assert described["api_secret"] == sim.credentials.api_secret
    assert described["ws_url"] == sim.ws_url
    json.dumps(described)  # printable as the `bot sim` first line


def test_ccxt_time_adjustment_heals_a_skewed_server_clock(sim: SimExchange) -> None:
    sim.rest_faults.timestamp_skew_ms = 30_000
    creds = sim.credentials
    exchange = make_client(
        sim.rest_url, creds.api_key, creds.api_secret, adjustForTimeDifference=True
    )

    exchange.load_markets()  # fetches /fapi/v1/time and keeps the offset

    assert exchange.fetch_balance()["USDT"]["total"] == pytest.approx(10_000)
