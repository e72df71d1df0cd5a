"""Binance's notional brackets: per tier of position notional, the highest initial leverage,
the maintenance margin rate (MMR) and the maintenance amount ``cum``.

``cum`` keeps the maintenance margin ``notional × MMR − cum`` continuous across tiers, so it
follows from the floors and rates: ``cum₁ = 0``, ``cumₙ = cumₙ₋₁ + floorₙ × (MMRₙ − MMRₙ₋₁)``.
The tables below are built that way; a table read from ``/fapi/v1/leverageBracket`` (keys
needed) carries Binance's own ``cum``.

Shipped defaults, for keyless paper mode: Binance's published USDⓈ-M tiers for BTCUSDT and
ETHUSDT, and one generic table (the tiers of a typical mid-cap perpetual) for every other
symbol. Binance revises tiers from time to time; with keys set the bot reads the live ones.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Bracket:
    """One notional tier: positions with ``floor <= notional < cap`` use its rate."""

    floor: float
    cap: float
    max_leverage: float
    maint_margin_ratio: float
    cum: float


class BracketTable:
    """The tiers of one symbol, lowest notional first, with vectorised lookup.

    Raises:
        ValueError: no tiers, or tiers that do not start at 0 and touch each other.
    """

    def __init__(self, tiers: Sequence[Bracket]) -> None:
        """Validate and index ``tiers``."""
        if not tiers:
            raise ValueError("a bracket table needs at least one tier")
        if tiers[0].floor != 0:
            raise ValueError("the first tier must start at notional 0")
        for lower, upper in itertools.pairwise(tiers):
            if upper.floor != lower.cap:
                raise ValueError(f"tiers must touch: cap {lower.cap:g} then floor {upper.floor:g}")
        self.tiers = tuple(tiers)
        self._floors = np.array([t.floor for t in tiers], dtype=np.float64)
        self._mmr = np.array([t.maint_margin_ratio for t in tiers], dtype=np.float64)
        self._cum = np.array([t.cum for t in tiers], dtype=np.float64)

    @classmethod
    def from_rates(cls, rows: Sequence[tuple[float, float, float, float]]) -> BracketTable:
        """A table from ``(floor, cap, max_leverage, mmr)`` rows, ``cum`` derived."""
        tiers: list[Bracket] = []
        cum = previous = 0.0
        for floor, cap, leverage, rate in rows:
            cum += floor * (rate - previous)
            tiers.append(Bracket(floor, cap, leverage, rate, cum))
            previous = rate
        return cls(tiers)

    def for_notional(self, notional: float) -> Bracket:
        """The tier an absolute notional falls in (the last one beyond every cap)."""
        index = int(np.searchsorted(self._floors, notional, side="right")) - 1
        return self.tiers[max(index, 0)]

    def rates(self, notional: FloatArray) -> tuple[FloatArray, FloatArray]:
        """MMR and ``cum`` for each notional of an array."""
        index = np.maximum(np.searchsorted(self._floors, notional, side="right") - 1, 0)
        return self._mmr[index], self._cum[index]


_M = 1_000_000.0

BTC_BRACKETS = BracketTable.from_rates([
    (0, 50_000, 125, 0.004), (50_000, 500_000, 100, 0.005), (500_000, 8 * _M, 50, 0.01),
    (8 * _M, 50 * _M, 20, 0.025), (50 * _M, 80 * _M, 10, 0.05), (80 * _M, 100 * _M, 5, 0.1),
    (100 * _M, 200 * _M, 4, 0.125), (200 * _M, 300 * _M, 3, 0.15),
    (300 * _M, 500 * _M, 2, 0.25), (500 * _M, 800 * _M, 1, 0.5),
])
ETH_BRACKETS = BracketTable.from_rates([
    (0, 50_000, 125, 0.004), (50_000, 500_000, 100, 0.005), (500_000, 8 * _M, 50, 0.01),
    (8 * _M, 30 * _M, 20, 0.025), (30 * _M, 50 * _M, 10, 0.05), (50 * _M, 60 * _M, 5, 0.1),
    (60 * _M, 80 * _M, 4, 0.125), (80 * _M, 100 * _M, 3, 0.15),
    (100 * _M, 200 * _M, 2, 0.25), (200 * _M, 300 * _M, 1, 0.5),
])
GENERIC_BRACKETS = BracketTable.from_rates([
    (0, 5_000, 75, 0.01), (5_000, 50_000, 50, 0.015), (50_000, 250_000, 25, 0.02),
    (250_000, 1 * _M, 10, 0.05), (1 * _M, 5 * _M, 5, 0.1), (5 * _M, 10 * _M, 4, 0.125),
    (10 * _M, 15 * _M, 3, 0.15), (15 * _M, 25 * _M, 2, 0.25), (25 * _M, 50 * _M, 1, 0.5),
])
DEFAULT_BRACKETS: Mapping[str, BracketTable] = {"BTCUSDT": BTC_BRACKETS, "ETHUSDT": ETH_BRACKETS}


def brackets_from_exchange(payload: Sequence[Mapping[str, object]]) -> dict[str, BracketTable]:
    """Tables from ``GET /fapi/v1/leverageBracket``'s answer (one entry per symbol, each with
    ``brackets`` of ``notionalFloor``, ``notionalCap``, ``initialLeverage``,
    ``maintMarginRatio``, ``cum``).

    Raises:
        ValueError: an entry lacks a field or holds a non-number.
    """
    tables: dict[str, BracketTable] = {}
    for entry in payload:
        rows = entry.get("brackets")
        if not isinstance(rows, list):
            raise ValueError(f"leverageBracket entry without brackets: {entry!r}")
        tiers = [Bracket(_number(row, "notionalFloor"), _number(row, "notionalCap"),
                         _number(row, "initialLeverage"), _number(row, "maintMarginRatio"),
                         _number(row, "cum")) for row in rows]
        tables[str(entry.get("symbol"))] = BracketTable(sorted(tiers, key=lambda t: t.floor))
    return tables


def _number(row: object, key: str) -> float:
    value = row.get(key) if isinstance(row, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"leverageBracket: {key} missing or not a number in {row!r}")
    return float(value)
