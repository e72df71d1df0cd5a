"""The live venue: real orders on Binance USDⓈ-M through ``bot.exchange`` only.

The sibling of ``PaperExecution`` behind ``ExecutionVenue``. What it guarantees:

* Nothing leaves before it is journaled: the entry row (the trading loop writes it, or the
  venue when called directly), the pending stop and take-profit rows with their levels, and
  the entry's id in the durable in-flight list (``bot.execution.live.inflight``).
* No order is ever sent twice: an unclear answer (timeout, 5xx, dropped connection,
  -1006/-1007) is resolved by looking the order up by client order id (``bot.exchange``
  does so, tolerating the short "does not exist yet" window); an entry still unresolved
  after that blocks its symbol until a later lookup settles it.
* Entries are market orders, or (``entry_order="limit"``) GTC limit orders inside the mark
  that are waited for until a timeout, then cancelled; a partial fill is the position, no
  fill an ``InvalidOrder``. The order is read again after the cancel (a fill may race it).
  The entry is sent and waited for off the venue's lock: marks, polls and the position view
  of every symbol go on meanwhile; its own symbol stays busy and is left out of polls.
* Right after the entry fills, a reduce-only STOP_MARKET and TAKE_PROFIT_MARKET (mark-price
  triggered) are placed; if the stop cannot be, the position is closed at market at once,
  the event journaled, and the closure reported on the next ``on_mark_price``.
* Positions are followed by polling: when one is gone, the protective order that filled is
  found, the other cancelled, and the closure reported; no protective order outlives its
  position. A user-data event starts such a poll at once, on a background thread; an
  ``ACCOUNT_UPDATE`` that shows a held position flat takes it out of the position view
  (``positions()``, ``position()``, read without the lock) before that poll books it.
* Funding settlements are journaled from the account's income (``FundingBook``): at the
  first poll after start and after each ``ACCOUNT_UPDATE`` of reason ``FUNDING_FEE``.
* A 429 stops every request until its Retry-After has elapsed; a 418 halts trading.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Literal

from bot.clock import Clock
from bot.domain import ClosedPosition, OrderSide, Position, SizedOrder
from bot.errors import BotError, ExchangeError, InvalidOrder, UnknownOrderOutcome
from bot.exchange import BinanceGateway, ExchangeOrder, MarginMode
from bot.execution.checks import replayed_entry, replayed_exit, validate_order
from bot.execution.errors import NoOpenPosition
from bot.execution.live.account import LiveAccount
from bot.execution.live.funding import FundingBook
from bot.execution.live.guard import ExchangeGuard, TradingHalted
from bot.execution.live.inflight import InFlightEntries, InFlightEntry
from bot.execution.live.journal import LiveJournal
from bot.execution.live.limit_entry import LimitEntry, LimitTiming, limit_price
from bot.execution.live.protection import (
    EMERGENCY_EXIT_SUFFIX,
    Protector,
    derived_id,
    journal_status,
)
from bot.execution.live.tracking import Held, PositionTracker
from bot.execution.live.user_stream.events import (
    AccountUpdate,
    AlgoUpdate,
    OrderUpdate,
    UserEvent,
)
from bot.execution.port import ExecutionMode
from bot.journal import NewOrder, OrderPurpose, TradeMode
from bot.journal import OrderStatus as JournalStatus
from bot.symbols import to_exchange_id

log = logging.getLogger(__name__)

CrashPoint = Callable[[str], None]
"""Called with the name of each point of the order path (a test's kill switch; a no-op)."""


def no_crash(_point: str) -> None:
    """The default crash-point hook: does nothing."""


@dataclass(frozen=True, slots=True)
class LiveConfig:
    """Settings of the live venue.

    Attributes:
        symbols: what is traded (leverage and margin mode are set for each at start).
        leverage: the exchange leverage set per symbol (1..125).
        margin_mode: ``isolated`` or ``cross``.
        taker_fee_rate: used to estimate fees (order answers carry none).
        poll_interval_seconds: least time between two position polls.
        balance_ttl_seconds: how long a fetched balance is reused.
        entry_order: ``market``, or ``limit`` (a GTC limit entry inside the mark).
        limit_offset_pct: percent inside the mark of a limit entry's price.
        limit_timeout_seconds: how long a limit entry waits before it is cancelled.
        limit_poll_seconds: pause between two reads of a waiting limit entry.
        settle_seconds: an unresolved entry still unknown to the exchange this long after
            it was sent is taken as never placed.
    """

    symbols: tuple[str, ...]
    leverage: int = 5
    margin_mode: MarginMode = "isolated"
    taker_fee_rate: float = 0.0005
    poll_interval_seconds: float = 2.0
    balance_ttl_seconds: float = 5.0
    entry_order: Literal["market", "limit"] = "market"
    limit_offset_pct: float = 0.02
    limit_timeout_seconds: float = 10.0
    limit_poll_seconds: float = 0.5
    settle_seconds: float = 15.0


class LiveExecution:
    """Real orders behind the ``ExecutionVenue`` port (see the module docstring).

    Args:
        gateway: the exchange door (with API keys).
        journal: the trade journal; a ``LiveJournal`` accepts a repeat of the same client
            order id, because the trading loop journals exits the venue has already
            journaled before sending.
        clock: aware UTC time.
        config: see ``LiveConfig``.
        crash_point: called at each named point of the order path; a no-op by default.
        sleep: how to wait while a limit entry rests on the book.
        on_halt: told why, after the halt is journaled, when an IP ban halts trading.
    """

    def __init__(self, gateway: BinanceGateway, journal: LiveJournal, clock: Clock,
                 config: LiveConfig, crash_point: CrashPoint = no_crash,
                 sleep: Callable[[float], None] = time.sleep,
                 on_halt: Callable[[str], None] | None = None) -> None:
        """Wire the collaborators; nothing is sent until ``start``."""
        self._on_halt = on_halt
        self._gateway = gateway
        self._journal = journal
        self._clock = clock
        self._config = config
        self._crash = crash_point
        self._lock = threading.RLock()
        self._guard = ExchangeGuard(clock, self._journal_halt)
        self._protector = Protector(gateway, journal)
        self._inflight = InFlightEntries(journal)
        self._account = LiveAccount(gateway, self._guard, clock, config.balance_ttl_seconds)
        self._tracker = PositionTracker(gateway, journal, self._protector, self._guard,
                                        clock, config.taker_fee_rate, config.settle_seconds)
        self._limit = LimitEntry(gateway, self._guard, clock, sleep, LimitTiming(
            config.limit_timeout_seconds, config.limit_poll_seconds))
        self._funding = FundingBook(gateway, journal, self._guard)
        self._funding_due = True  # at start: settlements while the bot was down
        self._marks: dict[str, tuple[float, datetime]] = {}
        self._closed: dict[str, ClosedPosition] = {}  # entry and exit ids → result
        self._last_poll: datetime | None = None
        # The positions as last published (symbol → position), read without the lock; held
        # symbols the user-data stream reported flat are left out until a poll answers.
        self._view: dict[str, Position] = {}
        self._view_lock = threading.Lock()
        self._flat_on_stream: set[str] = set()
        self._soon = threading.Lock()
        self._soon_running = False
        self._soon_again = False
        self._soon_thread: threading.Thread | None = None
        self._stopped = False

    @property
    def mode(self) -> ExecutionMode:
        """Always ``"live"``."""
        return "live"

    @property
    def halted(self) -> str | None:
        """Why trading is halted (after a 418), or ``None``."""
        return self._guard.halted

    def start(self) -> None:
        """Sync the clock, set leverage and margin mode per symbol, load open trades.

        Run after reconciliation: the journal's open trades are then the exchange's.
        """
        self._guard.call(self._gateway.resync_clock)
        for symbol in self._config.symbols:
            self._guard.call(partial(self._gateway.set_leverage, symbol, self._config.leverage))
            try:
                self._guard.call(partial(self._gateway.set_margin_mode, symbol,
                                         self._config.margin_mode))
            except ExchangeError as exc:
                # -4048 (not while a position is open) arrives as InvalidOrder or, off
                # Binance's own host, as a plain ExchangeError: a refusal to note, not to
                # stop for. Anything more specific (keys, bans, timeouts) still stops.
                if type(exc) not in (InvalidOrder, ExchangeError):
                    raise
                log.warning("%s: margin mode left as it is: %s", symbol, exc)
        with self._changing():
            self._tracker.load_open_trades()
        log.info("live venue ready: %s at %dx, %s margin", ", ".join(self._config.symbols),
                 self._config.leverage, self._config.margin_mode)

    # -- orders ---------------------------------------------------------------------------

    def open_position(self, order: SizedOrder, client_order_id: str) -> Position:
        """Send the entry (market or limit), then protect it; see ``ExecutionVenue`` and the
        module doc.

        Raises:
            InvalidOrder: bad order, a position (or an unresolved entry) on the symbol, a
                limit entry that did not fill before its timeout (cancelled).
            UnknownOrderOutcome: the entry's fate is unknown even after lookups; the symbol
                stays blocked until a later poll settles it.
            RateLimited, TradingHalted: no request may leave now.
        """
        symbol = to_exchange_id(order.intent.symbol)
        with self._changing():
            previous = self._find(client_order_id)
            if previous is not None:
                return replayed_entry(previous, symbol, client_order_id)
            validate_order(order, client_order_id)
            self._guard.check()
            if self._tracker.busy(symbol):
                raise InvalidOrder(f"{symbol}: a position or an unresolved entry is open")
            price = self._limit_price(order, symbol)
            self._journal_entry(order, symbol, client_order_id, price)
            # Sent off the venue's lock (a limit entry waits up to its timeout): marks,
            # polls and the other symbols go on; the symbol stays busy and unpolled.
            self._tracker.working(symbol)
        try:
            self._crash("before_request")
            filled = self._send_entry(order, symbol, client_order_id, price)
        except UnknownOrderOutcome:
            with self._changing():
                self._tracker.done_working(symbol)
                self._tracker.unresolved(client_order_id, symbol)
            raise
        except BotError as exc:
            with self._changing():
                self._tracker.done_working(symbol)
                self._entry_refused(client_order_id, exc)
            raise
        with self._changing():
            self._tracker.done_working(symbol)
            self._crash("after_reply")
            if filled.filled <= 0:
                self._entry_unfilled(client_order_id, filled, price)
            held = self._tracker.entry_filled(order, client_order_id, filled)
            self._crash("after_fill")
            self._tracker.protect(held, self._crash, fresh=True)
            return held.position

    def close_position(self, symbol: str, reason: str, client_order_id: str) -> ClosedPosition:
        """Close with a reduce-only market order and cancel the protection.

        Raises:
            NoOpenPosition: nothing is open on ``symbol``.
            RateLimited, TradingHalted: no request may leave now.
        """
        key = to_exchange_id(symbol)
        with self._changing():
            previous = self._find(client_order_id)
            if previous is not None:
                return replayed_exit(previous, key, client_order_id)
            held = self._tracker.held(key)
            if held is None:
                raise NoOpenPosition(f"{key}: no open position to close")
            closed = self._tracker.close(held, reason, client_order_id, self._crash)
            self._remember(closed)
            return closed

    def on_mark_price(self, symbol: str, price: float, at: datetime) -> list[ClosedPosition]:
        """Record a mark; poll the exchange when due; return the symbol's closures."""
        key = to_exchange_id(symbol)
        with self._changing():
            latest = self._marks.get(key)
            if latest is None or at >= latest[1]:
                self._marks[key] = (price, at)
            self._tracker.set_mark(key, price)
            if self._poll_due():
                self._poll()
            closures = self._tracker.take_closures(key)
            for closed in closures:
                self._remember(closed)
            return closures

    def poll(self) -> None:
        """Follow positions and orders on the exchange now (what ``on_mark_price`` does
        every ``poll_interval_seconds``)."""
        with self._changing():
            self._poll()

    def on_user_event(self, event: UserEvent) -> None:
        """The user-data stream saw a change: update the position view from the event at
        once, then reconcile with the exchange on a background thread instead of at the
        next poll (an order's acceptance alone changes nothing).

        A position the stream reports flat leaves ``positions()`` and ``position()`` at
        once; the reconcile books its closure (fills, fees, PnL) and keeps the symbol
        blocked for entries until it has.
        """
        if isinstance(event, OrderUpdate) and event.execution == "NEW":
            return
        if isinstance(event, AlgoUpdate) and event.status == "NEW":
            return
        if isinstance(event, AccountUpdate) and event.reason == "FUNDING_FEE":
            self._funding_due = True  # journaled by the reconcile below
        if isinstance(event, AccountUpdate):
            # Not the venue's lock: a poll may hold it for a REST round trip.
            with self._view_lock:
                for symbol, amount in event.positions:
                    if amount == 0 and symbol in self._view:
                        self._flat_on_stream.add(symbol)
                self._view = {s: p for s, p in self._view.items()
                              if s not in self._flat_on_stream}
        self._reconcile_soon()

    # -- queries --------------------------------------------------------------------------

    def positions(self) -> list[Position]:
        """Every open position, ordered by symbol (without those the stream reported flat).

        Read from the published view: never waits for an order or a poll under way."""
        view = self._view
        return [view[s] for s in sorted(view)]

    def position(self, symbol: str) -> Position | None:
        """The open position on ``symbol``, or ``None`` (also once the stream said flat)."""
        return self._view.get(to_exchange_id(symbol))

    def balance(self) -> float:
        """The futures wallet balance in USDT, unrealised PnL left out (fetched, reused for
        a few seconds)."""
        return self._account.balance().wallet

    def free_balance(self) -> float:
        """The balance available for new margin, as the exchange reports it."""
        return self._account.balance().free

    def equity(self) -> float:
        """The exchange's margin balance: the wallet plus the unrealised PnL of open
        positions, as Binance computes it (adding the bot's own estimate to it would count
        the unrealised PnL twice)."""
        return self._account.balance().total

    def mark_price(self, symbol: str) -> tuple[float, datetime] | None:
        """The latest mark of ``symbol`` and its time, or ``None``."""
        with self._lock:
            return self._marks.get(to_exchange_id(symbol))

    def find_by_client_order_id(self, client_order_id: str) -> Position | ClosedPosition | None:
        """The open position an entry id opened, the result an entry or exit id closed."""
        with self._lock:
            return self._find(client_order_id)

    # -- internals (lock held) ------------------------------------------------------------

    def _find(self, client_order_id: str) -> Position | ClosedPosition | None:
        closed = self._closed.get(client_order_id)
        if closed is not None:
            return closed
        held = self._tracker.by_entry_id(client_order_id)
        return None if held is None else held.position

    def _remember(self, closed: ClosedPosition) -> None:
        self._closed[closed.position.client_order_id] = closed
        self._closed[closed.exit_client_order_id] = closed

    def _limit_price(self, order: SizedOrder, symbol: str) -> float | None:
        """A limit entry's price from the latest mark (the decision's when none), or
        ``None`` for a market entry."""
        if self._config.entry_order != "limit":
            return None
        latest = self._marks.get(symbol)
        mark = latest[0] if latest is not None else order.intent.reference_price
        return limit_price(OrderSide.to_open(order.intent.side), mark,
                           self._config.limit_offset_pct)

    def _send_entry(self, order: SizedOrder, symbol: str, client_order_id: str,
                    price: float | None) -> ExchangeOrder:
        side = OrderSide.to_open(order.intent.side)
        if price is not None:
            return self._limit.run(symbol, side, order.quantity, price, client_order_id)
        return self._guard.call(lambda: self._gateway.create_market_order(
            symbol, side, order.quantity, client_order_id,
            reference_price=order.intent.reference_price))

    def _entry_unfilled(self, client_order_id: str, answer: ExchangeOrder,
                        price: float | None) -> None:
        """Nothing filled (a limit entry timed out, a market one expired): journal it, let
        nothing stay in flight, and refuse."""
        self._journal.update_order(client_order_id, status=journal_status(answer),
                                   exchange_order_id=answer.id, filled_quantity=0.0)
        self._tracker.cancel_pending_protection(client_order_id)
        self._inflight.remove(client_order_id)
        if price is not None:
            raise InvalidOrder(
                f"{answer.symbol}: limit entry {client_order_id} at {price:g} not filled "
                f"within {self._config.limit_timeout_seconds:g} s; cancelled")
        raise InvalidOrder(f"entry {client_order_id} did not fill ({answer.status})")

    def _journal_entry(self, order: SizedOrder, symbol: str, client_order_id: str,
                       price: float | None) -> None:
        """Everything a restart needs, committed before the entry leaves."""
        order_type = "market" if price is None else "limit"
        if self._journal.find_order(client_order_id) is None:
            self._journal.record_order(NewOrder(
                client_order_id=client_order_id, symbol=symbol, type=order_type,
                side=OrderSide.to_open(order.intent.side), quantity=order.quantity,
                purpose=OrderPurpose.ENTRY, mode=TradeMode.LIVE, price=price,
            ))
        elif price is not None:  # the trading loop journals every entry as a market one
            self._journal.describe_order(client_order_id, order_type=order_type, price=price)
        self._tracker.journal_protection_levels(order, symbol, client_order_id)
        self._inflight.add(InFlightEntry(client_order_id, symbol, str(order.intent.side),
                                         order.quantity))

    def _entry_refused(self, client_order_id: str, error: BotError) -> None:
        # A definite refusal: nothing was placed, so nothing stays in flight.
        self._journal.update_order(client_order_id, status=JournalStatus.REJECTED,
                                   error=str(error))
        self._tracker.cancel_pending_protection(client_order_id)
        self._inflight.remove(client_order_id)

    def _poll_due(self) -> bool:
        now = self._clock()
        interval = timedelta(seconds=self._config.poll_interval_seconds)
        if self._last_poll is not None and now - self._last_poll < interval:
            return False
        self._last_poll = now
        return True

    def _poll(self) -> None:
        if self._guard.halted:
            return
        try:
            self._tracker.poll(self._inflight)
        except TradingHalted:
            return  # said loudly when it happened
        except BotError as exc:
            log.warning("position poll failed (next tick retries): %s", exc)
            return
        if self._funding_due:
            try:
                self._funding.book()
                self._funding_due = False
            except BotError as exc:
                log.warning("funding history unavailable (next poll retries): %s", exc)
        # The exchange answered: what it no longer holds is booked, what it still holds
        # is open whatever the stream said.
        with self._view_lock:
            self._flat_on_stream.clear()

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """The venue's lock, and the position view published again on the way out."""
        with self._lock:
            try:
                yield
            finally:
                with self._view_lock:
                    self._view = {p.symbol: p for p in self._tracker.positions()
                                  if p.symbol not in self._flat_on_stream}

    def _reconcile_soon(self) -> None:
        """Poll on a background thread (one at a time; news meanwhile asks for one more)."""
        with self._soon:
            if self._stopped:
                return
            if self._soon_running:
                self._soon_again = True
                return
            self._soon_running = True
            self._soon_thread = threading.Thread(target=self._reconcile_until_quiet,
                                                 name="reconcile", daemon=True)
            self._soon_thread.start()

    def _reconcile_until_quiet(self) -> None:
        while True:
            try:
                self.poll()
            finally:
                with self._soon:
                    again, self._soon_again = self._soon_again and not self._stopped, False
                    if not again:
                        self._soon_running = False
            if not again:
                return

    def stop(self, timeout: float = 5.0) -> None:
        """Start no more background reconciles and wait up to ``timeout`` s for the one under
        way: nothing asks the exchange once the bot has stopped (its HTTP session is closed
        next). The runtime poll and the next start's reconciliation cover what it skipped."""
        with self._soon:
            self._stopped = True
            thread = self._soon_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("a background reconcile did not end within %.0f s", timeout)

    def _journal_halt(self, message: str) -> None:
        self._journal.record_risk_event("halt", "exchange IP ban (HTTP 418)", detail=message,
                                        mode=TradeMode.LIVE, at=self._clock())
        if self._on_halt is not None:
            self._on_halt(message)


__all__ = ["EMERGENCY_EXIT_SUFFIX", "CrashPoint", "Held", "LiveConfig", "LiveExecution",
           "TradingHalted", "derived_id", "no_crash"]
