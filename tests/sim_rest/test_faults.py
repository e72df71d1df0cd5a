"""REST faults as ccxt sees them, and proof that "fail after accept" orders exist."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import ccxt
import pytest
import requests

from bot.sim import AfterAccept, SimExchange
from tests.sim_rest.helpers import BTC


def test_429_carries_retry_after_and_passes(client: Any, sim: SimExchange) -> None:
    sim.rest_faults.retry_after_seconds = 7
    sim.rest_faults.rate_limit_next = 1

    with pytest.raises(ccxt.DDoSProtection, match="-1003"):
        client.fetch_ticker(BTC)
    retry_after = client.last_response_headers["Retry-After"]
    after = client.fetch_ticker(BTC)

    assert retry_after == "7"
    assert after["symbol"] == BTC
    assert sim.rest_faults.injected().rate_limited == 1


def test_418_is_a_ban(client: Any, sim: SimExchange) -> None:
    sim.rest_faults.ban_next = 2

    for _ in range(2):
        with pytest.raises(ccxt.DDoSProtection, match="418"):
            client.fetch_balance()

    assert client.last_response_headers["Retry-After"] == "120"
    assert client.fetch_balance()["USDT"]["total"] == pytest.approx(10_000)
    assert sim.rest_faults.injected().banned == 2
    assert sim.rest.signed_requests.rejected == 0  # refused before any check


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, ccxt.ExchangeNotAvailable),
        (502, ccxt.ExchangeNotAvailable),
        (503, ccxt.ExchangeNotAvailable),
        (504, ccxt.RequestTimeout),
    ],
)
def test_server_errors_map_by_status(
    client: Any, sim: SimExchange, status: int, error: type[Exception]
) -> None:
    sim.rest_faults.server_error_status = status
    sim.rest_faults.server_error_next = 1

    with pytest.raises(error, match=str(status)):
        client.fetch_mark_price(BTC)

    assert client.fetch_mark_price(BTC)["symbol"] == BTC


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        (AfterAccept.HTTP_503, ccxt.ExchangeNotAvailable),
        (AfterAccept.HTTP_504, ccxt.RequestTimeout),
        (AfterAccept.DROP, ccxt.NetworkError),
    ],
)
def test_fail_after_accept_leaves_the_order_placed(
    client: Any, sim: SimExchange, kind: AfterAccept, error: type[Exception]
) -> None:
    sim.rest_faults.fail_after_accept = kind

    with pytest.raises(error) as raised:
        client.create_order(BTC, "market", "buy", 0.01, None, {"clientOrderId": "maybe-1"})
    found = client.fetch_order(None, BTC, {"clientOrderId": "maybe-1"})

    if kind is AfterAccept.DROP:
        assert type(raised.value) is ccxt.NetworkError
    assert found["status"] == "closed"
    assert found["filled"] == pytest.approx(0.01)
    assert client.fetch_positions([BTC])[0]["contracts"] == pytest.approx(0.01)
    assert sim.rest_faults.fail_after_accept is None  # one-shot
    assert sim.rest_faults.injected().failed_after_accept == 1


def test_fail_after_accept_on_a_trigger_order(client: Any, sim: SimExchange) -> None:
    sim.rest_faults.fail_after_accept = AfterAccept.DROP
    params = {"stopPrice": 95_000, "clientOrderId": "guard-9"}

    with pytest.raises(ccxt.NetworkError):
        client.create_order(BTC, "market", "buy", 0.01, None, params)
    found = client.fetch_order(None, BTC, {"clientOrderId": "guard-9", "trigger": True})

    assert found["status"] == "open"


def test_a_refused_order_does_not_use_up_fail_after_accept(client: Any, sim: SimExchange) -> None:
    sim.rest_faults.fail_after_accept = AfterAccept.HTTP_503

    with pytest.raises(ccxt.InsufficientFunds):
        client.create_order(BTC, "market", "buy", 5)

    assert sim.rest_faults.fail_after_accept is AfterAccept.HTTP_503


def test_latency_delays_every_request(client: Any, sim: SimExchange) -> None:
    sim.rest_faults.latency_seconds = 0.3

    started = time.monotonic()
    client.fetch_time()
    elapsed = time.monotonic() - started

    assert elapsed >= 0.3
    assert sim.rest_faults.injected().delayed == 1


def test_clear_switches_every_fault_off(client: Any, sim: SimExchange) -> None:
    faults = sim.rest_faults
    faults.rate_limit_next = faults.ban_next = faults.server_error_next = 3
    faults.timestamp_skew_ms, faults.latency_seconds = 30_000, 1.0
    faults.fail_after_accept = AfterAccept.DROP

    faults.clear()

    assert client.fetch_balance()["USDT"]["total"] == pytest.approx(10_000)
    assert faults.injected().rate_limited == 0


def test_stop_is_prompt_with_a_request_held_by_latency(sim: SimExchange) -> None:
    sim.rest_faults.latency_seconds = 30
    caller = threading.Thread(target=_get_time, args=(sim.rest_url,), daemon=True)
    caller.start()
    time.sleep(0.2)

    started = time.monotonic()
    sim.stop()

    assert time.monotonic() - started < 2.0


def _get_time(rest_url: str) -> None:
    # The server goes away under this request on purpose.
    with contextlib.suppress(requests.RequestException):
        requests.get(f"{rest_url}/fapi/v1/time", timeout=5)
