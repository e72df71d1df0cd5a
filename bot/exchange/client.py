"""Building the ccxt ``binanceusdm`` client from plain settings.

This is where the project decides how ccxt talks to Binance: keys (none in paper mode),
where (Binance, the testnet or the simulator), rate limiting and clock handling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import ccxt

from bot.errors import ConfigError

_MASK = "***"
_MAX_RECV_WINDOW_MS = 60_000  # Binance refuses a larger recvWindow (-1131)


@dataclass(frozen=True, slots=True)
class ExchangeConfig:
    """What ``build_ccxt`` needs; plain strings (the settings layer unwraps its secrets).

    Attributes:
        rest_url: ``scheme://host[:port]`` replacing Binance's hosts (simulator, testnet);
            ``None`` for Binance itself.
        api_key: the API key; ``None`` in paper mode, which never holds keys.
        api_secret: the API secret; set exactly when ``api_key`` is.
        timeout_seconds: HTTP timeout of one request.
        recv_window_ms: Binance's ``recvWindow`` for signed requests (1..60000).
        enable_rate_limit: ccxt's client-side request throttle.
        verbose: ccxt's request/response dump; forced off whenever keys are set, because
            the dump carries the API-key header and signed query strings.
    """

    rest_url: str | None = None
    api_key: str | None = None
    api_secret: str | None = None
    timeout_seconds: float = 10.0
    recv_window_ms: int = 5000
    enable_rate_limit: bool = True
    verbose: bool = False

    def __post_init__(self) -> None:
        if (self.api_key is None) != (self.api_secret is None):
            raise ConfigError("exchange.api_key and exchange.api_secret must be set together")
        if self.api_key is not None and not (self.api_key and self.api_secret):
            raise ConfigError("exchange.api_key and exchange.api_secret must not be empty")
        if not self.timeout_seconds > 0:
            raise ConfigError("exchange.timeout_seconds must be positive")
        if not 0 < self.recv_window_ms <= _MAX_RECV_WINDOW_MS:
            raise ConfigError("exchange.recv_window_ms must be within 1..60000")
        if self.rest_url is not None:
            _check_rest_url(self.rest_url)
        if self.has_keys and self.verbose:
            object.__setattr__(self, "verbose", False)

    @property
    def has_keys(self) -> bool:
        """True when the config carries API keys (live trading)."""
        return self.api_key is not None

    def __repr__(self) -> str:
        """A representation with the key and secret masked."""
        key = None if self.api_key is None else _MASK
        secret = None if self.api_secret is None else _MASK
        return (
            f"ExchangeConfig(rest_url={self.rest_url!r}, api_key={key!r}, "
            f"api_secret={secret!r}, timeout_seconds={self.timeout_seconds!r}, "
            f"recv_window_ms={self.recv_window_ms!r}, "
            f"enable_rate_limit={self.enable_rate_limit!r}, verbose={self.verbose!r})"
        )


def build_ccxt(config: ExchangeConfig) -> ccxt.binanceusdm:
    """A configured ccxt ``binanceusdm`` instance (no request is sent yet).

    ``fetchCurrencies`` is off (it would call signed ``/sapi`` endpoints a futures bot
    never needs), rate limiting and ``adjustForTimeDifference`` are on. With ``rest_url``
    every REST base URL points there, and Binance's USDⓈ-M error codes are restored.
    """
    params: dict[str, Any] = {
        "enableRateLimit": config.enable_rate_limit,
        "timeout": int(config.timeout_seconds * 1000),
        "verbose": config.verbose,
        "options": {
            "fetchCurrencies": False,
            "adjustForTimeDifference": True,
            "recvWindow": config.recv_window_ms,
            # Perpetuals are ccxt's "swap" type; "linear" picks the USDⓈ-M (fapi) endpoints.
            "defaultType": "swap",
            "defaultSubType": "linear",
        },
    }
    if config.api_key is not None:
        params["apiKey"] = config.api_key
        params["secret"] = config.api_secret
    exchange = ccxt.binanceusdm(params)
    if config.rest_url is not None:
        exchange.urls["api"] = rebase_urls(exchange.urls["api"], config.rest_url)
    restore_linear_errors(exchange)
    return exchange


def rebase_urls(urls: Any, base_url: str) -> Any:
    """``urls`` (ccxt's ``urls['api']``, strings in nested dicts) with every URL's scheme
    and host replaced by ``base_url``'s, each path prefix kept (``/fapi/v1`` ...)."""
    if isinstance(urls, str):
        return _rebase(urls, base_url)
    if isinstance(urls, Mapping):
        return {key: rebase_urls(value, base_url) for key, value in urls.items()}
    return urls


def restore_linear_errors(exchange: ccxt.binanceusdm) -> bool:
    """Make ccxt map Binance's USDⓈ-M error codes whatever host it talks to.

    ccxt looks up ``exceptions['linear']`` only for URLs on Binance's own hosts
    (``get_exceptions_by_url``); elsewhere ``-2019`` (margin insufficient) would arrive as
    a plain ExchangeError. Merging the linear maps into the top-level ones restores the
    mapping, the linear entries winning as they do on Binance's hosts. Returns whether a
    merge was needed.
    """
    fapi_url = exchange.urls["api"]["fapiPrivate"]
    if exchange.get_exceptions_by_url(fapi_url, "exact"):
        return False
    linear: Mapping[str, Any] = exchange.exceptions.get("linear", {})
    merged = dict(exchange.exceptions)
    # New dicts rather than updates in place: ccxt's class-level defaults stay untouched.
    merged["exact"] = {**exchange.exceptions.get("exact", {}), **linear.get("exact", {})}
    merged["broad"] = {**exchange.exceptions.get("broad", {}), **linear.get("broad", {})}
    exchange.exceptions = merged
    return True


def _rebase(url: str, base_url: str) -> str:
    base = urlsplit(base_url)
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    path = base.path.rstrip("/") + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))


def _check_rest_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"exchange.rest_url must be an http(s) URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ConfigError("exchange.rest_url must not carry a query or fragment")
