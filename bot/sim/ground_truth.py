"""The synthetic market as a ground truth for projected liquidation levels.

``record_market`` steps a ``SimMarket`` on a made-up clock (no server, no sleeping) and keeps,
per 5-minute period, what Binance would publish: the open interest at the period's close and
the period's candle. At the end the market's own positions say where liquidations really
wait; ``covered_share`` measures how much of that at-risk notional lies near given levels.
Pure apart from the market it drives: the same market seed gives the same recording.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from bot.domain import LiquidationSide, from_epoch_ms
from bot.sim.book import Position
from bot.sim.market import SimMarket

FloatArray = npt.NDArray[np.float64]
PERIOD_MS = 300_000


@dataclass(slots=True)
class Recording:
    """One symbol's 5-minute periods: close time, open interest at the close, candle."""

    time_ms: list[int] = field(default_factory=list)
    open_interest: list[float] = field(default_factory=list)
    open: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    close: list[float] = field(default_factory=list)


def record_market(market: SimMarket, start: datetime, periods: int,
                  step_seconds: float = 1.0) -> dict[str, Recording]:
    """Step ``market`` every ``step_seconds`` of made-up time for ``periods`` periods.

    ``start`` should fall on a period boundary; the first period's open interest is the
    market's before any step.
    """
    start_ms = int(start.timestamp() * 1000)
    steps = round(PERIOD_MS / 1000 / step_seconds)
    recordings = {symbol: Recording() for symbol in market.symbols}
    market.step(from_epoch_ms(start_ms))
    for symbol, rec in recordings.items():
        price = market.price(symbol)
        rec.time_ms.append(start_ms)
        rec.open_interest.append(market.open_interest(symbol))
        for column in (rec.open, rec.high, rec.low, rec.close):
            column.append(price)
    for period in range(1, periods + 1):
        opened = {s: market.price(s) for s in market.symbols}
        low, high = dict(opened), dict(opened)
        for i in range(1, steps + 1):
            now_ms = start_ms + (period - 1) * PERIOD_MS + round(i * step_seconds * 1000)
            market.step(from_epoch_ms(now_ms))
            for symbol, price in market.prices().items():
                low[symbol] = min(low[symbol], price)
                high[symbol] = max(high[symbol], price)
        for symbol, rec in recordings.items():
            rec.time_ms.append(start_ms + period * PERIOD_MS)
            rec.open_interest.append(market.open_interest(symbol))
            rec.open.append(opened[symbol])
            rec.high.append(high[symbol])
            rec.low.append(low[symbol])
            rec.close.append(market.price(symbol))
    return recordings


def at_risk(positions: Sequence[Position], side: LiquidationSide) -> tuple[FloatArray, FloatArray]:
    """Liquidation prices of ``side``'s positions and their at-risk notional (quantity ×
    liquidation price)."""
    mine = [p for p in positions if p.side == side]
    prices = np.array([p.liquidation_price for p in mine], dtype=np.float64)
    quantity = np.array([float(p.quantity) for p in mine], dtype=np.float64)
    return prices, prices * quantity


def covered_share(prices: FloatArray, notional: FloatArray, levels: FloatArray,
                  tolerance: float) -> float:
    """Share of ``notional`` (at ``prices``) lying within ``tolerance`` (a fraction) of one of
    ``levels``; 0 when there is no notional or no level."""
    total = float(notional.sum())
    if not prices.shape[0] or not levels.shape[0] or total <= 0:
        return 0.0
    ordered = np.sort(levels)
    above = np.minimum(np.searchsorted(ordered, prices), ordered.shape[0] - 1)
    below = np.maximum(above - 1, 0)
    nearest = np.minimum(np.abs(ordered[below] / prices - 1), np.abs(ordered[above] / prices - 1))
    return float(notional[nearest <= tolerance].sum() / total)
