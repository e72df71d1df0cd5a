"""Translating ccxt's exceptions into the project's own (``bot.errors``).

Every ccxt call in this package runs inside ``translating(...)``, so no ccxt exception
leaves ``bot.exchange``. Messages are scrubbed: ccxt puts request URLs (with their
``signature=`` query parameter) and response bodies into its messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import ccxt

from bot.errors import (
    AuthenticationFailed,
    BotError,
    ClockSkew,
    ExchangeError,
    InsufficientFunds,
    InvalidOrder,
    IpBanned,
    OrderNotFound,
    RateLimited,
    TemporaryExchangeError,
)

_REDACTED = "***"
_SIGNATURE = re.compile(r"(signature=)[^&\s'\"]+", re.IGNORECASE)
_API_KEY_HEADER = re.compile(r"(X-MBX-APIKEY['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}]+", re.IGNORECASE)
# binance.handle_errors raises DDoSProtection("binanceusdm 418 I'm a teapot <body>").
_LEADING_STATUS = re.compile(r"^\S+\s+(\d{3})\s")
_HTTP_418 = re.compile(r"(?:^|\s)418(?:\s|$)")


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` without signatures, API-key header values or any of ``secrets``."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, _REDACTED)
    text = _SIGNATURE.sub(rf"\g<1>{_REDACTED}", text)
    return _API_KEY_HEADER.sub(rf"\g<1>{_REDACTED}", text)


def retry_after_seconds(headers: Mapping[str, Any] | None) -> float | None:
    """The ``Retry-After`` header in seconds (Binance sends whole seconds), else ``None``."""
    if not headers:
        return None
    value = None
    for name, raw in headers.items():
        if str(name).lower() == "retry-after":
            value = raw
            break
    if value is None:
        return None
    try:
        seconds = float(str(value).strip())
    except ValueError:
        return None  # an HTTP-date: Binance does not send those
    return seconds if seconds >= 0 else None


def translate(
    exc: ccxt.BaseError,
    headers: Mapping[str, Any] | None = None,
    secrets: tuple[str, ...] = (),
) -> BotError:
    """The project error for a ccxt exception (most specific ccxt class first).

    Args:
        exc: what ccxt raised.
        headers: the failed response's headers (ccxt's ``last_response_headers``), for
            ``Retry-After`` on 418/429.
        secrets: values to blank out of the message besides signatures (key, secret).
    """
    message = scrub(str(exc), secrets) or type(exc).__name__
    if isinstance(exc, ccxt.DDoSProtection):
        return _ddos(exc, message, retry_after_seconds(headers))
    if isinstance(exc, ccxt.RateLimitExceeded):
        return RateLimited(message, retry_after_seconds(headers))
    if isinstance(exc, ccxt.InvalidNonce):
        return ClockSkew(message)
    if isinstance(exc, ccxt.OperationFailed):
        # NetworkError, RequestTimeout, ExchangeNotAvailable, BadResponse and Binance's
        # -1000/-1006 "unknown error / unexpected response": all may pass.
        return TemporaryExchangeError(message)
    return _permanent(exc, message)


def _ddos(exc: ccxt.DDoSProtection, message: str, retry_after: float | None) -> BotError:
    text = str(exc)
    leading = _LEADING_STATUS.match(text)
    status = leading.group(1) if leading else None
    if status == "418" or (status is None and _HTTP_418.search(text)):
        return IpBanned(message, retry_after)
    # ccxt also raises DDoSProtection for -2015 once a key has worked before: Binance
    # sends it during a temporary ban of the key, so it is a "slow down" too.
    return RateLimited(message, retry_after)


def _permanent(exc: ccxt.BaseError, message: str) -> BotError:
    if isinstance(exc, ccxt.AuthenticationError):  # PermissionDenied is a subclass
        return AuthenticationFailed(message)
    if isinstance(exc, ccxt.InsufficientFunds):
        return InsufficientFunds(message)
    if isinstance(exc, ccxt.OrderNotFound):
        return OrderNotFound(message)
    if isinstance(exc, ccxt.InvalidOrder | ccxt.BadRequest):  # BadSymbol is a BadRequest
        return InvalidOrder(message)
    return ExchangeError(message)


@contextmanager
def translating(exchange: Any = None, secrets: tuple[str, ...] = ()) -> Iterator[None]:
    """Run a block of ccxt calls; re-raise any ccxt exception as the project's ``from e``.

    Args:
        exchange: the ccxt instance the block uses; its ``last_response_headers`` give
            ``Retry-After``, its ``apiKey``/``secret`` are scrubbed from messages.
        secrets: further values to scrub.
    """
    try:
        yield
    except ccxt.BaseError as e:
        headers = getattr(exchange, "last_response_headers", None) if exchange else None
        known = secrets + _credentials(exchange)
        raise translate(e, headers, known) from e


def _credentials(exchange: Any) -> tuple[str, ...]:
    if exchange is None:
        return ()
    values = (getattr(exchange, "apiKey", None), getattr(exchange, "secret", None))
    return tuple(v for v in values if isinstance(v, str) and v)
