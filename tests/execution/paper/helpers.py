"""Builders shared by the execution tests: a hand-moved clock and sized orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import EntryIntent, PositionSide, SizedOrder

T0 = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


class ManualClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        """Move forward and return the new time."""
        self.now += timedelta(seconds=seconds)
        return self.now


def order(
    side: PositionSide,
    *,
    symbol: str = "BTCUSDT",
    quantity: float = 0.1,
    stop: float | None = None,
    target: float | None = None,
    leverage: float = 5.0,
    reference: float = 50_000.0,
) -> SizedOrder:
    """A sized order; stop and target default to 3 % against and 4 % for ``reference``."""
    against, favour = (0.97, 1.04) if side is PositionSide.LONG else (1.03, 0.96)
    intent = EntryIntent(
        symbol=symbol,
        side=side,
        reference_price=reference,
        stop_price=stop if stop is not None else reference * against,
        take_profit_price=target if target is not None else reference * favour,
        strength=0.8,
        cluster=None,
        created_at=T0,
    )
    return SizedOrder(
        intent=intent, quantity=quantity, notional=quantity * reference, leverage=leverage
    )
