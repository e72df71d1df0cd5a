"""Projected liquidation levels: where open positions would be liquidated, not where they were.

Pure computation, no I/O (the refresher that fetches open interest and candles lives with
the heatmap's I/O):

* ``brackets`` — Binance's notional tiers (initial leverage, maintenance margin rate and
  amount ``cum``): ``BracketTable``, the shipped default tables, and parsing of
  ``GET /fapi/v1/leverageBracket``.
* ``liquidation`` — Binance's isolated-margin liquidation price, scalar and vectorised.
* ``model`` — ``ProjectionModel``: open-interest increases open positions at the interval's
  price, spread over a leverage mix, each at its liquidation price; decreases shrink what is
  outstanding; a level the price trades through is consumed.
"""

from bot.heatmap.projection.brackets import (
    DEFAULT_BRACKETS,
    GENERIC_BRACKETS,
    Bracket,
    BracketTable,
    brackets_from_exchange,
)
from bot.heatmap.projection.liquidation import liquidation_price, liquidation_prices
from bot.heatmap.projection.model import (
    DEFAULT_LEVERAGE_MIX,
    BarColumns,
    LeverageMix,
    OpenInterestBar,
    ProjectedLevels,
    ProjectionModel,
)

__all__ = [
    "DEFAULT_BRACKETS",
    "DEFAULT_LEVERAGE_MIX",
    "GENERIC_BRACKETS",
    "BarColumns",
    "Bracket",
    "BracketTable",
    "LeverageMix",
    "OpenInterestBar",
    "ProjectedLevels",
    "ProjectionModel",
    "brackets_from_exchange",
    "liquidation_price",
    "liquidation_prices",
]
