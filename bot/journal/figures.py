"""The journal's figures as people read them, written one way in every report and table.

``bot journal summary``, the backtest report and the grid table all print a profit factor
and a win rate; they call these so that a trader never sees ``inf`` in one place and ``∞``
in another.
"""

from __future__ import annotations

import math

NOT_DEFINED = "-"  # a figure without the trades that define it (no closed trade, no loss)


def profit_factor_text(value: float | None) -> str:
    """A profit factor: two decimals, ``∞`` without any losing trade, ``-`` without trades."""
    if value is None:
        return NOT_DEFINED
    return "∞" if math.isinf(value) else f"{value:.2f}"


def rate_text(value: float | None) -> str:
    """A fraction (a win rate) as a percentage with one decimal, ``-`` when undefined."""
    return NOT_DEFINED if value is None else f"{value * 100:.1f} %"
