"""Paging through klines and open-interest history: consecutive requests until a period is
covered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.domain import to_epoch_ms
from bot.exchange import parsing
from bot.exchange.models import Candle, OpenInterest

# Binance USDⓈ-M serves up to 1500 klines a request, but ccxt 4.5.90's fetch_ohlcv keeps at
# most 1000 of an answer (parse_ohlcvs cuts to its spot-sized maxLimit), so pages are 1000.
KLINES_PER_REQUEST = 1000
# Binance's openInterestHist serves at most 500 entries a request, of the last 30 days only.
OPEN_INTEREST_PER_REQUEST = 500


def page_candles(fetch_page: Callable[[int], list[Any]], exchange_id: str, since_ms: int,
                 end_ms: int, step_ms: int) -> list[Candle]:
    """Candles opening in ``[since_ms, end_ms)``, oldest first, one page per request.

    Args:
        fetch_page: returns ccxt OHLCV rows starting at the given ms (one request).
        exchange_id: the symbol as Binance names it, for the candles.
        since_ms: first open time wanted.
        end_ms: open times must be before this.
        step_ms: the timeframe's length.
    """
    candles: list[Candle] = []
    cursor = since_ms
    while cursor < end_ms:
        rows = [parsing.candle(exchange_id, row) for row in fetch_page(cursor)]
        fresh = [c for c in rows if cursor <= to_epoch_ms(c.open_time) < end_ms]
        candles.extend(fresh)
        if not fresh or len(rows) < KLINES_PER_REQUEST:
            break  # the exchange has no more (or will not move forward)
        cursor = to_epoch_ms(fresh[-1].open_time) + step_ms
    return candles


def page_open_interest(fetch_page: Callable[[int, int], list[Any]], exchange_id: str,
                       since_ms: int, end_ms: int, step_ms: int) -> list[OpenInterest]:
    """Open interest stamped in ``[since_ms, end_ms)``, oldest first, one window a request.

    Windows of ``OPEN_INTEREST_PER_REQUEST`` periods follow each other whatever each answer
    holds, so a gap in the exchange's history never ends the paging early.

    Args:
        fetch_page: returns ccxt open-interest entries stamped in ``[start, last]`` ms
            (Binance's ``startTime`` / inclusive ``endTime``; one request).
        exchange_id: the symbol as Binance names it.
        since_ms: first time wanted.
        end_ms: times must be before this.
        step_ms: the period between entries (5 minutes).
    """
    by_time: dict[int, OpenInterest] = {}
    window = step_ms * OPEN_INTEREST_PER_REQUEST
    for start in range(since_ms, end_ms, window):
        last = min(end_ms, start + window) - 1
        for row in fetch_page(start, last):
            point = parsing.open_interest(exchange_id, row)
            moment = to_epoch_ms(point.time)
            if since_ms <= moment < end_ms:
                by_time[moment] = point
    return [by_time[t] for t in sorted(by_time)]
