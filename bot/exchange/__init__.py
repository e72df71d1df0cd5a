"""The exchange: the ONLY package that imports ccxt.

Everything the bot does with Binance USDⓈ-M goes through here, and nothing ccxt-shaped
comes out: answers are typed frozen values, and every ccxt exception is translated into
``bot.errors`` (``raise ... from e``), its message scrubbed of signatures and keys.

What it offers:

* ``ExchangeConfig`` / ``build_ccxt`` — a configured ccxt ``binanceusdm`` (keys only in
  live mode, any REST base URL, Binance's USDⓈ-M error codes on every host).
* ``BinanceGateway`` — typed calls: time, mark prices, balance, positions, leverage,
  margin mode, candles (klines, paged), open-interest history (paged), market/limit/stop
  orders, fetch/cancel by client order id. Reads and cancels are retried with a bounded
  backoff; creation is never resent blindly.
* ``RequestGate`` — the one brake every request passes: after a 429 or 418 on any
  request, public or signed, none leaves until Retry-After / the ban's end.
* ``MarketCatalog`` — markets loaded once, refreshed on demand; rounding with ccxt's
  precision helpers; minimum quantity and notional checked before an order leaves.
* ``MarkPriceFeed`` — all mark prices from one request per tick, exchange-stamped, with
  listeners (e.g. ``heatmap.update_price``).
* ``Retrier`` / ``RetryPolicy``, ``translate`` / ``translating``, and the factories
  ``build_gateway`` / ``build_mark_price_feed`` / ``build_quote_volume_source`` for the
  composition root.
"""

from bot.clock import Clock
from bot.exchange.client import ExchangeConfig, build_ccxt, rebase_urls, restore_linear_errors
from bot.exchange.errors import retry_after_seconds, scrub, translate, translating
from bot.exchange.factory import (
    ExchangeSettingsView,
    build_gateway,
    build_mark_price_feed,
    build_quote_volume_source,
    config_from_settings,
)
from bot.exchange.gate import RequestGate
from bot.exchange.gateway import BinanceGateway
from bot.exchange.mark_feed import MarkPriceFeed, PriceListener, ReceivedMark
from bot.exchange.markets import MarketCatalog, MarketRules
from bot.exchange.models import (
    CLIENT_ORDER_ID,
    TIMEFRAMES_MS,
    Balance,
    CancelledOrder,
    Candle,
    ExchangeOrder,
    ExchangePosition,
    Fill,
    FundingPayment,
    MarginMode,
    OpenInterest,
    OrderStatus,
    PositionMode,
    ServerTime,
    StopKind,
    check_client_order_id,
    timeframe_ms,
)
from bot.exchange.orders import LookupPolicy
from bot.exchange.retry import Retrier, RetryPolicy, Sleep, is_retryable

__all__ = [
    "CLIENT_ORDER_ID",
    "TIMEFRAMES_MS",
    "Balance",
    "BinanceGateway",
    "CancelledOrder",
    "Candle",
    "Clock",
    "ExchangeConfig",
    "ExchangeOrder",
    "ExchangePosition",
    "ExchangeSettingsView",
    "Fill",
    "FundingPayment",
    "LookupPolicy",
    "MarginMode",
    "MarkPriceFeed",
    "MarketCatalog",
    "MarketRules",
    "OpenInterest",
    "OrderStatus",
    "PositionMode",
    "PriceListener",
    "ReceivedMark",
    "RequestGate",
    "Retrier",
    "RetryPolicy",
    "ServerTime",
    "Sleep",
    "StopKind",
    "build_ccxt",
    "build_gateway",
    "build_mark_price_feed",
    "build_quote_volume_source",
    "check_client_order_id",
    "config_from_settings",
    "is_retryable",
    "rebase_urls",
    "restore_linear_errors",
    "retry_after_seconds",
    "scrub",
    "timeframe_ms",
    "translate",
    "translating",
]
