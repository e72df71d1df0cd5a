"""Pure sizing: stop sanity and position size from risk per trade, capped by the limits."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.domain import EntryIntent, PositionSide, SizedOrder
from bot.risk.decision import RiskDecision, RiskReason
from bot.risk.limits import RiskLimits

__all__ = ["check_stop", "size_entry"]


@dataclass(frozen=True, slots=True)
class _Cap:
    """One ceiling on an entry's notional: the limit's name, the USDT amount, how it arose."""

    name: str
    notional: float
    why: str


MIN_EQUITY = 0.01
"""Equity (USDT) below which no entry is sized."""


def check_stop(intent: EntryIntent) -> RiskDecision | None:
    """Refuse (``bad_stop``) a stop on the wrong side of the entry or at zero distance.

    Returns ``None`` when the stop is usable.
    """
    entry, stop = intent.reference_price, intent.stop_price
    if not (math.isfinite(entry) and entry > 0 and math.isfinite(stop) and stop > 0):
        return RiskDecision.reject(
            RiskReason.BAD_STOP,
            f"entry {entry:g} and stop {stop:g} must both be positive, finite prices",
        )
    # Positive when the stop lies where a loss would take the price: below a long's entry,
    # above a short's.
    if (entry - stop) * intent.side.sign <= 0:
        where = "below" if intent.side is PositionSide.LONG else "above"
        return RiskDecision.reject(
            RiskReason.BAD_STOP,
            f"{intent.side} stop {stop:g} must lie {where} the entry {entry:g}",
        )
    return None


def size_entry(
    intent: EntryIntent, *, equity: float, open_notional: float, limits: RiskLimits
) -> RiskDecision:
    """Size an entry (refusing a bad stop first, as ``check_stop`` does).

    quantity = equity × risk_per_trade_pct / 100 / |entry − stop|, then shrunk so that the
    notional (quantity × entry) stays within ``max_position_notional``, the exposure left
    under ``max_total_exposure`` and ``equity × max_leverage``. The approved order's leverage
    is the account's (``limits.account_leverage``), so its initial margin is
    notional ÷ that leverage, as on the exchange.

    Args:
        intent: The entry to size; ``reference_price`` is the expected entry price.
        equity: Account equity in USDT.
        open_notional: Sum of the open positions' notional in USDT.
        limits: The limits to respect.

    Returns:
        An approval naming the cap that bound the size (if any), or a rejection:
        ``bad_stop``, ``insufficient_equity``, ``exposure_cap`` or ``size_below_minimum``.
    """
    bad_stop = check_stop(intent)
    if bad_stop is not None:
        return bad_stop
    # Below a cent nothing can be sized (and subnormal floats round past the caps).
    if not (math.isfinite(equity) and equity >= MIN_EQUITY):
        return RiskDecision.reject(
            RiskReason.INSUFFICIENT_EQUITY, f"equity {equity:.2f} USDT leaves nothing to risk"
        )
    remaining = limits.max_total_exposure - open_notional
    if remaining <= 0:
        return RiskDecision.reject(
            RiskReason.EXPOSURE_CAP,
            f"open notional {open_notional:.2f} USDT already uses max_total_exposure "
            f"{limits.max_total_exposure:.2f} USDT",
        )
    entry = intent.reference_price
    distance = abs(entry - intent.stop_price)
    at_risk = equity * limits.risk_per_trade_pct / 100
    quantity = at_risk / distance
    caps = (
        _Cap("max_position_notional", limits.max_position_notional, "per position"),
        _Cap("max_total_exposure", remaining, f"left of {limits.max_total_exposure:.2f}"),
        _Cap("max_leverage", equity * limits.max_leverage, f"{limits.max_leverage:g}x equity"),
    )
    quantity, binding = _apply_caps(quantity, entry, caps)
    basis = (
        f"risk {at_risk:.2f} USDT ({limits.risk_per_trade_pct:g} % of {equity:.2f}) over stop "
        f"distance {distance:g}"
    )
    if quantity <= 0 or quantity < limits.min_quantity:
        return RiskDecision.reject(
            RiskReason.SIZE_BELOW_MINIMUM,
            f"{basis} gives quantity {quantity:.8g}{_capped_note(binding)}, "
            f"below min_quantity {limits.min_quantity:g}",
        )
    notional = quantity * entry
    # The leverage the position runs at is the account's, as set on the exchange (not
    # notional / equity: at 1x an entry as large as equity could never pay its margin).
    leverage = float(limits.account_leverage)
    order = SizedOrder(intent=intent, quantity=quantity, notional=notional, leverage=leverage)
    detail = (
        f"{basis}: quantity {quantity:.8g}, notional {notional:.2f} USDT, "
        f"leverage {leverage:.2f}x{_capped_note(binding)}"
    )
    return RiskDecision.approve(order, detail, capped_by=None if binding is None else binding.name)


def _apply_caps(quantity: float, price: float, caps: tuple[_Cap, ...]) -> tuple[float, _Cap | None]:
    """Shrink ``quantity`` under every cap; the binding cap is the smallest one exceeded.

    On a tie the cap listed first is named, since a later equal cap no longer binds.
    """
    binding: _Cap | None = None
    for cap in caps:
        if quantity * price > cap.notional:
            quantity, binding = _largest_quantity_within(cap.notional, price), cap
    return quantity, binding


def _largest_quantity_within(cap: float, price: float) -> float:
    """The largest float quantity whose notional (quantity × price) does not exceed ``cap``."""
    quantity = cap / price
    # cap / price rounds to nearest, so quantity × price may land one ulp above cap.
    while quantity > 0 and quantity * price > cap:
        quantity = math.nextafter(quantity, 0.0)
    return quantity


def _capped_note(binding: _Cap | None) -> str:
    """``"; capped by max_leverage (500.00 USDT, 5x equity)"``, or nothing if no cap bound."""
    if binding is None:
        return ""
    return f"; capped by {binding.name} ({binding.notional:.2f} USDT, {binding.why})"
