"""Leverage brackets and the liquidation-price formula (pure arithmetic, Decimal).

Binance sets, per notional tier, the highest initial leverage and the maintenance margin
rate; ``cum`` (the maintenance amount) makes the maintenance margin continuous across tiers:
``maintenance = notional × rate − cum``. The simulator uses one tier table for every symbol,
whose first rate is the synthetic market's ``maintenance_margin`` (so the account and the
simulated crowd are liquidated by the same rule), growing like Binance's BTCUSDT table.

Liquidation price, one-way mode (Binance's published formula, one position at a time)::

    LP = (WB − TMM₁ + UPNL₁ + cum − s·q·EP) / (q·MMR − s·q)

``WB`` the wallet backing the position (its isolated wallet, or the cross wallet), ``TMM₁``
and ``UPNL₁`` the maintenance margin and unrealised PnL of the *other* cross positions (0 for
isolated), ``s`` +1 long / −1 short, ``q`` the absolute size, ``EP`` the entry price. With
``MMR = cum = TMM₁ = 0`` the same formula gives the bankruptcy price (margin exactly 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# (highest initial leverage, notional floor, notional cap, rate as a multiple of the first)
_TIERS: tuple[tuple[int, int, int, Decimal], ...] = (
    (125, 0, 50_000, Decimal(1)),
    (100, 50_000, 250_000, Decimal("1.25")),
    (50, 250_000, 1_000_000, Decimal("2.5")),
    (20, 1_000_000, 10_000_000, Decimal("6.25")),
    (10, 10_000_000, 50_000_000, Decimal("12.5")),
    (5, 50_000_000, 100_000_000, Decimal(25)),
)
MAX_LEVERAGE = _TIERS[0][0]


@dataclass(frozen=True, slots=True)
class Bracket:
    """One notional tier, as ``/fapi/v1/leverageBracket`` shows it."""

    bracket: int
    initial_leverage: int
    notional_floor: Decimal
    notional_cap: Decimal
    maint_margin_ratio: Decimal
    cum: Decimal


ZERO_BRACKET = Bracket(0, MAX_LEVERAGE, Decimal(0), Decimal(0), Decimal(0), Decimal(0))
"""No maintenance at all: the liquidation formula with it gives the bankruptcy price."""


class Brackets:
    """The tier table of a symbol.

    Args:
        first_rate: the maintenance margin rate of the lowest tier (e.g. 0.004); the
            higher tiers' rates are fixed multiples of it.
    """

    def __init__(self, first_rate: Decimal) -> None:
        """Build the tiers and their ``cum`` amounts."""
        if not Decimal(0) < first_rate < Decimal(1) / MAX_LEVERAGE:
            raise ValueError("the first maintenance rate must be in (0, 1/125)")
        tiers: list[Bracket] = []
        cum, previous_rate = Decimal(0), Decimal(0)
        for number, (leverage, floor, cap, multiple) in enumerate(_TIERS, start=1):
            rate = first_rate * multiple
            cum += Decimal(floor) * (rate - previous_rate)
            tiers.append(Bracket(number, leverage, Decimal(floor), Decimal(cap), rate, cum))
            previous_rate = rate
        self._tiers = tuple(tiers)

    @property
    def tiers(self) -> tuple[Bracket, ...]:
        """All tiers, lowest notional first."""
        return self._tiers

    def for_notional(self, notional: Decimal) -> Bracket:
        """The tier an absolute notional falls in (the last one beyond every cap)."""
        for tier in self._tiers:
            if notional < tier.notional_cap:
                return tier
        return self._tiers[-1]

    def maintenance(self, notional: Decimal) -> Decimal:
        """Maintenance margin of a position of this absolute notional."""
        tier = self.for_notional(notional)
        return max(notional * tier.maint_margin_ratio - tier.cum, Decimal(0))

    def max_notional(self, leverage: int) -> Decimal:
        """The largest position notional allowed at ``leverage``."""
        allowed = [t.notional_cap for t in self._tiers if t.initial_leverage >= leverage]
        return max(allowed) if allowed else Decimal(0)


def liquidation_price(
    amount: Decimal,
    entry_price: Decimal,
    wallet: Decimal,
    bracket: Bracket,
    others_maintenance: Decimal = Decimal(0),
    others_unrealised: Decimal = Decimal(0),
) -> Decimal:
    """Binance's liquidation price of a one-way position (0 when it cannot be liquidated).

    Args:
        amount: the signed position size (positive long, negative short); not zero.
        entry_price: the position's entry price.
        wallet: the wallet backing it (isolated wallet, or cross wallet balance).
        bracket: its notional tier (``ZERO_BRACKET`` for the bankruptcy price).
        others_maintenance: maintenance margin of the other cross positions.
        others_unrealised: unrealised PnL of the other cross positions.
    """
    size = abs(amount)
    side = Decimal(1) if amount > 0 else Decimal(-1)
    numerator = (
        wallet - others_maintenance + others_unrealised + bracket.cum - side * size * entry_price
    )
    denominator = size * bracket.maint_margin_ratio - side * size
    return max(numerator / denominator, Decimal(0))
