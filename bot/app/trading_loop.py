"""The trading loop's jobs: prices → strategy → risk → execution → journal.

``TradingLoop`` holds one method per scheduled job and no scheduling of its own (the runner
calls them on APScheduler threads; a backtest can call them on a simulated clock). Every
collaborator comes in through the constructor.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.app.trade_log import TradeLog, client_order_id
from bot.domain import (
    ClosedPosition,
    EntryIntent,
    EntryRefusal,
    ExitIntent,
    LiquidationCluster,
    MarkPrice,
    Position,
    Signal,
    to_epoch_ms,
)
from bot.errors import BotError, IpBanned, TemporaryExchangeError, UnknownOrderOutcome
from bot.execution import ExecutionVenue
from bot.heatmap import HeatmapHealth
from bot.journal import JournalUnavailable, OrderPurpose, OrderStatus, SignalOutcome
from bot.notify import EventName
from bot.risk import RiskContext, RiskEngine
from bot.symbols import to_exchange_id
from strategies.base import Intent, MarketSnapshot, OpenPosition, Strategy

log = logging.getLogger(__name__)


class HeatmapView(Protocol):
    """What the loop needs of the heatmap."""

    def get_clusters(self, symbol: str) -> list[LiquidationCluster]:
        """Latest clusters, strongest first."""

    def update_price(self, symbol: str, price: float) -> None:
        """Set the current price."""

    def health(self) -> HeatmapHealth:
        """Connection and refresh state."""


class MarkPriceSource(Protocol):
    """Where mark prices come from (ccxt's ``fetch_mark_prices``, a replay...)."""

    def poll(self) -> Mapping[str, MarkPrice]:
        """Fetch the latest mark price of every symbol, keyed by Binance id."""


CloseOutcome = Literal["closed", "no_position", "failed"]


@dataclass(frozen=True, slots=True)
class LoopSettings:
    """Loop-level settings (the rest lives in the collaborators)."""

    min_signal_strength: float = 0.0
    max_stream_silence_seconds: float = 30.0
    max_price_age_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class LoopStatus:
    """A read-only picture of the loop for status displays."""

    prices: Mapping[str, MarkPrice]
    best_clusters: Mapping[str, LiquidationCluster | None]
    positions: Sequence[Position]
    equity: float
    balance: float
    entries_paused: str | None
    heatmap: HeatmapHealth
    closed_trades: int


class TradingLoop:
    """The bot's decisions, one method per scheduled job."""

    def __init__(
        self,
        *,
        symbols: Sequence[str],
        heatmap: HeatmapView,
        prices: MarkPriceSource,
        strategy: Strategy,
        risk: RiskEngine,
        venue: ExecutionVenue,
        trade_log: TradeLog,
        clock: Callable[[], datetime],
        settings: LoopSettings,
        exchange_blocked: Callable[[], str | None] | None = None,
        projected: Callable[[str], Sequence[LiquidationCluster]] | None = None,
    ) -> None:
        """Wire the collaborators; nothing runs until a job method is called.

        ``exchange_blocked`` says why the exchange takes no request now (a 429 / 418 in
        force, ``RequestGate.blocked_reason``): entries stay paused meanwhile.
        ``projected`` gives a symbol's projected liquidation levels for the strategy's
        snapshots (the heatmap's ``get_projected_levels``, when the strategy trades them).
        """
        self._exchange_blocked = exchange_blocked
        self._projected = projected
        self._symbols = [to_exchange_id(s) for s in symbols]
        self._heatmap = heatmap
        self._prices = prices
        self._strategy = strategy
        self._risk = risk
        self._venue = venue
        self._log = trade_log
        self._clock = clock
        self._settings = settings
        self._marks: dict[str, MarkPrice] = {}
        # When each symbol's current mark first arrived, on the bot's own clock: an
        # exchange stamp running ahead (clock skew) must not keep a frozen price fresh.
        self._seen_at: dict[str, datetime] = {}
        # Jobs run on scheduler threads; one lock keeps a decision and its journaling whole.
        self._lock = threading.RLock()
        # Why entries are paused, as shown and journaled; a silent stream pauses every
        # symbol, a stale mark price only its own (``_stale``).
        self._paused: str | None = "starting: no health check yet"
        self._operator_pause: str | None = None  # set by an operator (dashboard, API)
        self._stream_problem: str | None = self._paused
        self._stale: frozenset[str] = frozenset()
        self._stopping = False
        self._closed_trades = 0
        self._held: dict[str, tuple[Position, OpenPosition]] = {}

    # -- jobs ------------------------------------------------------------------------------

    def on_prices(self) -> None:
        """Poll mark prices; feed the heatmap and the venue (stops and targets trigger here).

        Also retries journal writes deferred while the database failed (every second).
        """
        self._log.retry_pending()
        try:
            marks = self._prices.poll()
        except (TemporaryExchangeError, IpBanned) as exc:
            log.warning("mark prices unavailable: %s", exc)
            return
        with self._lock:
            received = self._clock()  # one reading for the whole poll's arrivals
            # Bound once: this runs for every symbol every second (a backtest: millions).
            known, seen_at = self._marks, self._seen_at
            update_price, on_mark = self._heatmap.update_price, self._venue.on_mark_price
            for symbol in self._symbols:
                mark = marks.get(symbol)
                if mark is None:
                    continue
                previous = known.get(symbol)
                if previous is None or mark.timestamp != previous.timestamp:
                    seen_at[symbol] = received  # a new price, on the bot's clock
                known[symbol] = mark
                update_price(symbol, mark.price)
                for closed in on_mark(symbol, mark.price, mark.timestamp):
                    self._record_exit(closed)

    def run_signals(self) -> None:
        """Ask the strategy about every flat symbol and act on entry intents."""
        with self._lock:
            for symbol in self._symbols:
                if self._venue.position(symbol) is None and not self._stopping:
                    intent = self._decide(symbol, None)
                    if isinstance(intent, EntryIntent):
                        self._enter(intent)
                    elif isinstance(intent, EntryRefusal):
                        self._refused(intent)

    def supervise(self) -> None:
        """Ask the strategy about every open position (exit on reaching the cluster...)."""
        with self._lock:
            for position in self._venue.positions():
                intent = self._decide(position.symbol, position)
                if isinstance(intent, ExitIntent):
                    self._exit(intent)

    def snapshot_equity(self) -> None:
        """Journal equity; let risk see it (it may trip the daily-loss lock)."""
        with self._lock:
            equity, balance = self._venue.equity(), self._venue.balance()
            self._log.equity(equity=equity, balance=balance,
                             open_positions=len(self._venue.positions()))
            if self._risk.record_equity(self._clock(), equity):
                self._log.risk_event("daily_loss_lock", "daily loss limit reached",
                                     detail=f"equity {equity:.2f} USDT")

    def check_health(self) -> None:
        """Pause entries while the stream is silent (every symbol) or a symbol's mark price is
        stale (that symbol only); say so once per change."""
        stream = self._stream_health()
        stale = self._stale_symbols()
        reason = stream or (f"{', '.join(stale)}: mark price stale" if stale else None)
        with self._lock:
            self._stream_problem, self._stale = stream, frozenset(stale)
            if reason == self._paused:
                return
            if reason:
                log.warning("new entries paused: %s", reason)
                self._log.risk_event("health", "entries paused", detail=reason)
            else:
                log.info("data healthy again: new entries allowed")
                self._log.risk_event("health", "entries resumed")
            self._paused = reason

    def stop(self, close_positions: bool) -> None:
        """Stop taking entries; close every position first if asked."""
        with self._lock:
            self._stopping = True
            if close_positions:
                for position in self._venue.positions():
                    self._exit(ExitIntent(position.symbol, "shutdown", self._clock()))
            self.snapshot_equity()

    # -- operator controls (the dashboard's API calls these; each is journaled) -----------

    def pause_entries(self, reason: str) -> None:
        """Take no new entries until ``resume_entries``; open positions are still managed."""
        with self._lock:
            self._operator_pause = f"by operator: {reason}"
            log.warning("new entries paused %s", self._operator_pause)
            self._log.risk_event("operator", "entries paused", detail=reason)

    def resume_entries(self, reason: str) -> None:
        """Lift an operator pause (a health pause or the kill switch still hold)."""
        with self._lock:
            self._operator_pause = None
            log.info("operator pause lifted: %s", reason)
            self._log.risk_event("operator", "entries resumed", detail=reason)

    def set_kill_switch(self, on: bool, reason: str) -> None:
        """Turn the risk engine's durable kill switch on or off (every entry refused)."""
        with self._lock:
            self._risk.set_kill_switch(on, reason)
            self._log.risk_event("kill_switch", "kill switch " + ("on" if on else "off"),
                                 detail=reason)

    def announce(self, event: EventName, detail: str | None = None) -> None:
        """Notify ``event`` (the runner's ``start``, ``stop`` and job ``error``s)."""
        self._log.announce(event, detail)

    def kill_switch_on(self) -> bool:
        """Whether the risk kill switch refuses entries now."""
        return self._risk.kill_switch.on

    def close_position(self, symbol: str, reason: str) -> CloseOutcome:
        """Close the open position of ``symbol`` through the venue (exit reason ``manual``)."""
        with self._lock:
            symbol = to_exchange_id(symbol)
            if self._venue.position(symbol) is None:
                return "no_position"
            self._log.risk_event("operator", "close position", symbol=symbol, detail=reason)
            self._exit(ExitIntent(symbol, "manual", self._clock()))
            return "failed" if self._venue.position(symbol) is not None else "closed"

    def status(self) -> LoopStatus:
        """What a status display shows."""
        with self._lock:
            best = {}
            for symbol in self._symbols:
                clusters = self._heatmap.get_clusters(symbol)
                best[symbol] = clusters[0] if clusters else None
            return LoopStatus(
                prices=dict(self._marks), best_clusters=best, positions=self._venue.positions(),
                equity=self._venue.equity(), balance=self._venue.balance(),
                entries_paused=self._entries_paused(), heatmap=self._heatmap.health(),
                closed_trades=self._closed_trades,
            )

    # -- decisions -------------------------------------------------------------------------

    def _decide(self, symbol: str, position: Position | None) -> Intent | None:
        mark = self._marks.get(symbol)
        if mark is None:
            return None
        held = None if position is None else self._strategy_view(position)
        reads_clusters = held is None or self._strategy.exit_reads_clusters
        clusters = self._heatmap.get_clusters(symbol) if reads_clusters else ()
        projected = (self._projected(symbol)
                     if self._projected is not None and reads_clusters else ())
        snapshot = MarketSnapshot(symbol=symbol, clusters=clusters,
                                  mark_price=mark.price, now=self._clock(), position=held,
                                  projected=projected)
        return self._strategy.decide(snapshot)

    def _strategy_view(self, position: Position) -> OpenPosition:
        """The strategy's view of ``position``, built once per position object.

        Positions are frozen, so the view of the same object never changes; supervision asks
        for it every second of every open position.
        """
        cached = self._held.get(position.symbol)
        if cached is not None and cached[0] is position:
            return cached[1]
        held = OpenPosition(
            symbol=position.symbol, side=position.side, entry_price=position.entry_price,
            quantity=position.quantity, stop_price=position.stop_price,
            take_profit_price=position.take_profit_price,
            target_cluster_price=position.target_cluster_price,
        )
        self._held[position.symbol] = (position, held)
        return held

    def _refused(self, refusal: EntryRefusal) -> None:
        """Journal an entry the strategy turned down itself, with its reason."""
        signal = Signal(
            symbol=refusal.symbol, direction=refusal.side.sign, strength=refusal.strength,
            cluster=refusal.cluster, mark_price=refusal.reference_price,
            created_at=refusal.created_at,
        )
        self._log.signal(signal, SignalOutcome.REJECTED, refusal.reason)

    def _enter(self, intent: EntryIntent) -> None:
        mark = self._marks[intent.symbol]
        signal = Signal(
            symbol=intent.symbol, direction=intent.side.sign, strength=intent.strength,
            cluster=intent.cluster, mark_price=mark.price, created_at=intent.created_at,
        )
        if intent.strength < self._settings.min_signal_strength:
            self._log.signal(signal, SignalOutcome.IGNORED,
                             f"below min_signal_strength {self._settings.min_signal_strength}")
            return
        # An operator's pause holds every symbol; the kill switch is risk's to refuse.
        paused = self._operator_pause or self._stream_problem or (
            f"{intent.symbol}: mark price stale" if intent.symbol in self._stale else None)
        if paused:
            self._log.signal(signal, SignalOutcome.IGNORED, f"entries paused: {paused}")
            return
        decision = self._risk.check(intent, self._risk_context(intent.symbol, mark))
        if decision.order is None:
            reason = f"{decision.reason}: {decision.detail}"
            self._log.signal(signal, SignalOutcome.REJECTED, reason)
            self._log.risk_event("rejection", decision.reason, symbol=intent.symbol,
                                 detail=decision.detail)
            return
        cid = client_order_id(self._log.mode, OrderPurpose.ENTRY, intent.symbol,
                              to_epoch_ms(intent.created_at), self._log.bot_id)
        try:
            order_id = self._log.entry_requested(intent, decision.order.quantity, cid)
        except JournalUnavailable:
            # Never an order the journal does not hold; the failure is logged once where it
            # happened, and the health check pauses entries until the journal works again.
            return
        self._risk.record_order(intent.created_at)
        try:
            position = self._venue.open_position(decision.order, cid)
        except UnknownOrderOutcome as exc:
            self._log.entry_failed(cid, str(exc), OrderStatus.UNKNOWN)
            self._log.signal(signal, SignalOutcome.REJECTED, f"execution: outcome unknown: {exc}")
            return
        except BotError as exc:
            self._log.entry_failed(cid, str(exc))
            self._log.signal(signal, SignalOutcome.REJECTED, f"execution: {exc}")
            return
        trade_id = self._log.entry_filled(intent, order_id, position)
        self._log.signal(signal, SignalOutcome.ENTERED, decision.detail, trade_id=trade_id)
        log.info("entered %s %s %.6g @ %.6g (trade %s)", position.side, position.symbol,
                 position.quantity, position.entry_price,
                 "journal pending" if trade_id is None else trade_id)

    def _exit(self, intent: ExitIntent) -> None:
        cid = client_order_id(self._log.mode, OrderPurpose.EXIT, intent.symbol,
                              to_epoch_ms(intent.created_at), self._log.bot_id)
        try:
            closed = self._venue.close_position(intent.symbol, intent.reason, cid)
        except BotError as exc:
            log.error("could not close %s (%s): %s", intent.symbol, intent.reason, exc)
            self._log.risk_event("exit_failed", intent.reason, symbol=intent.symbol,
                                 detail=str(exc))
            return
        self._record_exit(closed)

    def _record_exit(self, closed: ClosedPosition) -> None:
        self._log.exit_filled(closed)
        self._risk.record_exit(closed.position.symbol, closed.exit_time)
        self._closed_trades += 1
        log.info("closed %s %s @ %.6g (%s): pnl %.2f USDT", closed.position.side,
                 closed.position.symbol, closed.exit_price, closed.reason, closed.pnl)

    def _risk_context(self, symbol: str, mark: MarkPrice) -> RiskContext:
        health = self._heatmap.health()
        return RiskContext(
            now=self._clock(), equity=self._venue.equity(),
            open_positions=self._venue.positions(), mark_price=mark.price,
            mark_price_at=self._price_time(symbol), heatmap_updated_at=health.last_refresh_at,
        )

    def _price_time(self, symbol: str) -> datetime:
        """How old the symbol's mark is: the older of the exchange's stamp and the time it
        reached the bot (a stamp in the future counts as the receive time)."""
        return min(self._marks[symbol].timestamp, self._seen_at[symbol])

    def _entries_paused(self) -> str | None:
        """Why entries are paused now, for displays (the operator's pause first), or None."""
        if self._operator_pause:
            return self._operator_pause
        kill = self._risk.kill_switch
        if kill.on:
            return f"kill switch: {kill.reason}"
        return self._paused

    def _stream_health(self) -> str | None:
        """What pauses every symbol: the journal failing, the exchange refusing requests (a
        429 or 418 in force), or the liquidation stream silent."""
        journal = self._log.unavailable
        if journal is not None:
            return f"journal unavailable: {journal}"
        blocked = self._exchange_blocked() if self._exchange_blocked is not None else None
        if blocked is not None:
            return blocked
        health = self._heatmap.health()
        silence = timedelta(seconds=self._settings.max_stream_silence_seconds)
        if health.last_message_at is None or self._clock() - health.last_message_at > silence:
            return "liquidation stream silent" + ("" if health.connected else " (disconnected)")
        return None

    def _stale_symbols(self) -> list[str]:
        now = self._clock()
        max_age = timedelta(seconds=self._settings.max_price_age_seconds)
        with self._lock:
            return [s for s in self._symbols
                    if s not in self._marks or now - self._price_time(s) > max_age]
