"""Parsing ccxt's unified structures (untyped dicts) into ``bot.exchange.models``.

The ``Any`` of ccxt stops here: each function takes one ccxt answer and returns a typed,
frozen value, or raises ``ExchangeError`` when a field it cannot do without is missing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.domain import MarkPrice, OrderSide, PositionSide, from_epoch_ms
from bot.errors import ExchangeError
from bot.exchange.models import (
    Balance,
    CancelledOrder,
    Candle,
    ExchangeOrder,
    ExchangePosition,
    Fill,
    FundingPayment,
    OpenInterest,
    OrderStatus,
)
from bot.symbols import to_exchange_id

_STATUSES = {status.value: status for status in OrderStatus}


def number(value: Any) -> float | None:
    """A finite float from ccxt's number or numeric string; ``None`` for anything else."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def timestamp(value: Any) -> datetime | None:
    """An aware UTC datetime from epoch milliseconds, ``None`` when absent or absurd."""
    ms = number(value)
    if ms is None:
        return None
    try:
        return from_epoch_ms(int(ms))
    except ValueError:
        return None


def exchange_symbol(raw: Mapping[str, Any]) -> str:
    """The Binance id of the structure's market: ``info.symbol``, else the unified symbol."""
    info = raw.get("info")
    if isinstance(info, Mapping) and isinstance(info.get("symbol"), str) and info["symbol"]:
        return str(info["symbol"]).upper()
    symbol = raw.get("symbol")
    if isinstance(symbol, str) and symbol:
        return to_exchange_id(symbol)
    raise ExchangeError(f"exchange answer without a symbol: {_keys(raw)}")


def mark_price(raw: Mapping[str, Any]) -> MarkPrice | None:
    """A ``MarkPrice`` from one ccxt ticker of ``fetch_mark_prices`` (``None`` if unusable)."""
    price = number(raw.get("markPrice"))
    moment = timestamp(raw.get("timestamp"))
    if price is None or price <= 0 or moment is None:
        return None
    info = raw.get("info")
    info = info if isinstance(info, Mapping) else {}
    return MarkPrice(symbol=exchange_symbol(raw), price=price, timestamp=moment,
                     funding_rate=number(info.get("lastFundingRate")),
                     next_funding_at=timestamp(info.get("nextFundingTime")))


def quote_volume(raw: Mapping[str, Any]) -> float | None:
    """The 24 h quote volume of one ccxt ticker of ``fetch_tickers`` (``None`` if unusable)."""
    volume = number(raw.get("quoteVolume"))
    return volume if volume is not None and volume > 0 else None


def balance(raw: Mapping[str, Any], asset: str) -> Balance:
    """The ``asset`` entry of a ccxt balance structure (zeros when the wallet lacks it)."""
    entry = raw.get(asset)
    if not isinstance(entry, Mapping):
        return Balance(asset=asset, total=0.0, free=0.0, used=0.0, wallet=0.0)
    total = number(entry.get("total")) or 0.0
    free = number(entry.get("free")) or 0.0
    used = number(entry.get("used"))
    if used is None:
        used = total - free
    wallet = _wallet_balance(raw.get("info"), asset)
    return Balance(asset=asset, total=total, free=free, used=used,
                   wallet=total if wallet is None else wallet)


def _wallet_balance(info: Any, asset: str) -> float | None:
    """``walletBalance`` of ``asset`` in Binance's own account answer (ccxt's ``total``
    is the margin balance, unrealised PnL included)."""
    assets = info.get("assets") if isinstance(info, Mapping) else None
    for item in assets if isinstance(assets, list) else []:
        if isinstance(item, Mapping) and item.get("asset") == asset:
            return number(item.get("walletBalance"))
    return None


def position(raw: Mapping[str, Any]) -> ExchangePosition | None:
    """An ``ExchangePosition`` from a ccxt position, ``None`` when it holds nothing."""
    quantity = abs(number(raw.get("contracts")) or 0.0)
    side = raw.get("side")
    if quantity == 0 or side not in ("long", "short"):
        return None
    entry = number(raw.get("entryPrice"))
    if entry is None:
        raise ExchangeError(f"position without an entry price: {_keys(raw)}")
    margin_mode = raw.get("marginMode")
    return ExchangePosition(
        symbol=exchange_symbol(raw),
        side=PositionSide(side),
        quantity=quantity,
        entry_price=entry,
        mark_price=number(raw.get("markPrice")),
        unrealized_pnl=number(raw.get("unrealizedPnl")),
        liquidation_price=number(raw.get("liquidationPrice")),
        leverage=number(raw.get("leverage")),
        margin_mode=margin_mode if isinstance(margin_mode, str) else None,
        timestamp=timestamp(raw.get("timestamp")),
    )


