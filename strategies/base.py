"""The strategy base class and the read-only views a strategy decides from.

A strategy is a pure function of a :class:`MarketSnapshot`: it gets the symbol, the heatmap's
clusters, the mark price, the time and its open position, and answers with an intent (or
nothing). It never does I/O and never reads a clock; the runner supplies everything, and risk
and execution turn intents into orders.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.domain import EntryIntent, EntryRefusal, ExitIntent, LiquidationCluster, PositionSide
from bot.symbols import to_exchange_id

Intent = EntryIntent | ExitIntent | EntryRefusal
"""What a strategy may ask for: open a position or close one, or say why it will not open
the one it found (journaled, nothing sent)."""


def _require_positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}: expected a finite number > 0, got {value!r}")


@dataclass(frozen=True, slots=True)
class OpenPosition:
    """A strategy's read-only view of its open position in one symbol.

    Attributes:
        symbol: The position's symbol, in either form (``BTCUSDT`` or ``BTC/USDT:USDT``).
        side: Long or short.
        entry_price: Average fill price of the entry.
        quantity: Size in base-asset units (always positive; ``side`` gives the direction).
        stop_price: Price at which the position is cut at a loss.
        take_profit_price: Price at which the profit is taken.
        target_cluster_price: Price level of the cluster the entry aimed at, if any.
    """

    symbol: str
    side: PositionSide
    entry_price: float
    quantity: float
    stop_price: float
    take_profit_price: float
    target_cluster_price: float | None = None

    def __post_init__(self) -> None:
        _require_positive("entry_price", self.entry_price)
        _require_positive("quantity", self.quantity)
        _require_positive("stop_price", self.stop_price)
        _require_positive("take_profit_price", self.take_profit_price)
        if self.target_cluster_price is not None:
            _require_positive("target_cluster_price", self.target_cluster_price)


@dataclass(frozen=True, slots=True)
class MarketSnapshot:
    """Everything a strategy may look at for one symbol at one moment.

    Attributes:
        symbol: The symbol decided on; intents carry it unchanged.
        clusters: The symbol's liquidation clusters, strongest first, as the heatmap
            returned them (stored as a tuple so the snapshot cannot change under a strategy).
        projected: The symbol's projected liquidation levels (``kind`` ``"projected"``),
            strongest first; empty when nobody asked the heatmap for them.
        mark_price: The current mark price.
        now: The current time, timezone-aware UTC (the runner's clock, not the strategy's).
        position: The strategy's open position in ``symbol``, or ``None`` when flat.
    """

    symbol: str
    clusters: Sequence[LiquidationCluster]
    mark_price: float
    now: datetime
    position: OpenPosition | None = None
    projected: Sequence[LiquidationCluster] = ()

    def __post_init__(self) -> None:
        _require_positive("mark_price", self.mark_price)
        if self.now.tzinfo is None:
            raise ValueError("now: expected a timezone-aware (UTC) datetime")
        if self.position is not None and to_exchange_id(self.position.symbol) != to_exchange_id(
            self.symbol
        ):
            raise ValueError(
                f"position is for {self.position.symbol!r}, snapshot for {self.symbol!r}"
            )
        # Frozen dataclass: object.__setattr__ is the documented way to normalise a field.
        object.__setattr__(self, "clusters", tuple(self.clusters))
        object.__setattr__(self, "projected", tuple(self.projected))


class Strategy(ABC):
    """Base of every strategy: two small hooks, one decision.

    Subclasses write :meth:`entry_intent` (what to open when flat) and :meth:`exit_reason`
    (why to close an open position); :meth:`decide` routes a snapshot to the right one.
    Both hooks must be pure: no I/O, no clock reads, no mutation of the snapshot.
    """

    exit_reads_clusters: ClassVar[bool] = True
    """Whether :meth:`exit_reason` looks at ``snapshot.clusters``. A strategy whose exits
    depend on the position and the mark price alone says False, and the trading loop then
    supervises its positions without asking the heatmap (a backtest supervises every
    simulated second, and building the clusters was most of its cost)."""

    def decide(self, snapshot: MarketSnapshot) -> Intent | None:
        """Return the intent for ``snapshot``: an entry when flat, an exit when open, or None.

        Args:
            snapshot: The market state and position for one symbol.

        Returns:
            An ``EntryIntent`` (flat and an entry is wanted), an ``EntryRefusal`` (flat, an
            entry found but turned down), an ``ExitIntent`` (a position is open and should
            close) or ``None`` (nothing to do).
        """
        if snapshot.position is None:
            return self.entry_intent(snapshot)
        reason = self.exit_reason(snapshot, snapshot.position)
        if reason is None:
            return None
        return ExitIntent(symbol=snapshot.symbol, reason=reason, created_at=snapshot.now)

    @abstractmethod
    def entry_intent(self, snapshot: MarketSnapshot) -> EntryIntent | EntryRefusal | None:
        """Return the position to open while flat, why the one found is refused, or
        ``None`` to stay flat."""

    @abstractmethod
    def exit_reason(self, snapshot: MarketSnapshot, position: OpenPosition) -> str | None:
        """Return why ``position`` should close now (journalled as the reason), or ``None``."""
