"""What a set of the exchange's fills adds up to: quantity, average price, time, commission.

Pure: the live venue fetches an order's (or a closing's) fills from the account's trade
history and books these figures instead of its own estimates, so a live trade's price,
time, fees and PnL are the exchange's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.exchange import Fill


@dataclass(frozen=True, slots=True)
class FillSummary:
    """The sum of some fills (``quantity`` > 0)."""

    quantity: float
    average_price: float
    last_time: datetime
    commission: float
    realized_pnl: float


def summarise(fills: Sequence[Fill], cap: float | None = None) -> FillSummary | None:
    """The fills in order, taking at most ``cap`` of quantity (a fill that flipped a
    position counts only up to what it closed; its commission and PnL pro rata).

    Returns ``None`` when there is no fill.
    """
    quantity = notional = commission = realized = 0.0
    last: datetime | None = None
    for fill in fills:
        take = fill.quantity if cap is None else min(fill.quantity, cap - quantity)
        if take <= 0:
            break
        share = take / fill.quantity
        quantity += take
        notional += take * fill.price
        commission += fill.commission * share
        realized += fill.realized_pnl * share
        last = fill.time
    if last is None or quantity <= 0:
        return None
    return FillSummary(quantity, notional / quantity, last, commission, realized)
