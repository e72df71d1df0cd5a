"""Builders and a hand-moved clock for the risk tests (fakes live in tests/, never in bot/)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.domain import EntryIntent, Position, PositionSide
from bot.risk import InMemoryRiskStateStore, RiskContext, RiskEngine, RiskLimits, RiskStateStore

T0 = datetime(2025, 1, 2, 12, 0, tzinfo=UTC)
"""Noon UTC on an ordinary day: far from midnight unless a test moves there on purpose."""

LOOSE = RiskLimits(max_position_notional=1e9, max_total_exposure=1e9, max_leverage=125.0)
"""Caps that never bind at test sizes, for tests about something else."""


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(seconds=seconds)


def intent(
    symbol: str = "BTCUSDT",
    side: PositionSide = PositionSide.LONG,
    entry: float = 100.0,
    stop: float | None = None,
    at: datetime = T0,
) -> EntryIntent:
    """An entry intent; the stop defaults to 5 % against the entry."""
    if stop is None:
        stop = entry * (0.95 if side is PositionSide.LONG else 1.05)
    return EntryIntent(
        symbol=symbol,
        side=side,
        reference_price=entry,
        stop_price=stop,
        take_profit_price=entry * (1.05 if side is PositionSide.LONG else 0.95),
        strength=0.8,
        cluster=None,
        created_at=at,
    )


def position(
    symbol: str = "ETHUSDT",
    side: PositionSide = PositionSide.LONG,
    quantity: float = 1.0,
    entry: float = 100.0,
) -> Position:
    """An open position (notional = quantity × entry)."""
    return Position(
        symbol=symbol,
        side=side,
        quantity=quantity,
        entry_price=entry,
        stop_price=entry * 0.95,
        take_profit_price=entry * 1.05,
        opened_at=T0 - timedelta(hours=1),
        client_order_id=f"test-{symbol}",
        entry_fee=0.0,
    )


def context(
    now: datetime = T0,
    equity: float = 10_000.0,
    positions: Sequence[Position] = (),
    price: float | None = 100.0,
    price_age: float | None = 0.0,
    heatmap_age: float | None = 0.0,
) -> RiskContext:
    """A context whose price and heatmap are ``*_age`` seconds old (``None``: unknown)."""
    return RiskContext(
        now=now,
        equity=equity,
        open_positions=tuple(positions),
        mark_price=price,
        mark_price_at=None if price_age is None else now - timedelta(seconds=price_age),
        heatmap_updated_at=None if heatmap_age is None else now - timedelta(seconds=heatmap_age),
    )


def engine(
    limits: RiskLimits | None = None,
    store: RiskStateStore | None = None,
    clock: FakeClock | None = None,
) -> RiskEngine:
    """A risk engine over an in-memory store and a fake clock unless given others."""
    return RiskEngine(
        limits if limits is not None else RiskLimits(),
        store if store is not None else InMemoryRiskStateStore(),
        clock if clock is not None else FakeClock(),
    )
