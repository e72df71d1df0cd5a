"""Pydantic response models of the HTTP API (what ``/api/v1/openapi.json`` documents).

Cluster fields are the contract's ``LiquidationCluster`` fields plus ``kind`` (``realized``
or ``projected``) and the bounds, so the page draws both layers from one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.domain import LiquidationCluster
from bot.journal import TradeRecord

Layer = Literal["realized", "projected", "both"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


@dataclass(frozen=True, slots=True)
class ClusterOut(LiquidationCluster):
    """One liquidation level: the contract's cluster fields, ``kind`` and per-venue notional.

    ``kind`` is ``realized`` (from liquidations seen) or ``projected`` (estimated from open
    interest); ``venue_notional`` maps venue → raw notional of the members.
    """

    kind: Literal["realized", "projected"] = "realized"
    venue_notional: dict[str, float] = field(default_factory=dict)


class HeatmapOut(_Out):
    """The levels of one symbol, strongest first, with the current price."""

    symbol: str
    price: float | None
    layer: Layer
    clusters: list[ClusterOut]


class PricePoint(_Out):
    """One sampled mark price."""

    time: datetime
    price: float


class PriceHistoryOut(_Out):
    """Mark prices of one symbol sampled since the dashboard started (oldest first)."""

    symbol: str
    points: list[PricePoint]


class VenueHealthOut(_Out):
    """Stream health of one liquidation venue."""

    connected: bool
    messages: int
    parse_errors: int
    reconnects: int
    last_message_at: datetime | None


class HealthOut(_Out):
    """``/api/v1/health``: ``status`` is ``ok`` while the server answers."""

    status: Literal["ok"]
    live: bool
    stream: VenueHealthOut | None
    venues: dict[str, VenueHealthOut]
    last_refresh_at: datetime | None
    server_time: datetime


class PositionOut(_Out):
    """An open position with its protective levels."""

    symbol: str
    side: str
    quantity: float
    entry_price: float
    stop_price: float | None
    take_profit_price: float | None
    target_cluster_price: float | None
    opened_at: datetime
    mark_price: float | None
    unrealised_pnl: float | None


class SymbolOut(_Out):
    """A traded symbol: its mark price and strongest cluster."""

    symbol: str
    price: float | None
    best_cluster: ClusterOut | None


class StatusOut(_Out):
    """``/api/v1/status``: what the bot is doing now."""

    mode: str
    live: bool
    symbols: list[SymbolOut]
    equity: float | None
    balance: float | None
    positions: list[PositionOut]
    entries_paused: bool
    paused_reason: str | None
    kill_switch: bool
    closed_trades: int
    control_enabled: bool
    stream: HealthOut
    server_time: datetime


# A journal trade is served as the journal's own record (the fields of ``bot journal
# --format json``): pydantic reads the dataclass, so the API follows the journal's fields.
TradeOut = TradeRecord


class SignalOut(_Out):
    """A journaled signal and what became of it."""

    id: int
    symbol: str
    time: datetime
    direction: int
    strength: float
    mark_price: float
    cluster_price: float | None
    cluster_side: str | None
    outcome: str
    reason: str | None
    trade_id: int | None


class EquityPoint(_Out):
    """One equity snapshot."""

    time: datetime
    equity: float
    balance: float
    open_positions: int


class ActionOut(_Out):
    """The answer of a control endpoint."""

    ok: bool
    action: str
    detail: str


class ErrorOut(_Out):
    """An error answer."""

    detail: str
