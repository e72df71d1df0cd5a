"""Pure pre-trade gates: each returns a rejection, or ``None`` to let the intent through."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.risk.decision import RiskContext, RiskDecision, RiskReason
from bot.risk.limits import RiskLimits
from bot.symbols import to_exchange_id

__all__ = [
    "check_cooldown",
    "check_heatmap_fresh",
    "check_not_in_position",
    "check_open_positions",
    "check_order_rate",
    "check_price_fresh",
]


def check_price_fresh(context: RiskContext, limits: RiskLimits) -> RiskDecision | None:
    """Refuse (``stale_price``) without a mark price or with one older than allowed."""
    if context.mark_price is None or context.mark_price_at is None:
        return RiskDecision.reject(RiskReason.STALE_PRICE, "no mark price known")
    if not context.mark_price > 0:
        return RiskDecision.reject(
            RiskReason.STALE_PRICE, f"mark price {context.mark_price!r} is not a usable price"
        )
    return _too_old(RiskReason.STALE_PRICE, "mark price", context.now - context.mark_price_at,
                    limits.max_price_age_seconds)


def check_heatmap_fresh(context: RiskContext, limits: RiskLimits) -> RiskDecision | None:
    """Refuse (``stale_heatmap``) when the heatmap never updated or not recently enough."""
    if context.heatmap_updated_at is None:
        return RiskDecision.reject(RiskReason.STALE_HEATMAP, "heatmap never updated")
    return _too_old(RiskReason.STALE_HEATMAP, "heatmap", context.now - context.heatmap_updated_at,
                    limits.max_heatmap_age_seconds)


def check_not_in_position(symbol: str, context: RiskContext) -> RiskDecision | None:
    """Refuse (``already_in_position``) a second position in the same symbol, either side."""
    wanted = to_exchange_id(symbol)
    for position in context.open_positions:
        if to_exchange_id(position.symbol) == wanted:
            return RiskDecision.reject(
                RiskReason.ALREADY_IN_POSITION,
                f"{position.side} {position.quantity:g} {wanted} already open",
            )
    return None


def check_open_positions(context: RiskContext, limits: RiskLimits) -> RiskDecision | None:
    """Refuse (``max_open_positions``) when opening one more would exceed the limit."""
    count = len(context.open_positions)
    if count >= limits.max_open_positions:
        return RiskDecision.reject(
            RiskReason.MAX_OPEN_POSITIONS,
            f"{count} positions open, max_open_positions is {limits.max_open_positions}",
        )
    return None


def check_cooldown(
    symbol: str, last_exit: datetime | None, now: datetime, limits: RiskLimits
) -> RiskDecision | None:
    """Refuse (``cooldown``) re-entry sooner than ``cooldown_seconds`` after an exit.

    Exactly ``cooldown_seconds`` after the exit the symbol is free again.
    """
    if last_exit is None:
        return None
    elapsed = (now - last_exit).total_seconds()
    if elapsed < limits.cooldown_seconds:
        return RiskDecision.reject(
            RiskReason.COOLDOWN,
            f"{to_exchange_id(symbol)} closed {elapsed:.1f} s ago, cooldown_seconds is "
            f"{limits.cooldown_seconds:g} ({limits.cooldown_seconds - elapsed:.1f} s left)",
        )
    return None


def check_order_rate(recent_orders: int, limits: RiskLimits) -> RiskDecision | None:
    """Refuse (``orders_per_minute``) when the last 60 s already hold the maximum."""
    if recent_orders >= limits.max_orders_per_minute:
        return RiskDecision.reject(
            RiskReason.ORDERS_PER_MINUTE,
            f"{recent_orders} orders in the last 60 s, max_orders_per_minute is "
            f"{limits.max_orders_per_minute}",
        )
    return None


def _too_old(
    reason: RiskReason, what: str, age: timedelta, max_age_seconds: float
) -> RiskDecision | None:
    """A rejection when ``age`` exceeds ``max_age_seconds``; exactly the maximum is fresh."""
    seconds = age.total_seconds()
    if seconds > max_age_seconds:
        return RiskDecision.reject(
            reason, f"{what} is {seconds:.3f} s old, limit {max_age_seconds:g} s"
        )
    return None
