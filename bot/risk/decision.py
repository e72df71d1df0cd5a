"""What the risk check sees (``RiskContext``) and what it answers (``RiskDecision``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain import Position, SizedOrder
from bot.errors import RiskRejected

__all__ = ["RiskContext", "RiskDecision", "RiskReason", "require_aware"]


class RiskReason(StrEnum):
    """Machine-readable outcome codes of a risk decision (journal and metrics use them)."""

    APPROVED = "approved"
    KILL_SWITCH = "kill_switch"
    DAILY_LOSS_LOCK = "daily_loss_lock"
    STALE_PRICE = "stale_price"
    STALE_HEATMAP = "stale_heatmap"
    ALREADY_IN_POSITION = "already_in_position"
    MAX_OPEN_POSITIONS = "max_open_positions"
    COOLDOWN = "cooldown"
    ORDERS_PER_MINUTE = "orders_per_minute"
    BAD_STOP = "bad_stop"
    INSUFFICIENT_EQUITY = "insufficient_equity"
    EXPOSURE_CAP = "exposure_cap"
    SIZE_BELOW_MINIMUM = "size_below_minimum"


def require_aware(name: str, moment: datetime | None) -> None:
    """Raise ``ValueError`` when ``moment`` is a naive datetime (``None`` passes)."""
    if moment is not None and moment.utcoffset() is None:
        raise ValueError(f"{name}: naive datetime, timestamps must carry a time zone (UTC)")


@dataclass(frozen=True, slots=True)
class RiskContext:
    """The state of the world at the moment of one check, gathered by the caller.

    The engine does no I/O for it: the runner reads equity, positions, the mark price and
    the heatmap's last update, and passes them in.

    Attributes:
        now: The time of the check (timezone-aware, UTC).
        equity: Account equity in USDT, unrealised PnL included.
        open_positions: Positions open right now (any symbol).
        mark_price: Latest mark price of the intent's symbol, or ``None`` if unknown.
        mark_price_at: When that mark price was observed, or ``None``.
        heatmap_updated_at: When the heatmap last recomputed its clusters, or ``None``.
    """

    now: datetime
    equity: float
    open_positions: Sequence[Position]
    mark_price: float | None
    mark_price_at: datetime | None
    heatmap_updated_at: datetime | None

    def __post_init__(self) -> None:
        if not isinstance(self.now, datetime):  # guards untyped callers passing None
            raise ValueError("now: a timezone-aware datetime is required")
        require_aware("now", self.now)
        require_aware("mark_price_at", self.mark_price_at)
        require_aware("heatmap_updated_at", self.heatmap_updated_at)

    @property
    def open_notional(self) -> float:
        """Sum of the open positions' entry notional, USDT."""
        return sum(position.notional for position in self.open_positions)


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """The answer to one risk check.

    Attributes:
        order: The approved, sized entry; ``None`` for a rejection and for an approved exit.
        reason: A ``RiskReason`` code (``"approved"`` or why it was refused).
        detail: Human text with the numbers behind the decision.
        capped_by: Name of the limit that shrank an approved size (``"max_leverage"``...),
            or ``None`` when risk per trade alone set it.
    """

    order: SizedOrder | None
    reason: str
    detail: str
    capped_by: str | None = None

    def __post_init__(self) -> None:
        if self.order is not None and self.reason != RiskReason.APPROVED:
            raise ValueError(f"a rejected decision ({self.reason}) cannot carry an order")

    @property
    def approved(self) -> bool:
        """Whether the intent may go ahead."""
        return self.reason == RiskReason.APPROVED

    @classmethod
    def approve(
        cls, order: SizedOrder | None, detail: str, capped_by: str | None = None
    ) -> RiskDecision:
        """An approval (``order`` is ``None`` only for exits)."""
        return cls(order=order, reason=RiskReason.APPROVED, detail=detail, capped_by=capped_by)

    @classmethod
    def reject(cls, reason: RiskReason, detail: str) -> RiskDecision:
        """A refusal for ``reason``, with ``detail`` saying why in numbers."""
        if reason is RiskReason.APPROVED:
            raise ValueError("reject() needs a rejection reason, not 'approved'")
        return cls(order=None, reason=reason, detail=detail)

    def to_error(self) -> RiskRejected:
        """The ``RiskRejected`` error for a refusal, for callers that prefer to raise."""
        if self.approved:
            raise ValueError("an approved decision is not an error")
        return RiskRejected(self.reason, self.detail)
