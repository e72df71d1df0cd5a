"""Injected REST faults against real ccxt: translation, retries, clock skew, unclear creates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bot import errors
from bot.domain import OrderSide
from bot.exchange import BinanceGateway
from bot.sim import AfterAccept, RestFaults, SimExchange
from tests.exchange.conftest import GatewayFactory
from tests.exchange.helpers import RecordingSleep

NEW_ORDER = "POST /fapi/v1/order"
NEW_ALGO = "POST /fapi/v1/algoOrder"


@dataclass(frozen=True)
class FaultCase:
    name: str
    arm: Callable[[RestFaults], None]
    expected: type[errors.BotError]
    retry_after: float | None = None


def _set(**values: object) -> Callable[[RestFaults], None]:
    def arm(faults: RestFaults) -> None:
        for name, value in values.items():
            setattr(faults, name, value)
    return arm


FAULTS = [
    FaultCase("429", _set(rate_limit_next=1, retry_after_seconds=7), errors.RateLimited, 7.0),
    FaultCase("418", _set(ban_next=1, ban_seconds=120), errors.IpBanned, 120.0),
    FaultCase("500", _set(server_error_next=1, server_error_status=500),
              errors.TemporaryExchangeError),
    FaultCase("502", _set(server_error_next=1, server_error_status=502),
              errors.TemporaryExchangeError),
    FaultCase("503", _set(server_error_next=1, server_error_status=503),
              errors.TemporaryExchangeError),
    FaultCase("504", _set(server_error_next=1, server_error_status=504),
              errors.TemporaryExchangeError),
    FaultCase("latency", _set(latency_seconds=1.0), errors.TemporaryExchangeError),
    FaultCase("skew", _set(timestamp_skew_ms=30_000), errors.ClockSkew),
]


@pytest.mark.parametrize("case", FAULTS, ids=[c.name for c in FAULTS])
def test_each_injected_fault_becomes_the_right_project_error(
    sim: SimExchange, make_gateway: GatewayFactory, case: FaultCase
) -> None:
    # Arrange: no retries, so the first error is what the caller sees
    gateway = make_gateway(attempts=1, timeout_seconds=0.4)
    gateway.catalog.load()
    case.arm(sim.rest_faults)

    # Act
    with pytest.raises(errors.BotError) as caught:
        gateway.fetch_balance()

    # Assert: the exact class, the server's Retry-After, no secret in the message
    assert type(caught.value) is case.expected
    assert getattr(caught.value, "retry_after", None) == case.retry_after
    assert sim.credentials.api_secret not in str(caught.value)
    assert "signature=" not in str(caught.value) or "signature=***" in str(caught.value)


def test_reads_are_retried_through_rate_limits_honouring_retry_after(
    sim: SimExchange, make_gateway: GatewayFactory, sleep: RecordingSleep
) -> None:
    # Arrange
    gateway = make_gateway()
    gateway.catalog.load()
    sim.rest_faults.rate_limit_next = 2
    sim.rest_faults.retry_after_seconds = 3

    # Act
    balance = gateway.fetch_balance()

    # Assert
    assert balance.total == 10_000.0
    assert sleep.waits == [3.0, 3.0]
    assert sim.rest_faults.injected().rate_limited == 2


def test_reads_ride_out_5xx(sim: SimExchange, make_gateway: GatewayFactory) -> None:
    gateway = make_gateway()
    gateway.catalog.load()
    sim.rest_faults.server_error_next = 2

    assert "BTCUSDT" in gateway.fetch_mark_prices()
    assert sim.rest_faults.injected().server_errors == 2


def test_a_ban_is_never_retried(sim: SimExchange, make_gateway: GatewayFactory,
                                sleep: RecordingSleep) -> None:
    gateway = make_gateway()
    gateway.catalog.load()
    sim.rest_faults.ban_next = 5

    with pytest.raises(errors.IpBanned):
        gateway.fetch_balance()

    assert sim.rest_faults.injected().banned == 1
    assert sleep.waits == []


def test_a_wrong_secret_is_an_authentication_failure(
    sim: SimExchange, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(api_secret="x" * 64)
    gateway.catalog.load()

    with pytest.raises(errors.AuthenticationFailed, match="-1022"):
        gateway.fetch_balance()

    counts = sim.rest.signed_requests
    assert (counts.accepted, counts.rejected) == (0, 1)


def test_server_clock_skew_on_create_is_clock_skew_and_the_next_try_works(
    sim: SimExchange, gateway: BinanceGateway
) -> None:
    # Arrange: the server's clock runs 30 s ahead, so our timestamps look stale (-1021)
    sim.rest_faults.timestamp_skew_ms = 30_000

    # Act
    with pytest.raises(errors.ClockSkew):
        gateway.create_market_order("BTCUSDT", OrderSide.BUY, 0.01, "skewed-1")
    order = gateway.create_market_order("BTCUSDT", OrderSide.BUY, 0.01, "skewed-2")

    # Assert: the refusal placed nothing; the gateway resynced ccxt's clock offset
    assert order.client_order_id == "skewed-2"
    [position] = gateway.fetch_positions(["BTCUSDT"])
    assert position.quantity == 0.01


def test_reads_resync_the_clock_and_retry_after_skew(
    sim: SimExchange, gateway: BinanceGateway, sleep: RecordingSleep
) -> None:
    sim.rest_faults.timestamp_skew_ms = -30_000  # server behind: we look 30 s early

    balance = gateway.fetch_balance()

    assert balance.total == 10_000.0
    assert len(sleep.waits) == 1


@pytest.mark.parametrize("kind", list(AfterAccept), ids=lambda k: k.value)
def test_fail_after_accept_is_resolved_by_lookup_without_a_second_order(
    sim: SimExchange, gateway: BinanceGateway, kind: AfterAccept
) -> None:
    # Arrange: the next accepted order executes, then the answer is lost
    sim.rest_faults.fail_after_accept = kind

    # Act
    order = gateway.create_market_order("BTCUSDT", OrderSide.BUY, 0.01, "lost-answer-1")

    # Assert: the gateway found it by client id; exactly one order reached the server
    assert (order.client_order_id, order.status, order.filled) == (
        "lost-answer-1", "closed", 0.01)
    assert sim.rest_faults.injected().failed_after_accept == 1
    assert sim.rest.stats().by_endpoint[NEW_ORDER] == 1
    [position] = gateway.fetch_positions(["BTCUSDT"])
    assert position.quantity == 0.01


def test_fail_after_accept_on_a_stop_order_is_resolved_among_trigger_orders(
    sim: SimExchange, gateway: BinanceGateway
) -> None:
    gateway.create_market_order("BTCUSDT", OrderSide.BUY, 0.01, "entry-1")
    sim.rest_faults.fail_after_accept = AfterAccept.HTTP_503

    stop = gateway.create_stop_order("BTCUSDT", OrderSide.SELL, 80_000.0, "sl-lost-1",
                                     kind="stop", close_position=True)

    assert (stop.client_order_id, stop.trigger, stop.is_open) == ("sl-lost-1", True, True)
    assert sim.rest.stats().by_endpoint[NEW_ALGO] == 1


def test_an_unclear_create_that_cannot_be_looked_up_is_an_unknown_outcome(
    sim: SimExchange, make_gateway: GatewayFactory
) -> None:
    # Arrange: every request takes longer than the client waits, so the create and each
    # lookup time out while the server still executes the order afterwards
    gateway = make_gateway(timeout_seconds=0.3, lookups=2)
    gateway.catalog.load()
    gateway.fetch_mark_price("BTCUSDT")
    sim.rest_faults.latency_seconds = 0.6

    # Act
    with pytest.raises(errors.UnknownOrderOutcome, match="late-1") as caught:
        gateway.create_market_order("BTCUSDT", OrderSide.BUY, 0.01, "late-1",
                                    reference_price=90_000.0)

    # Assert: sent once; once the server is quick again the order turns out to exist
    assert isinstance(caught.value, errors.TemporaryExchangeError)
    sim.rest_faults.latency_seconds = 0.0
    found = gateway.fetch_order("BTCUSDT", "late-1")
    assert found is not None
    assert found.filled == 0.01
    assert sim.rest.stats().by_endpoint[NEW_ORDER] == 1
