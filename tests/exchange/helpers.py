"""Test helpers for bot.exchange: recorded sleeps, a manual clock, ccxt market fixtures."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import ccxt

from bot.exchange import ExchangeConfig, MarketCatalog, Retrier, RetryPolicy, build_ccxt

T0 = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)
BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"


@dataclass
class RecordingSleep:
    """A ``sleep`` that only records how long it was asked to wait."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class ManualClock:
    """A clock tests move by hand."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def retrier(sleep: RecordingSleep, **policy: Any) -> Retrier:
    """A seeded retrier recording its waits."""
    return Retrier(RetryPolicy(**policy), sleep, random.Random(1))


def raw_symbol(
    symbol: str, base: str, *, tick: str, step: str, min_qty: str, max_qty: str,
    market_max_qty: str, min_notional: str,
) -> dict[str, Any]:
    """A Binance ``exchangeInfo`` symbol entry, as ccxt's ``parse_market`` reads it."""
    return {
        "symbol": symbol, "pair": symbol, "status": "TRADING", "contractType": "PERPETUAL",
        "baseAsset": base, "quoteAsset": "USDT", "marginAsset": "USDT",
        "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
                       "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
        "filters": [
            {"filterType": "PRICE_FILTER", "tickSize": tick, "minPrice": tick,
             "maxPrice": "1000000"},
            {"filterType": "LOT_SIZE", "stepSize": step, "minQty": min_qty, "maxQty": max_qty},
            {"filterType": "MARKET_LOT_SIZE", "stepSize": step, "minQty": min_qty,
             "maxQty": market_max_qty},
            {"filterType": "MIN_NOTIONAL", "notional": min_notional},
        ],
    }


RAW_MARKETS = (
    raw_symbol("BTCUSDT", "BTC", tick="0.10", step="0.001", min_qty="0.001", max_qty="1000",
               market_max_qty="120", min_notional="100"),
    raw_symbol("ETHUSDT", "ETH", tick="0.01", step="0.001", min_qty="0.001", max_qty="10000",
               market_max_qty="2000", min_notional="20"),
)


def with_markets(exchange: Any) -> Any:
    """``exchange`` with BTCUSDT and ETHUSDT markets set, parsed by ccxt itself (offline)."""
    exchange.set_markets([exchange.parse_market(raw) for raw in RAW_MARKETS])
    return exchange


def offline_exchange(config: ExchangeConfig | None = None) -> Any:
    """A built ccxt instance with markets and no server behind it."""
    return with_markets(build_ccxt(config if config is not None else ExchangeConfig()))


def offline_catalog(sleep: RecordingSleep | None = None) -> MarketCatalog:
    """A catalog over an offline exchange (``load()`` sends nothing: markets are set)."""
    return MarketCatalog(offline_exchange(), retrier(sleep or RecordingSleep()))


def ccxt_order(
    client_order_id: str, *, side: str = "buy", status: str = "closed", amount: float = 0.01,
    binance_type: str = "MARKET", trigger_price: float | None = None, order_id: str = "42",
) -> dict[str, Any]:
    """A ccxt unified order structure, as ``create_order``/``fetch_order`` return it."""
    return {
        "id": order_id, "clientOrderId": client_order_id, "symbol": BTC, "side": side,
        "type": "market", "status": status, "amount": amount,
        "filled": amount if status == "closed" else 0.0, "average": 90_000.0 if status ==
        "closed" else None, "price": None, "triggerPrice": trigger_price, "reduceOnly": False,
        "timestamp": 1_777_896_000_000,
        "info": {"symbol": "BTCUSDT", "type": binance_type},
    }


class ScriptedBinance(ccxt.binanceusdm):  # type: ignore[misc]
    """A real ccxt ``binanceusdm`` whose order calls follow a script (no network).

    ``creates`` and ``lookups`` are lists of answers: a dict is returned, an exception
    raised, in order. Every call is recorded.
    """

    def __init__(self) -> None:
        super().__init__({"apiKey": "k" * 64, "secret": "s" * 64})
        with_markets(self)
        self.creates: list[Any] = []
        self.lookups: list[Any] = []
        self.create_calls: list[tuple[Any, ...]] = []
        self.lookup_calls: list[dict[str, Any]] = []
        self.clock_syncs = 0

    def create_order(self, symbol: str, type: str, side: str, amount: Any,
                     price: Any = None, params: Any = None) -> Any:
        self.create_calls.append((symbol, type, side, amount, price, dict(params or {})))
        return _next(self.creates)

    def fetch_order(self, id: Any, symbol: Any = None, params: Any = None) -> Any:
        self.lookup_calls.append(dict(params or {}))
        return _next(self.lookups)


    def load_time_difference(self, params: Any = None) -> int:
        self.clock_syncs += 1
        return 0


def _next(script: list[Any]) -> Any:
    answer = script.pop(0)
    if isinstance(answer, BaseException):
        raise answer
    return answer
