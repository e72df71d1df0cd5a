"""A market's lot and tick rules and the rounding the exchange applies to an order.

Pure rules, so the paper venue (and the backtest through it) sizes orders exactly as the
exchange would take them: quantities truncated to the lot step (ccxt's
``amount_to_precision``), fill prices on the tick grid, and the minimum quantity and
notional checked before anything fills. Rules come from the exchange's markets (the
composition root converts them); ``None`` means the market sets no such filter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from bot.errors import InvalidOrder

__all__ = ["LotRules", "checked_entry_quantity", "on_tick", "truncated_quantity"]


@dataclass(frozen=True, slots=True)
class LotRules:
    """The filters of one symbol that decide what an order may be.

    Attributes:
        step_size: LOT_SIZE step (quantities are whole multiples of it).
        tick_size: PRICE_FILTER tick (prices are whole multiples of it).
        min_quantity: smallest quantity of one order.
        max_market_quantity: largest quantity of one market order.
        min_notional: smallest ``quantity × price`` of an order that opens a position.
    """

    step_size: float | None = None
    tick_size: float | None = None
    min_quantity: float | None = None
    max_market_quantity: float | None = None
    min_notional: float | None = None


def _multiple(value: float, step: float, rounding: str) -> float:
    """``value`` on the grid of ``step`` (exact decimal arithmetic: 0.3 / 0.1 is 3, not 2.99)."""
    grid = Decimal(str(step))
    steps = (Decimal(str(value)) / grid).to_integral_value(rounding=rounding)
    return float(steps * grid)


def truncated_quantity(rules: LotRules, quantity: float) -> float:
    """``quantity`` truncated to the lot step (what ccxt sends for it)."""
    if rules.step_size is None or rules.step_size <= 0:
        return quantity
    return _multiple(quantity, rules.step_size, ROUND_FLOOR)


def on_tick(rules: LotRules, price: float, *, up: bool) -> float:
    """``price`` on the tick grid: rounded up (a buyer's fill) or down (a seller's).

    Rounding against the taker, as the simulated exchange fills a slipped market order.
    """
    if rules.tick_size is None or rules.tick_size <= 0:
        return price
    return _multiple(price, rules.tick_size, ROUND_CEILING if up else ROUND_FLOOR)


def checked_entry_quantity(rules: LotRules, symbol: str, quantity: float, price: float) -> float:
    """The quantity a market entry of ``quantity`` at about ``price`` really is on the exchange.

    Truncated to the lot step, then checked like Binance checks an order that opens a
    position: at least the minimum quantity, at most the market maximum, and a notional
    (at ``price``, the mark) of at least the minimum notional.

    Raises:
        InvalidOrder: naming the symbol and the filter the order breaks.
    """
    rounded = truncated_quantity(rules, quantity)
    if not (math.isfinite(rounded) and rounded > 0):
        raise InvalidOrder(
            f"{symbol}: quantity {quantity:.8g} truncates to 0 at lot step {rules.step_size}"
        )
    if rules.min_quantity is not None and rounded < rules.min_quantity:
        raise InvalidOrder(
            f"{symbol}: quantity {rounded:.8g} below the minimum {rules.min_quantity:g}"
        )
    if rules.max_market_quantity is not None and rounded > rules.max_market_quantity:
        raise InvalidOrder(
            f"{symbol}: quantity {rounded:.8g} above the market maximum "
            f"{rules.max_market_quantity:g}"
        )
    if rules.min_notional is not None and rounded * price < rules.min_notional:
        raise InvalidOrder(
            f"{symbol}: notional {rounded * price:.8g} below the minimum {rules.min_notional:g}"
        )
    return rounded
