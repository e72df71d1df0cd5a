"""The read-only views the API serves, and the control port it drives.

``LiveViews`` reads a running bot through the same ``TradingLoop.status()`` the terminal view
shows (no second source of truth) plus the heatmap and the journal; ``JournalViews`` reads a
journal alone (``bot dashboard``: a stopped or remote bot). Both turn domain objects into the
response models of ``bot.web.schemas`` here, so routers stay thin.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Literal, Protocol

from bot.domain import LiquidationCluster, MarkPrice, Position
from bot.heatmap import HeatmapHealth
from bot.journal import JournalRepository, TradeMode, TradeStatus
from bot.symbols import to_exchange_id
from bot.web.schemas import (
    ClusterOut,
    EquityPoint,
    HealthOut,
    HeatmapOut,
    Layer,
    PositionOut,
    PricePoint,
    SignalOut,
    StatusOut,
    SymbolOut,
    TradeOut,
    VenueHealthOut,
)

PRICE_HISTORY_POINTS = 3600  # one hour of 1 s samples per symbol

CloseOutcome = Literal["closed", "no_position", "failed"]


class LoopStatus(Protocol):
    """What the views read of ``TradingLoop.status()`` (the terminal view's source too)."""

    @property
    def prices(self) -> Mapping[str, MarkPrice]:
        """Latest mark price per symbol."""

    @property
    def best_clusters(self) -> Mapping[str, LiquidationCluster | None]:
        """Strongest cluster per traded symbol."""

    @property
    def positions(self) -> Sequence[Position]:
        """Open positions."""

    @property
    def equity(self) -> float:
        """Account equity."""

    @property
    def balance(self) -> float:
        """Account balance."""

    @property
    def entries_paused(self) -> str | None:
        """Why entries are paused, or None."""

    @property
    def heatmap(self) -> HeatmapHealth:
        """Stream health."""

    @property
    def closed_trades(self) -> int:
        """Trades closed since start."""


class UnknownSymbol(LookupError):
    """A symbol the bot does not trade (the API answers 404)."""


class ClusterSource(Protocol):
    """What the views need of the heatmap."""

    def get_clusters(self, symbol: str) -> list[LiquidationCluster]:
        """Realised clusters, strongest first."""

    def get_price(self, symbol: str) -> float | None:
        """The current price, or None."""

    def health(self) -> HeatmapHealth:
        """Connection and data counters."""


class BotControl(Protocol):
    """The bot's own control paths (``TradingLoop`` has them; each journals itself)."""

    def pause_entries(self, reason: str) -> None:
        """Take no new entries."""

    def resume_entries(self, reason: str) -> None:
        """Lift an operator pause."""

    def set_kill_switch(self, on: bool, reason: str) -> None:
        """Turn the risk kill switch on or off."""

    def close_position(self, symbol: str, reason: str) -> CloseOutcome:
        """Close a position through the venue."""


class DashboardViews(Protocol):
    """Everything the read endpoints serve."""

    @property
    def live(self) -> bool:
        """Whether a running bot stands behind these views."""

    def symbols(self) -> list[str]:
        """Symbols the page can pick."""

    def health(self, now: datetime) -> HealthOut:
        """Stream health."""

    def status(self, now: datetime, control_enabled: bool) -> StatusOut:
        """Mode, account, positions, pause."""

    def heatmap(self, symbol: str, layer: Layer) -> HeatmapOut:
        """Levels of one symbol (``UnknownSymbol`` when not traded)."""

    def prices(self, symbol: str) -> list[PricePoint]:
        """Sampled mark prices, oldest first."""

    def trades(self, limit: int, symbol: str | None) -> list[TradeOut]:
        """The newest trades, oldest first."""

    def signals(self, limit: int, symbol: str | None) -> list[SignalOut]:
        """The newest signals, oldest first."""

    def equity(self, limit: int) -> list[EquityPoint]:
        """The newest equity snapshots, oldest first."""

    def sample(self, now: datetime) -> None:
        """Record the current prices into the history (called every second)."""


def cluster_out(cluster: LiquidationCluster) -> ClusterOut:
    """The API shape of a cluster (``kind`` and ``venue_notional`` when the heatmap has them)."""
    values = {f.name: getattr(cluster, f.name) for f in fields(cluster)}
    venues = getattr(cluster, "venue_notional", None)
    # Before several venues existed every liquidation came from Binance.
    values["venue_notional"] = dict(venues) if venues else {"binance": cluster.total_notional}
    values["kind"] = getattr(cluster, "kind", "realized")
    return ClusterOut(**values)


def _venue_health(health: object) -> VenueHealthOut:
    return VenueHealthOut(
        connected=bool(getattr(health, "connected", False)),
        messages=int(getattr(health, "messages", 0)),
        parse_errors=int(getattr(health, "parse_errors", 0)),
        reconnects=int(getattr(health, "reconnects", 0)),
        last_message_at=getattr(health, "last_message_at", None),
    )


def health_out(health: HeatmapHealth, now: datetime) -> HealthOut:
    """``/health`` of a live heatmap: totals, and per venue when the heatmap reports them."""
    venues = getattr(health, "venues", None) or {"binance": health}
    return HealthOut(
        status="ok", live=True, stream=_venue_health(health),
        venues={name: _venue_health(v) for name, v in dict(venues).items()},
        last_refresh_at=health.last_refresh_at, server_time=now,
    )


def _position_out(position: Position, mark: float | None) -> PositionOut:
    return PositionOut(
        symbol=position.symbol, side=position.side, quantity=position.quantity,
        entry_price=position.entry_price, stop_price=position.stop_price or None,
        take_profit_price=position.take_profit_price or None,
        target_cluster_price=position.target_cluster_price, opened_at=position.opened_at,
        mark_price=mark,
        unrealised_pnl=None if mark is None else position.unrealised_pnl(mark),
    )


class JournalViews:
    """Views of a journal alone: trades, signals, equity; no stream, no heatmap."""

    def __init__(self, journal: JournalRepository, mode: TradeMode) -> None:
        """Read ``mode``'s rows of ``journal``."""
        self._journal = journal
        self._mode = mode

    @property
    def live(self) -> bool:
        """No running bot behind a journal."""
        return False

    def symbols(self) -> list[str]:
        """Symbols that appear in the journal's trades."""
        return sorted({t.symbol for t in self._journal.list_trades(mode=self._mode)})

    def health(self, now: datetime) -> HealthOut:
        """The server is up; there is no stream to report."""
        return HealthOut(status="ok", live=False, stream=None, venues={}, last_refresh_at=None,
                         server_time=now)

    def status(self, now: datetime, control_enabled: bool) -> StatusOut:
        """Open trades as positions and the last equity snapshot."""
        open_trades = self._journal.open_trades(mode=self._mode)
        last = self._journal.list_equity_snapshots(mode=self._mode)[-1:]
        return StatusOut(
            mode=str(self._mode), live=False,
            symbols=[SymbolOut(symbol=s, price=None, best_cluster=None) for s in self.symbols()],
            equity=last[0].equity if last else None, balance=last[0].balance if last else None,
            positions=[PositionOut(
                symbol=t.symbol, side=t.side, quantity=t.quantity, entry_price=t.entry_price,
                stop_price=t.stop_price, take_profit_price=t.take_profit_price,
                target_cluster_price=t.target_cluster_price, opened_at=t.entry_time,
                mark_price=None, unrealised_pnl=None) for t in open_trades],
            entries_paused=False, paused_reason=None, kill_switch=False,
            closed_trades=len(self._journal.list_trades(mode=self._mode,
                                                        status=TradeStatus.CLOSED)),
            control_enabled=False, stream=self.health(now), server_time=now,
        )

    def heatmap(self, symbol: str, layer: Layer) -> HeatmapOut:
        """A journal holds no live heatmap."""
        raise UnknownSymbol(f"{symbol}: no live heatmap behind a journal-only dashboard")

    def prices(self, symbol: str) -> list[PricePoint]:
        """No live prices."""
        return []

    def trades(self, limit: int, symbol: str | None) -> list[TradeOut]:
        """The newest ``limit`` trades of the mode."""
        return self._journal.list_trades(mode=self._mode, symbol=symbol)[-limit:]

    def signals(self, limit: int, symbol: str | None) -> list[SignalOut]:
        """The newest ``limit`` signals of the mode."""
        rows = [s for s in self._journal.list_signals(symbol=symbol) if s.mode == self._mode]
        return [SignalOut(
            id=s.id, symbol=s.symbol, time=s.time, direction=s.direction, strength=s.strength,
            mark_price=s.mark_price, cluster_price=s.cluster_price, cluster_side=s.cluster_side,
            outcome=s.outcome, reason=s.reason, trade_id=s.trade_id,
        ) for s in rows[-limit:]]

    def equity(self, limit: int) -> list[EquityPoint]:
        """The newest ``limit`` equity snapshots of the mode."""
        rows = self._journal.list_equity_snapshots(mode=self._mode)[-limit:]
        return [EquityPoint(time=e.time, equity=e.equity, balance=e.balance,
                            open_positions=e.open_positions) for e in rows]

    def sample(self, now: datetime) -> None:
        """Nothing moves in a journal."""


class LiveViews(JournalViews):
    """Views of a running bot: its loop's status, its heatmap, and its journal."""

    def __init__(
        self,
        *,
        status: Callable[[], LoopStatus],
        heatmap: ClusterSource,
        symbols: Sequence[str],
        journal: JournalRepository,
        mode: TradeMode,
        kill_switch: Callable[[], bool],
        projected: Callable[[str], Sequence[LiquidationCluster]] | None = None,
    ) -> None:
        """``status`` is ``TradingLoop.status``; ``projected`` the heatmap's projected levels."""
        super().__init__(journal, mode)
        self._status = status
        self._heatmap = heatmap
        self._symbols = [to_exchange_id(s) for s in symbols]
        self._kill_switch = kill_switch
        self._projected = projected
        self._history: dict[str, deque[PricePoint]] = {
            s: deque(maxlen=PRICE_HISTORY_POINTS) for s in self._symbols}
        self._history_lock = threading.Lock()

    @property
    def live(self) -> bool:
        """A running bot."""
        return True

    def symbols(self) -> list[str]:
        """The symbols the bot trades."""
        return list(self._symbols)

    def health(self, now: datetime) -> HealthOut:
        """The heatmap's stream health (what ``status().heatmap`` holds, without the rest)."""
        return health_out(self._heatmap.health(), now)

    def status(self, now: datetime, control_enabled: bool) -> StatusOut:
        """The loop's status as the terminal view shows it."""
        s = self._status()
        marks: Mapping[str, float] = {k: v.price for k, v in s.prices.items()}
        return StatusOut(
            mode=str(self._mode), live=True,
            symbols=[SymbolOut(symbol=sym, price=marks.get(sym),
                               best_cluster=None if c is None else cluster_out(c))
                     for sym, c in s.best_clusters.items()],
            equity=s.equity, balance=s.balance,
            positions=[_position_out(p, marks.get(p.symbol)) for p in s.positions],
            entries_paused=s.entries_paused is not None, paused_reason=s.entries_paused,
            kill_switch=self._kill_switch(), closed_trades=s.closed_trades,
            control_enabled=control_enabled, stream=health_out(s.heatmap, now),
            server_time=now,
        )

    def heatmap(self, symbol: str, layer: Layer) -> HeatmapOut:
        """Realised and/or projected levels of one traded symbol."""
        symbol = self._known(symbol)
        levels: list[ClusterOut] = []
        if layer in ("realized", "both"):
            levels += [cluster_out(c) for c in self._heatmap.get_clusters(symbol)]
        if layer in ("projected", "both") and self._projected is not None:
            levels += [cluster_out(c) for c in self._projected(symbol)]
        levels.sort(key=lambda c: c.strength, reverse=True)
        return HeatmapOut(symbol=symbol, price=self._heatmap.get_price(symbol), layer=layer,
                          clusters=levels)

    def prices(self, symbol: str) -> list[PricePoint]:
        """Mark prices sampled once a second while the dashboard runs."""
        symbol = self._known(symbol)
        with self._history_lock:
            return list(self._history[symbol])

    def sample(self, now: datetime) -> None:
        """Append each symbol's current price to its history."""
        with self._history_lock:
            for symbol, points in self._history.items():
                price = self._heatmap.get_price(symbol)
                if price is not None:
                    points.append(PricePoint(time=now, price=price))

    def _known(self, symbol: str) -> str:
        try:
            exchange_id = to_exchange_id(symbol)
        except ValueError:
            raise UnknownSymbol(f"{symbol}: not a symbol") from None
        if exchange_id not in self._history:
            raise UnknownSymbol(f"{symbol}: not traded by this bot")
        return exchange_id
