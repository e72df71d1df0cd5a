"""Simulated traders' leveraged positions in one symbol, kept sorted by liquidation price."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from decimal import Decimal

from bot.domain import LiquidationSide


@dataclass(frozen=True, slots=True)
class Position:
    """One isolated-margin position of a simulated trader.

    A long is liquidated when the price falls to ``liquidation_price``; its liquidation
    order is placed at ``bankruptcy_price`` (where the margin is gone). Shorts mirror that.
    """

    side: LiquidationSide
    entry_price: float
    leverage: int
    quantity: Decimal
    liquidation_price: float
    bankruptcy_price: float

    @classmethod
    def open(
        cls,
        side: LiquidationSide,
        entry_price: float,
        leverage: int,
        quantity: Decimal,
        maintenance_margin: float,
    ) -> Position:
        """A position opened at ``entry_price``, with its liquidation and bankruptcy prices."""
        sign = -1.0 if side == "long" else 1.0
        return cls(
            side=side,
            entry_price=entry_price,
            leverage=leverage,
            quantity=quantity,
            liquidation_price=entry_price * (1 + sign * (1 / leverage - maintenance_margin)),
            bankruptcy_price=entry_price * (1 + sign / leverage),
        )


class PositionBook:
    """Open positions of one symbol; ``liquidate(price)`` removes those the price reached.

    Each side holds at most ``max_per_side`` positions; beyond that the one farthest from
    being liquidated is dropped (its trader closed it), which keeps the book near the price.
    """

    def __init__(self, max_per_side: int) -> None:
        """Create an empty book."""
        self._max = max_per_side
        self._seq = 0
        # Sorted by (liquidation price, sequence): the sequence breaks ties deterministically.
        self._longs: list[tuple[float, int, Position]] = []
        self._shorts: list[tuple[float, int, Position]] = []

    def __len__(self) -> int:
        """Number of open positions, both sides."""
        return len(self._longs) + len(self._shorts)

    def add(self, position: Position) -> None:
        """Open ``position``, dropping the safest one on its side if the side is full."""
        self._seq += 1
        entry = (position.liquidation_price, self._seq, position)
        if position.side == "long":
            bisect.insort(self._longs, entry)
            if len(self._longs) > self._max:
                del self._longs[0]  # lowest liquidation price: farthest below the market
        else:
            bisect.insort(self._shorts, entry)
            if len(self._shorts) > self._max:
                del self._shorts[-1]  # highest liquidation price: farthest above

    def quantity(self) -> float:
        """Base-asset quantity of every open position, both sides (the open interest)."""
        return float(sum(p.quantity for _, _, p in self._longs)
                     + sum(p.quantity for _, _, p in self._shorts))

    def positions(self) -> list[Position]:
        """Every open position (longs, then shorts), for ground-truth comparisons."""
        return [p for _, _, p in self._longs] + [p for _, _, p in self._shorts]

    def liquidate(self, price: float) -> list[Position]:
        """Remove and return every position liquidated at ``price``, nearest-to-price last."""
        # Longs with liquidation price >= price are underwater; they sit at the list's end.
        cut = bisect.bisect_left(self._longs, (price, -1))
        longs = self._longs[cut:]
        del self._longs[cut:]
        # Shorts with liquidation price <= price sit at the start.
        cut = bisect.bisect_right(self._shorts, (price, float("inf")))
        shorts = self._shorts[:cut]
        del self._shorts[:cut]
        # Farther-gone positions were hit first as the price travelled; the last one in the
        # list is the most recent liquidation.
        return [p for _, _, p in reversed(longs)] + [p for _, _, p in shorts]