def order(raw: Mapping[str, Any], *, trigger: bool) -> ExchangeOrder:
    """An ``ExchangeOrder`` from a ccxt order structure."""
    side = raw.get("side")
    order_id = raw.get("id")
    if side not in ("buy", "sell") or order_id is None:
        raise ExchangeError(f"order answer without side or id: {_keys(raw)}")
    client_id = raw.get("clientOrderId")
    status = raw.get("status")
    return ExchangeOrder(
        id=str(order_id),
        client_order_id=str(client_id) if client_id is not None else None,
        symbol=exchange_symbol(raw),
        side=OrderSide(side),
        type=_order_type(raw),
        status=_STATUSES.get(status, OrderStatus.UNKNOWN) if isinstance(status, str)
        else OrderStatus.UNKNOWN,
        quantity=number(raw.get("amount")) or None,
        filled=number(raw.get("filled")) or 0.0,
        average_price=number(raw.get("average")) or None,
        price=number(raw.get("price")) or None,
        trigger_price=number(raw.get("triggerPrice")),
        reduce_only=raw.get("reduceOnly") if isinstance(raw.get("reduceOnly"), bool) else None,
        trigger=trigger,
        timestamp=timestamp(raw.get("timestamp")),
    )


def cancelled(
    raw: Mapping[str, Any], *, symbol: str, client_order_id: str, trigger: bool
) -> CancelledOrder:
    """A ``CancelledOrder`` from ccxt's ``cancel_order`` answer (full or ids only)."""
    full = raw.get("side") in ("buy", "sell") and raw.get("id") is not None
    order_id = raw.get("id")
    return CancelledOrder(
        symbol=symbol,
        client_order_id=client_order_id,
        order_id=str(order_id) if order_id is not None else None,
        trigger=trigger,
        order=order(raw, trigger=trigger) if full else None,
    )


def _order_type(raw: Mapping[str, Any]) -> str:
    # ccxt folds STOP_MARKET and TAKE_PROFIT_MARKET into "market"; Binance's own type
    # (``orderType`` on algo orders, ``type`` on regular ones) keeps the distinction.
    info = raw.get("info")
    if isinstance(info, Mapping):
        for key in ("orderType", "type"):
            value = info.get(key)
            if isinstance(value, str) and value:
                return value.lower()
    value = raw.get("type")
    return value.lower() if isinstance(value, str) else "unknown"


def _keys(raw: Mapping[str, Any]) -> list[str]:
    # Only the keys: an answer may carry account data that does not belong in a message.
    return sorted(str(k) for k in raw)


def candle(symbol: str, raw: Sequence[Any]) -> Candle:
    """A ``Candle`` from one ccxt OHLCV row ``[ms, open, high, low, close, volume]``."""
    if len(raw) < 6:
        raise ExchangeError(f"kline of {symbol} with {len(raw)} fields, expected 6")
    moment = timestamp(raw[0])
    values = [number(v) for v in raw[1:6]]
    if moment is None or any(v is None for v in values):
        raise ExchangeError(f"unusable kline of {symbol}: {list(raw)!r}")
    open_, high, low, close, volume = (float(v or 0.0) for v in values)
    if not 0 < low <= min(open_, close) <= max(open_, close) <= high:
        raise ExchangeError(f"inconsistent kline of {symbol}: {list(raw)!r}")
    return Candle(symbol, moment, open_, high, low, close, volume)


def open_interest(symbol: str, raw: Mapping[str, Any]) -> OpenInterest:
    """One ccxt ``fetch_open_interest_history`` entry (``openInterestAmount`` in base units,
    ``openInterestValue`` in USDT, ``timestamp`` ms)."""
    moment = timestamp(raw.get("timestamp"))
    amount = number(raw.get("openInterestAmount"))
    if moment is None or amount is None or amount < 0:
        raise ExchangeError(f"unusable open interest of {symbol}: {_keys(raw)}")
    return OpenInterest(symbol, moment, amount, number(raw.get("openInterestValue")))
def funding_payment(raw: Mapping[str, Any]) -> FundingPayment:
    """One ccxt ``fetch_funding_history`` entry, from Binance's own ``income`` fields."""
    info = raw.get("info") or {}
    amount = number(info.get("income"))
    at = timestamp(info.get("time"))
    if amount is None or at is None:
        raise ExchangeError(f"funding income without amount or time: {_keys(info)}")
    return FundingPayment(id=str(info.get("tranId", "")),
                          symbol=to_exchange_id(str(info.get("symbol", ""))),
                          amount=amount, time=at)


def fill(raw: Mapping[str, Any]) -> Fill:
    """One ccxt ``fetch_my_trades`` entry; the figures are read from Binance's own fields
    (``info``), which carry the realised PnL ccxt leaves out."""
    info = raw.get("info") or {}
    price = number(info.get("price"))
    quantity = number(info.get("qty"))
    at = timestamp(info.get("time"))
    side = str(info.get("side", "")).lower()
    if price is None or quantity is None or at is None or side not in ("buy", "sell"):
        raise ExchangeError(f"trade without price, quantity, time or side: {_keys(info)}")
    return Fill(
        id=str(info.get("id", "")), order_id=str(info.get("orderId", "")),
        symbol=to_exchange_id(str(info.get("symbol", ""))), side=OrderSide(side),
        price=price, quantity=quantity,
        # Binance's documentation shows commissions signed as income; real answers are
        # positive. Either way it is a cost.
        commission=abs(number(info.get("commission")) or 0.0),
        commission_asset=str(info.get("commissionAsset", "USDT")),
        realized_pnl=number(info.get("realizedPnl")) or 0.0, maker=bool(info.get("maker")),
        time=at,
    )
