"""The project's one error hierarchy; ccxt and other library errors are translated into it."""

from __future__ import annotations


class BotError(Exception):
    """Base of every error the bot raises on purpose."""


class ConfigError(BotError):
    """A configuration value is missing or malformed; the message names the key."""


class ExchangeError(BotError):
    """The exchange refused or failed a request."""


class TemporaryExchangeError(ExchangeError):
    """Network trouble, timeouts, 5xx or rate limits: safe to retry a read later.

    ``retry_after`` is the server's Retry-After in seconds when it gave one.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(TemporaryExchangeError):
    """HTTP 429 / -1003: slow down and wait at least ``retry_after`` seconds."""


class IpBanned(ExchangeError):
    """HTTP 418: the IP is banned for a while; trading must halt."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnknownOrderOutcome(TemporaryExchangeError):
    """An order request ended without a clear answer: it may or may not have been placed."""


class InsufficientFunds(ExchangeError):
    """Margin or balance is not enough for the order."""


class InvalidOrder(ExchangeError):
    """The exchange rejected the order's parameters."""


class OrderNotFound(ExchangeError):
    """The exchange does not know the order (or does not yet)."""


class AuthenticationFailed(ExchangeError):
    """API key, signature or permissions were refused."""


class ClockSkew(TemporaryExchangeError):
    """-1021: the request timestamp was outside the exchange's receive window."""


class RiskRejected(BotError):
    """The risk engine refused an order; ``reason`` is the machine-readable cause."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
