"""Assembling the exchange parts from settings (called by the composition root).

Everything here builds and returns; nothing runs or connects until used.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Protocol

from bot.clock import Clock
from bot.exchange.client import ExchangeConfig, build_ccxt
from bot.exchange.gate import RequestGate
from bot.exchange.gateway import BinanceGateway
from bot.exchange.mark_feed import MarkPriceFeed
from bot.exchange.markets import MarketCatalog
from bot.exchange.orders import LookupPolicy
from bot.exchange.retry import Retrier, RetryPolicy, Sleep


class _Secret(Protocol):
    def get_secret_value(self) -> str: ...


class ExchangeSettingsView(Protocol):
    """The part of ``bot.settings.ExchangeSettings`` this package reads (read-only)."""

    @property
    def rest_url(self) -> str | None: ...

    @property
    def api_key(self) -> _Secret | None: ...

    @property
    def api_secret(self) -> _Secret | None: ...

    @property
    def recv_window_ms(self) -> int: ...

    @property
    def timeout_seconds(self) -> float: ...


def config_from_settings(settings: ExchangeSettingsView, *, with_keys: bool) -> ExchangeConfig:
    """An ``ExchangeConfig`` from the exchange settings; keys unwrapped only if ``with_keys``.

    Paper mode passes ``with_keys=False``: whatever the settings hold, no key reaches ccxt.
    """
    key = settings.api_key.get_secret_value() if with_keys and settings.api_key else None
    secret = (
        settings.api_secret.get_secret_value() if with_keys and settings.api_secret else None
    )
    return ExchangeConfig(
        rest_url=settings.rest_url,
        api_key=key,
        api_secret=secret,
        timeout_seconds=settings.timeout_seconds,
        recv_window_ms=settings.recv_window_ms,
    )


def build_gateway(
    config: ExchangeConfig,
    clock: Clock,
    *,
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
    retry: RetryPolicy | None = None,
    lookup: LookupPolicy | None = None,
    gate: RequestGate | None = None,
) -> BinanceGateway:
    """A ``BinanceGateway`` over a fresh ccxt instance (its ``catalog`` shares it); pass
    the bot's one ``gate`` so that a 429 / 418 on any request holds back all of them."""
    exchange = build_ccxt(config)
    # Jitter only spreads retries out; it needs no cryptographic randomness.
    retrier = Retrier(
        retry if retry is not None else RetryPolicy(),
        sleep,
        rng if rng is not None else random.Random(),  # noqa: S311
    )
    shared = gate if gate is not None else RequestGate(clock)
    catalog = MarketCatalog(exchange, retrier, shared)
    return BinanceGateway(exchange, catalog, retrier, clock, lookup=lookup, gate=shared)


def build_mark_price_feed(
    settings: ExchangeSettingsView,
    clock: Clock,
    register_closer: Callable[[Callable[[], None]], None],
    *,
    with_keys: bool = False,
    max_age_seconds: float = 5.0,
    gate: RequestGate | None = None,
) -> MarkPriceFeed:
    """The mark-price feed for the trading loop (public data: paper mode holds no keys).

    Args:
        settings: the exchange settings (REST URL, timeouts; keys only if ``with_keys``).
        clock: the local UTC clock.
        register_closer: receives the function that closes the HTTP session.
        with_keys: give the feed's ccxt instance the API keys (never needed for prices).
        max_age_seconds: freshness limit for ``MarkPriceFeed.is_fresh``.
        gate: the bot's shared request brake (its own if none).
    """
    gateway = build_gateway(config_from_settings(settings, with_keys=with_keys), clock,
                            gate=gate)
    register_closer(gateway.close)
    return MarkPriceFeed(gateway, clock, max_age_seconds)


def build_quote_volume_source(
    settings: ExchangeSettingsView,
    clock: Clock,
    register_closer: Callable[[Callable[[], None]], None],
    *,
    gate: RequestGate | None = None,
) -> Callable[[], dict[str, float]]:
    """A function returning every symbol's 24 h quote volume (public data, no keys).

    The heatmap scales cluster strength's absolute term by it (``bot.heatmap.clustering``).
    """
    gateway = build_gateway(config_from_settings(settings, with_keys=False), clock, gate=gate)
    register_closer(gateway.close)
    return gateway.fetch_quote_volumes
