"""The bounded retrier: what it retries, how long it waits, when it gives up."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot import errors
from bot.exchange import is_retryable
from tests.exchange.helpers import RecordingSleep, retrier


def failing(*failures: Exception, result: str = "ok") -> tuple[Callable[[], str], list[int]]:
    """An operation raising ``failures`` in turn, then returning ``result``; counts calls."""
    calls: list[int] = []
    pending = list(failures)

    def operation() -> str:
        calls.append(1)
        if pending:
            raise pending.pop(0)
        return result

    return operation, calls


def test_temporary_errors_are_retried_until_success() -> None:
    # Arrange
    sleep = RecordingSleep()
    operation, calls = failing(errors.TemporaryExchangeError("503"),
                               errors.TemporaryExchangeError("timeout"))

    # Act
    result = retrier(sleep, max_attempts=4).call(operation, description="read")

    # Assert
    assert result == "ok"
    assert len(calls) == 3
    assert len(sleep.waits) == 2


def test_attempts_are_bounded() -> None:
    sleep = RecordingSleep()
    operation, calls = failing(*[errors.TemporaryExchangeError("down")] * 10)

    with pytest.raises(errors.TemporaryExchangeError, match="down"):
        retrier(sleep, max_attempts=3).call(operation, description="read")

    assert len(calls) == 3
    assert len(sleep.waits) == 2


def test_retry_after_is_honoured() -> None:
    sleep = RecordingSleep()
    operation, _ = failing(errors.RateLimited("429", retry_after=3.0))

    retrier(sleep, base_delay=0.1, max_delay=1.0).call(operation, description="read")

    assert sleep.waits == [3.0]


def test_a_retry_after_beyond_the_limit_is_not_waited_out() -> None:
    sleep = RecordingSleep()
    operation, calls = failing(errors.RateLimited("429", retry_after=600.0))

    with pytest.raises(errors.RateLimited):
        retrier(sleep, max_retry_after=30.0).call(operation, description="read")

    assert len(calls) == 1
    assert sleep.waits == []


@pytest.mark.parametrize(
    "error",
    [
        errors.IpBanned("418", retry_after=120.0),
        errors.AuthenticationFailed("-2015"),
        errors.InvalidOrder("-4164"),
        errors.InsufficientFunds("-2019"),
        errors.OrderNotFound("-2013"),
        errors.UnknownOrderOutcome("create timed out"),
        errors.ExchangeError("-4047"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_permanent_errors_and_unknown_outcomes_are_never_retried(error: Exception) -> None:
    # Arrange
    sleep = RecordingSleep()
    operation, calls = failing(error)

    # Act
    with pytest.raises(type(error)):
        retrier(sleep).call(operation, description="read")

    # Assert
    assert len(calls) == 1
    assert sleep.waits == []


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (errors.TemporaryExchangeError("x"), True),
        (errors.RateLimited("x"), True),
        (errors.ClockSkew("x"), True),
        (errors.UnknownOrderOutcome("x"), False),
        (errors.IpBanned("x"), False),
        (errors.AuthenticationFailed("x"), False),
    ],
)
def test_is_retryable(error: errors.BotError, expected: bool) -> None:
    assert is_retryable(error) is expected


def test_backoff_grows_exponentially_is_capped_and_jittered_downwards() -> None:
    r = retrier(RecordingSleep(), base_delay=0.5, max_delay=3.0, jitter=0.5)

    delays = [r.backoff(attempt) for attempt in range(1, 7)]

    ceilings = [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling * 0.5 <= delay <= ceiling


def test_before_retry_sees_each_error_before_the_next_attempt() -> None:
    seen: list[str] = []
    operation, _ = failing(errors.ClockSkew("-1021"))

    retrier(RecordingSleep()).call(
        operation, description="read", before_retry=lambda e: seen.append(type(e).__name__)
    )

    assert seen == ["ClockSkew"]


@pytest.mark.parametrize(
    "policy",
    [{"max_attempts": 0}, {"base_delay": 2.0, "max_delay": 1.0}, {"jitter": 1.5},
     {"max_retry_after": -1.0}],
)
def test_bad_policies_are_refused(policy: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"must|need"):
        retrier(RecordingSleep(), **policy)
