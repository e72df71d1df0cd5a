"""Builders of valid journal inputs for the tests; override fields by keyword."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from bot.domain import LiquidationCluster, OrderSide, PositionSide
from bot.journal import (
    NewOrder,
    NewTrade,
    OrderPurpose,
    TradeMode,
)

T0 = datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def new_order(client_order_id: str = "cid-1", **changes: object) -> NewOrder:
    order = NewOrder(
        client_order_id=client_order_id,
        symbol="BTC/USDT:USDT",
        type="market",
        side=OrderSide.BUY,
        quantity=0.01,
        purpose=OrderPurpose.ENTRY,
        mode=TradeMode.PAPER,
    )
    return dataclasses.replace(order, **changes)  # type: ignore[arg-type]


def new_trade(client_order_id: str | None = "cid-1", **changes: object) -> NewTrade:
    trade = NewTrade(
        symbol="BTCUSDT",
        side=PositionSide.LONG,
        mode=TradeMode.PAPER,
        entry_time=T0,
        entry_price=90_000.0,
        quantity=0.01,
        client_order_id=client_order_id,
        stop_price=87_300.0,
        take_profit_price=94_500.0,
        target_cluster_price=95_000.0,
        target_cluster_side="short",
        target_cluster_strength=0.8,
        fees=0.36,
    )
    return dataclasses.replace(trade, **changes)  # type: ignore[arg-type]


def cluster(price: float = 95_000.0) -> LiquidationCluster:
    return LiquidationCluster(
        symbol="BTCUSDT",
        price_level=price,
        side="short",
        liquidation_count=7,
        total_notional=1_000_000.0,
        strength=0.8,
        distance_from_price=5.5,
        last_updated=T0,
        price_low=94_500.0,
        price_high=95_500.0,
        long_notional=0.0,
        short_notional=900_000.0,
        newest_at=T0,
    )
