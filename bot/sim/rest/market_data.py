"""Public market data: ``exchangeInfo``, ``premiumIndex`` and ``ticker/24hr`` payloads.

Shapes follow Binance's USDⓈ-M responses field for field where ccxt reads them (symbol
``filters`` and ``orderTypes`` above all: without them ccxt neither rounds nor accepts an
order type). The 24-hour statistics come from the mark prices the simulator has seen,
kept per minute; the traded volume is synthetic (the market has no trade tape): a fixed
multiple of the symbol's typical position size, documented rather than meaningful.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from decimal import Decimal

from bot.sim.events import MarkPriceUpdate
from bot.sim.market import SymbolSpec
from bot.sim.rest.filters import PERCENT_DOWN, PERCENT_UP, QUOTE_ASSET, SymbolFilters
from bot.sim.rest.orders import ALGO_TYPES, REGULAR_TYPES
from bot.sim.rest.params import decimals_of, fmt_money

JsonObject = dict[str, object]
_DAY_MS = 24 * 60 * 60 * 1000
_MINUTE_MS = 60 * 1000
_VOLUME_MULTIPLE = 100_000  # synthetic daily quote volume, in typical position sizes
_INTEREST_RATE = "0.00010000"
_ONBOARD_MS = 1_569_398_400_000  # BTCUSDT's onboard date; any past date will do
_PERPETUAL_DELIVERY_MS = 4_133_404_800_000  # Binance's "no delivery" date for perpetuals


class PriceHistory:
    """Per-minute open / high / low / close of the marks seen, for the last 24 hours.

    Thread-safe (the driving loop records, request threads read).
    """

    def __init__(self) -> None:
        """Start with no history."""
        self._lock = threading.Lock()
        self._bars: dict[str, OrderedDict[int, list[Decimal]]] = {}

    def record(self, symbol: str, price: Decimal, now_ms: int) -> None:
        """Note ``price`` as the latest mark of ``symbol`` at ``now_ms``."""
        minute = now_ms // _MINUTE_MS
        with self._lock:
            bars = self._bars.setdefault(symbol, OrderedDict())
            bar = bars.get(minute)
            if bar is None:
                bars[minute] = [price, price, price, price]
            else:
                bar[1], bar[2], bar[3] = max(bar[1], price), min(bar[2], price), price
            while bars and next(iter(bars)) <= minute - _DAY_MS // _MINUTE_MS:
                bars.popitem(last=False)

    def stats(self, symbol: str) -> tuple[Decimal, Decimal, Decimal] | None:
        """``(open, high, low)`` over the kept window, ``None`` before any record."""
        with self._lock:
            bars = list(self._bars.get(symbol, OrderedDict()).values())
        if not bars:
            return None
        return bars[0][0], max(b[1] for b in bars), min(b[2] for b in bars)


def exchange_info(filters: list[SymbolFilters], server_ms: int) -> JsonObject:
    """``GET /fapi/v1/exchangeInfo``."""
    return {
        "timezone": "UTC",
        "serverTime": server_ms,
        "futuresType": "U_MARGINED",
        "rateLimits": [
            _rate_limit("REQUEST_WEIGHT", "MINUTE", 1, 2400),
            _rate_limit("ORDERS", "MINUTE", 1, 1200),
            _rate_limit("ORDERS", "SECOND", 10, 300),
        ],
        "exchangeFilters": [],
        "assets": [{"asset": QUOTE_ASSET, "marginAvailable": True, "autoAssetExchange": "-10000"}],
        "symbols": [_symbol(f) for f in filters],
    }


def _rate_limit(kind: str, interval: str, number: int, limit: int) -> JsonObject:
    return {"rateLimitType": kind, "interval": interval, "intervalNum": number, "limit": limit}


def _symbol(f: SymbolFilters) -> JsonObject:
    return {
        "symbol": f.symbol,
        "pair": f.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": _PERPETUAL_DELIVERY_MS,
        "onboardDate": _ONBOARD_MS,
        "status": "TRADING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": f.base_asset,
        "quoteAsset": QUOTE_ASSET,
        "marginAsset": QUOTE_ASSET,
        "pricePrecision": decimals_of(f.tick_size),
        "quantityPrecision": decimals_of(f.step_size),
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": f.price_text(f.min_price),
                "maxPrice": f.price_text(f.max_price),
                "tickSize": f.price_text(f.tick_size),
            },
            _lot("LOT_SIZE", f, f.max_qty),
            _lot("MARKET_LOT_SIZE", f, f.market_max_qty),
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": format(f.min_notional.normalize(), "f")},
            {
                "filterType": "PERCENT_PRICE",
                "multiplierUp": str(PERCENT_UP),
                "multiplierDown": str(PERCENT_DOWN),
                "multiplierDecimal": "4",
            },
        ],
        "orderTypes": [*REGULAR_TYPES, *ALGO_TYPES],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
    }


def _lot(kind: str, f: SymbolFilters, max_qty: Decimal) -> JsonObject:
    return {
        "filterType": kind,
        "stepSize": f.qty_text(f.step_size),
        "maxQty": f.qty_text(max_qty),
        "minQty": f.qty_text(f.min_qty),
    }


def premium_index(mark: MarkPriceUpdate) -> JsonObject:
    """One ``GET /fapi/v1/premiumIndex`` object."""
    return {
        "symbol": mark.symbol,
        "markPrice": format(mark.mark_price, "f"),
        "indexPrice": format(mark.index_price, "f"),
        "estimatedSettlePrice": format(mark.estimated_settle_price, "f"),
        "lastFundingRate": format(mark.funding_rate, "f"),
        "interestRate": _INTEREST_RATE,
        "nextFundingTime": mark.next_funding_time_ms,
        "time": mark.event_time_ms,
    }


def ticker_24h(
    spec: SymbolSpec, f: SymbolFilters, last: Decimal, history: PriceHistory, now_ms: int
) -> JsonObject:
    """One ``GET /fapi/v1/ticker/24hr`` object (``last`` = the current mark)."""
    open_, high, low = history.stats(spec.symbol) or (last, last, last)
    change = last - open_
    quote_volume = Decimal(repr(spec.typical_notional)) * _VOLUME_MULTIPLE
    volume = (quote_volume / last).quantize(f.step_size)
    return {
        "symbol": spec.symbol,
        "priceChange": f.price_text(change),
        "priceChangePercent": format((change / open_ * 100).quantize(Decimal("0.001")), "f"),
        "weightedAvgPrice": f.price_text((high + low) / 2),
        "lastPrice": f.price_text(last),
        "lastQty": f.qty_text(f.min_qty),
        "openPrice": f.price_text(open_),
        "highPrice": f.price_text(high),
        "lowPrice": f.price_text(low),
        "volume": f.qty_text(volume),
        "quoteVolume": fmt_money(quote_volume),
        "openTime": now_ms - _DAY_MS,
        "closeTime": now_ms,
        "firstId": 1,
        "lastId": 1,
        "count": 1,
    }
