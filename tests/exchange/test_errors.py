"""ccxt exceptions → the project's errors: one table, plus scrubbing and the context manager."""

from __future__ import annotations

from typing import Any

import ccxt
import pytest

from bot import errors
from bot.exchange import retry_after_seconds, scrub, translate, translating

SECRET = "S3cr3tS3cr3tS3cr3t"
API_KEY = "K3yK3yK3yK3yK3y"
BAN_BODY = '{"code":-1003,"msg":"Way too many requests; IP(1.2.3.4) banned until 1777896000418."}'
LIMIT_BODY = '{"code":-1003,"msg":"Too many requests; current limit of IP is 2400 per minute."}'

# (ccxt exception, response headers, expected project error, expected retry_after)
CASES: list[tuple[ccxt.BaseError, dict[str, str] | None, type[errors.BotError], float | None]] = [
    (ccxt.DDoSProtection(f"binanceusdm 418 I'm a teapot {BAN_BODY}"), {"Retry-After": "120"},
     errors.IpBanned, 120.0),
    (ccxt.DDoSProtection(f"binanceusdm 429 Too Many Requests {LIMIT_BODY}"),
     {"retry-after": "3"}, errors.RateLimited, 3.0),
    (ccxt.DDoSProtection(f"binanceusdm 429 Too Many Requests {BAN_BODY}"), None,
     errors.RateLimited, None),
    (ccxt.DDoSProtection('binanceusdm {"code":-2015,"msg":"Invalid API-key, IP, or '
                         'permissions for action."}'), None, errors.RateLimited, None),
    (ccxt.RateLimitExceeded(f"binanceusdm {LIMIT_BODY}"), {"Retry-After": "7"},
     errors.RateLimited, 7.0),
    (ccxt.InvalidNonce('binanceusdm {"code":-1021,"msg":"Timestamp for this request is '
                       'outside of the recvWindow."}'), None, errors.ClockSkew, None),
    (ccxt.AuthenticationError('binanceusdm {"code":-2015,"msg":"Invalid API-key, IP, or '
                              'permissions for action."}'),
     None, errors.AuthenticationFailed, None),
    (ccxt.PermissionDenied("binanceusdm has no operation privilege"), None,
     errors.AuthenticationFailed, None),
    (ccxt.InsufficientFunds('binanceusdm {"code":-2019,"msg":"Margin is insufficient."}'),
     None, errors.InsufficientFunds, None),
    (ccxt.OrderNotFound('binanceusdm {"code":-2013,"msg":"Order does not exist."}'), None,
     errors.OrderNotFound, None),
    (ccxt.InvalidOrder('binanceusdm {"code":-4164,"msg":"Order\'s notional must be no '
                       'smaller than 100"}'), None, errors.InvalidOrder, None),
    (ccxt.OrderImmediatelyFillable('binanceusdm {"code":-2021,"msg":"Order would '
                                   'immediately trigger."}'), None, errors.InvalidOrder, None),
    (ccxt.BadSymbol("binanceusdm does not have market symbol FOO/USDT:USDT"), None,
     errors.InvalidOrder, None),
    (ccxt.BadRequest('binanceusdm {"code":-1102,"msg":"Mandatory parameter"}'), None,
     errors.InvalidOrder, None),
    (ccxt.RequestTimeout("binanceusdm POST http://127.0.0.1:1/fapi/v1/order"), None,
     errors.TemporaryExchangeError, None),
    (ccxt.ExchangeNotAvailable("binanceusdm GET http://127.0.0.1:1/fapi/v3/account 503 "
                               "Service Unavailable "), None, errors.TemporaryExchangeError, None),
    (ccxt.NetworkError("binanceusdm GET http://127.0.0.1:1/fapi/v1/time"), None,
     errors.TemporaryExchangeError, None),
    (ccxt.OperationFailed('binanceusdm {"code":-1000,"msg":"An unknown error occured"}'),
     None, errors.TemporaryExchangeError, None),
    (ccxt.ExchangeError('binanceusdm {"code":-4047,"msg":"Margin type cannot be changed"}'),
     None, errors.ExchangeError, None),
    (ccxt.NotSupported("binanceusdm fetchFoo() is not supported yet"), None,
     errors.ExchangeError, None),
]


@pytest.mark.parametrize(
    ("exc", "headers", "expected", "retry_after"),
    CASES,
    ids=[f"{type(c[0]).__name__}-{i}" for i, c in enumerate(CASES)],
)
def test_each_ccxt_exception_becomes_the_right_project_error(
    exc: ccxt.BaseError, headers: dict[str, str] | None, expected: type[errors.BotError],
    retry_after: float | None,
) -> None:
    # Act
    translated = translate(exc, headers)

    # Assert: the exact class (not just a base class), the wait, the text kept
    assert type(translated) is expected
    assert getattr(translated, "retry_after", None) == retry_after
    assert str(translated) == str(exc)


def test_messages_lose_signatures_api_key_headers_and_secrets() -> None:
    # Arrange: what ccxt's messages can carry (URL with a signed query, a header dump)
    exc = ccxt.RequestTimeout(
        f"binanceusdm GET http://127.0.0.1:1/fapi/v1/order?symbol=BTCUSDT&timestamp=1"
        f"&signature=0a1b2c3d4e5f {{'X-MBX-APIKEY': '{API_KEY}'}} secret={SECRET}"
    )

    # Act
    text = str(translate(exc, secrets=(SECRET,)))

    # Assert
    assert "0a1b2c3d4e5f" not in text
    assert API_KEY not in text
    assert SECRET not in text
    assert "signature=***" in text
    assert "symbol=BTCUSDT" in text


def test_scrub_leaves_ordinary_text_alone() -> None:
    assert scrub("binanceusdm 503 Service Unavailable") == "binanceusdm 503 Service Unavailable"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"RETRY-AFTER": " 30 "}, 30.0),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, None),
        ({"Retry-After": "-5"}, None),
        ({"Content-Type": "application/json"}, None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_only(
    headers: dict[str, str] | None, expected: float | None
) -> None:
    assert retry_after_seconds(headers) == expected


class _Exchange:
    """What ``translating`` reads from a ccxt instance."""

    apiKey = API_KEY
    secret = SECRET
    last_response_headers: dict[str, Any] = {"Retry-After": "4"}  # noqa: RUF012


def test_translating_raises_from_the_ccxt_error_with_headers_and_keys_applied() -> None:
    # Arrange
    original = ccxt.DDoSProtection(
        f"binanceusdm 429 Too Many Requests key={API_KEY} secret={SECRET}"
    )

    # Act
    with pytest.raises(errors.RateLimited) as caught, translating(_Exchange()):
        raise original

    # Assert
    assert caught.value.__cause__ is original
    assert caught.value.retry_after == 4.0
    assert API_KEY not in str(caught.value)
    assert SECRET not in str(caught.value)


def test_translating_lets_other_exceptions_through_untouched() -> None:
    with pytest.raises(KeyError), translating(_Exchange()):
        raise KeyError("not ccxt")
