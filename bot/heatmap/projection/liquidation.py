"""Binance's isolated-margin liquidation price of one position, one-way mode.

With the isolated wallet equal to the initial margin ``Q·EP/L`` and no other position, the
published formula ``LP = (WB + cum − s·Q·EP) / (Q·MMR − s·Q)`` becomes::

    long:  LP = (EP·(1 − 1/L) − cum/Q) / (1 − MMR)
    short: LP = (EP·(1 + 1/L) + cum/Q) / (1 + MMR)

with ``MMR`` and ``cum`` from the bracket of the position's notional ``Q·EP``. A long whose
formula falls below zero cannot be liquidated (``0`` is returned, as Binance shows it).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bot.heatmap.projection.brackets import BracketTable

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def liquidation_price(is_long: bool, entry_price: float, leverage: float, quantity: float,
                      brackets: BracketTable) -> float:
    """The liquidation price of one isolated position (``quantity`` in base asset, > 0)."""
    return float(liquidation_prices(np.array([is_long]), np.array([entry_price]),
                                    np.array([leverage]), np.array([quantity]), brackets)[0])


def liquidation_prices(is_long: BoolArray, entry_price: FloatArray, leverage: FloatArray,
                       quantity: FloatArray, brackets: BracketTable) -> FloatArray:
    """``liquidation_price`` over arrays of positions (broadcasting like numpy)."""
    mmr, cum = brackets.rates(np.abs(quantity * entry_price))
    per_unit = cum / quantity
    inverse = 1.0 / leverage
    long_price = (entry_price * (1.0 - inverse) - per_unit) / (1.0 - mmr)
    short_price = (entry_price * (1.0 + inverse) + per_unit) / (1.0 + mmr)
    return np.maximum(np.where(is_long, long_price, short_price), 0.0)
