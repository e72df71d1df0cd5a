"""The trading loop's jobs: prices → strategy → risk → execution → journal.

``TradingLoop`` holds one method per scheduled job and no scheduling of its own (the runner
calls them on APScheduler threads; a backtest can call them on a simulated clock), plus
``on_symbol_event``, the decision for one symbol the moment its mark price or clusters
change (``bot.app.decisions`` calls it from the stream). Every collaborator comes in through
the constructor.

Decisions never wait on each other: the loop's lock covers deciding and journaling only. An
approved entry is reserved (it counts as an open position for the risk limits and blocks
its symbol) and sent off the lock, through the injected ``run_entry`` (inline by default, a
worker thread in the running bot), so a limit entry resting for its timeout holds up no
other symbol's marks, supervision, status or decisions.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
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
    SizedOrder,
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

FundingSink = Callable[[str, float, datetime], float]
"""Books one funding settlement (symbol, rate, time) and returns the payment (0: none)."""

EntryRunner = Callable[[Callable[[], None]], None]
"""Runs an entry's sending (the venue call and its journaling); inline or on a worker."""


def run_inline(send: Callable[[], None]) -> None:
    """The default ``EntryRunner``: send at once, on the calling thread (off the loop lock)."""
    send()


@dataclass(frozen=True, slots=True)
class _Entry:
    """An approved entry between its journaling and its fill: what sending it needs."""

    intent: EntryIntent
    order: SizedOrder
    client_order_id: str
    order_id: int
    signal: Signal
    detail: str
    reserved: Position


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
        run_entry: EntryRunner = run_inline,
        funding: FundingSink | None = None,
        defer_flat_marks: bool = False,
    ) -> None:
        """Wire the collaborators; nothing runs until a job method is called.

        ``exchange_blocked`` says why the exchange takes no request now (a 429 / 418 in
        force, ``RequestGate.blocked_reason``): entries stay paused meanwhile.
        ``projected`` gives a symbol's projected liquidation levels for the strategy's
        snapshots (the heatmap's ``get_projected_levels``, when the strategy trades them).
        ``run_entry`` sends approved entries (see the module doc). ``defer_flat_marks``: a
        symbol with no position and no entry being sent gets only its latest mark applied
        to the heatmap and the venue, just before something reads them (a decision, equity,
        status); for a heatmap that keeps no price history (no projected layer) and a venue
        whose marks only matter to open positions, which is what a backtest runs, the
        outcome is the same at a fraction of the cost. ``funding`` books a funding
        settlement (the paper venue's ``apply_funding`` when ``paper.funding`` is on): it is
        called once per settlement a symbol's marks show passing, with the rate published
        before it.
        """
        self._run_entry = run_entry
        self._funding = funding
        self._funding_due: dict[str, tuple[datetime, float]] = {}  # next settlement, rate
        self._exchange_blocked = exchange_blocked
        self._projected = projected
        self._symbols = [to_exchange_id(s) for s in symbols]
        self._symbol_set = frozenset(self._symbols)
        self._heatmap = heatmap
        self._prices = prices
        self._strategy = strategy
        self._risk = risk
        self._venue = venue
        self._log = trade_log
        self._clock = clock
        self._settings = settings
        self._marks: dict[str, MarkPrice] = {}
        self._defer_flat_marks = defer_flat_marks
        # Marks kept in ``_marks`` but not yet given to the heatmap and the venue (flat
        # symbols, ``defer_flat_marks``): the newest per symbol.
        self._deferred: dict[str, MarkPrice] = {}
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
        # Entries approved and journaled, not yet answered by the venue (symbol → entry).
        self._entering: dict[str, _Entry] = {}
        self._entries_done = threading.Condition(self._lock)

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
            if not self._defer_flat_marks:
                for symbol in self._symbols:
                    mark = marks.get(symbol)
                    if mark is not None:
                        self._apply_mark(symbol, mark, received)
                return
            # Stops and targets trigger on every mark of a held symbol; a flat one's marks
            # are kept until read (see ``defer_flat_marks``). No position opens meanwhile.
            held = {p.symbol for p in self._venue.positions()}
            held.update(self._entering)
            kept, seen_at, deferred = self._marks, self._seen_at, self._deferred
            for symbol in self._symbols:
                mark = marks.get(symbol)
                if mark is None:
                    continue
                if symbol in held:
                    deferred.pop(symbol, None)
                    self._apply_mark(symbol, mark, received)
                    continue
                previous = kept.get(symbol)
                if previous is None or mark.timestamp != previous.timestamp:
                    seen_at[symbol] = received
                kept[symbol] = mark
                deferred[symbol] = mark
                if self._funding is not None:
                    self._settle_funding(symbol, mark)

    def on_symbol_event(self, symbol: str, mark: MarkPrice | None = None) -> None:
        """Decide for ``symbol`` now: its mark price arrived (``mark``) or its clusters changed.

        The mark (when given, and not older than the one held) is applied as ``on_prices``
        would (stops and targets trigger on it); then a flat symbol is asked for an entry, an
        open position for an exit. Symbols the loop does not trade are ignored.
        """
        key = to_exchange_id(symbol)
        if key not in self._symbol_set:
            return
        entry = None
        with self._lock:
            self._catch_up(key)
            if mark is not None:
                held = self._marks.get(key)
                if held is None or mark.timestamp >= held.timestamp:
                    self._apply_mark(key, mark)
            if self._stopping or key in self._entering:
                return
            position = self._venue.position(key)
            intent = self._decide(key, position)
            if position is None and isinstance(intent, EntryIntent):
                entry = self._prepare_entry(intent)
            elif position is None and isinstance(intent, EntryRefusal):
                self._refused(intent)
            elif position is not None and isinstance(intent, ExitIntent):
                self._exit(intent)
        if entry is not None:
            self._run_entry(partial(self._send_entry, entry))

    def run_signals(self) -> None:
        """Ask the strategy about every flat symbol and act on entry intents."""
        entries = []
        with self._lock:
            self._catch_up()
            for symbol in self._symbols:
                if (self._venue.position(symbol) is None and not self._stopping
                        and symbol not in self._entering):
                    intent = self._decide(symbol, None)
                    if isinstance(intent, EntryIntent):
                        entry = self._prepare_entry(intent)
                        if entry is not None:
                            entries.append(entry)
                    elif isinstance(intent, EntryRefusal):
                        self._refused(intent)
        for entry in entries:
            self._run_entry(partial(self._send_entry, entry))

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
            self._catch_up()
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

    def stop(self, close_positions: bool, entry_wait_seconds: float = 30.0) -> None:
        """Stop taking entries; let entries being sent finish (up to ``entry_wait_seconds``);
        close every position first if asked."""
        with self._lock:
            self._catch_up()
            self._stopping = True
            deadline = time.monotonic() + entry_wait_seconds
            while self._entering and time.monotonic() < deadline:
                self._entries_done.wait(timeout=max(0.0, deadline - time.monotonic()))
            if self._entering:
                log.warning("stopping while entries are still being sent: %s",
                            ", ".join(sorted(self._entering)))
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
            self._catch_up(symbol)
            if self._venue.position(symbol) is None:
                return "no_position"
            self._log.risk_event("operator", "close position", symbol=symbol, detail=reason)
            self._exit(ExitIntent(symbol, "manual", self._clock()))
            return "failed" if self._venue.position(symbol) is not None else "closed"

    def status(self) -> LoopStatus:
        """What a status display shows."""
        with self._lock:
            self._catch_up()
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

    def _apply_mark(self, symbol: str, mark: MarkPrice, received: datetime | None = None) -> None:
        """A mark price of ``symbol`` (received at ``received``, now if unset): kept, given to
        the heatmap, and to the venue (whose stops and targets trigger on it; closures are
        journaled). Lock held."""
        previous = self._marks.get(symbol)
        if previous is None or mark.timestamp != previous.timestamp:
            # A new price, on the bot's clock.
            self._seen_at[symbol] = received if received is not None else self._clock()
        self._marks[symbol] = mark
        self._heatmap.update_price(symbol, mark.price)
        for closed in self._venue.on_mark_price(symbol, mark.price, mark.timestamp):
            self._record_exit(closed)
        if self._funding is not None:
            self._settle_funding(symbol, mark)

    def _catch_up(self, symbol: str | None = None) -> None:
        """Give the heatmap and the venue the deferred marks (of ``symbol``, or every one);
        what a flat symbol's marks would have left there (lock held)."""
        if not self._deferred:
            return
        pending = ([(symbol, self._deferred.pop(symbol))] if symbol in self._deferred
                   else []) if symbol is not None else list(self._deferred.items())
        if symbol is None:
            self._deferred.clear()
        for key, mark in pending:
            self._heatmap.update_price(key, mark.price)
            for closed in self._venue.on_mark_price(key, mark.price, mark.timestamp):
                self._record_exit(closed)  # none: the symbol was flat

    def _settle_funding(self, symbol: str, mark: MarkPrice) -> None:
        """A mark past the settlement the previous marks announced: book that settlement at
        the rate announced with it (lock held)."""
        due = self._funding_due.get(symbol)
        if due is not None and mark.timestamp >= due[0] and self._funding is not None:
            at, rate = due
            paid = self._funding(symbol, rate, at)
            if paid:
                log.info("funding %s at %s: %.4f USDT (rate %g)", symbol, at.isoformat(),
                         paid, rate)
                self._log.risk_event("funding", "funding fee", symbol=symbol,
                                     detail=f"{paid:.8f} USDT at rate {rate:g}")
            del self._funding_due[symbol]
        if mark.next_funding_at is not None and mark.funding_rate is not None:
            self._funding_due[symbol] = (mark.next_funding_at, mark.funding_rate)

    def _prepare_entry(self, intent: EntryIntent) -> _Entry | None:
        """Every check and journal write before an entry leaves, under the lock; the entry,
        reserved, or ``None`` when it was ignored or refused (journaled either way)."""
        mark = self._marks[intent.symbol]
        signal = Signal(
            symbol=intent.symbol, direction=intent.side.sign, strength=intent.strength,
            cluster=intent.cluster, mark_price=mark.price, created_at=intent.created_at,
        )
        if intent.strength < self._settings.min_signal_strength:
            self._log.signal(signal, SignalOutcome.IGNORED,
                             f"below min_signal_strength {self._settings.min_signal_strength}")
            return None
        # An operator's pause holds every symbol; the kill switch is risk's to refuse.
        paused = self._operator_pause or self._stream_problem or (
            f"{intent.symbol}: mark price stale" if intent.symbol in self._stale else None)
        if paused:
            self._log.signal(signal, SignalOutcome.IGNORED, f"entries paused: {paused}")
            return None
        decision = self._risk.check(intent, self._risk_context(intent.symbol, mark))
        if decision.order is None:
            reason = f"{decision.reason}: {decision.detail}"
            # The signal and its risk event in one transaction; a repeat of the same refusal
            # (decisions come with every mark) is not journaled again, nor its risk event.
            self._log.signal(signal, SignalOutcome.REJECTED, reason,
                             rejection=(decision.reason, decision.detail))
            return None
        cid = client_order_id(self._log.mode, OrderPurpose.ENTRY, intent.symbol,
                              to_epoch_ms(intent.created_at), self._log.bot_id)
        try:
            order_id = self._log.entry_requested(intent, decision.order.quantity, cid)
        except JournalUnavailable:
            # Never an order the journal does not hold; the failure is logged once where it
            # happened, and the health check pauses entries until the journal works again.
            return None
        self._risk.record_order(intent.created_at)
        entry = _Entry(intent, decision.order, cid, order_id, signal, decision.detail,
                       _reserved(intent, decision.order, cid))
        self._entering[intent.symbol] = entry
        return entry

    def _send_entry(self, entry: _Entry) -> None:
        """Send a prepared entry to the venue (no loop lock held meanwhile), then journal
        what became of it under the lock."""
        try:
            position = self._venue.open_position(entry.order, entry.client_order_id)
        except BotError as exc:
            with self._lock:
                self._entry_refused(entry, exc)
            return
        except BaseException:
            with self._lock:  # a bug, said by the caller: the reservation must not outlive it
                self._entry_done(entry)
            raise
        with self._lock:
            self._entry_done(entry)
            trade_id = self._log.entry_filled(entry.intent, entry.order_id, position)
            self._log.signal(entry.signal, SignalOutcome.ENTERED, entry.detail,
                             trade_id=trade_id)
        log.info("entered %s %s %.6g @ %.6g (trade %s)", position.side, position.symbol,
                 position.quantity, position.entry_price,
                 "journal pending" if trade_id is None else trade_id)

    def _entry_refused(self, entry: _Entry, exc: BotError) -> None:
        self._entry_done(entry)
        cid = entry.client_order_id
        if isinstance(exc, UnknownOrderOutcome):
            self._log.entry_failed(cid, str(exc), OrderStatus.UNKNOWN)
            self._log.signal(entry.signal, SignalOutcome.REJECTED,
                             f"execution: outcome unknown: {exc}")
        else:
            self._log.entry_failed(cid, str(exc))
            self._log.signal(entry.signal, SignalOutcome.REJECTED, f"execution: {exc}")

    def _entry_done(self, entry: _Entry) -> None:
        """The venue answered: the reservation ends (lock held)."""
        self._entering.pop(entry.intent.symbol, None)
        self._entries_done.notify_all()

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
        # Entries on their way count as open: limits hold while they are being sent.
        reserved = [entry.reserved for entry in self._entering.values()]
        return RiskContext(
            now=self._clock(), equity=self._venue.equity(),
            open_positions=[*self._venue.positions(), *reserved], mark_price=mark.price,
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


def _reserved(intent: EntryIntent, order: SizedOrder, client_order_id: str) -> Position:
    """The position an entry being sent will be, as the risk limits count it meanwhile."""
    return Position(
        symbol=intent.symbol, side=intent.side, quantity=order.quantity,
        entry_price=intent.reference_price, stop_price=intent.stop_price,
        take_profit_price=intent.take_profit_price, opened_at=intent.created_at,
        client_order_id=client_order_id, entry_fee=0.0,
    )
