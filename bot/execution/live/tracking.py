"""Live positions as the venue follows them: fills, protection, closes, polling.

``PositionTracker`` holds the open positions and does the exchange work around each one;
``LiveExecution`` adds the port, the lock and the guards. Every state change is journaled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from bot.domain import ClosedPosition, OrderSide, Position, PositionSide, SizedOrder
from bot.errors import BotError, InvalidOrder, OrderNotFound, TemporaryExchangeError
from bot.exchange import BinanceGateway, ExchangeOrder, ExchangePosition
from bot.exchange import OrderStatus as ExchangeStatus
from bot.execution.live.fills import FillSummary, summarise
from bot.execution.live.guard import ExchangeGuard
from bot.execution.live.inflight import InFlightEntries
from bot.execution.live.journal import open_trade_for_entry
from bot.execution.live.protection import (
    EMERGENCY_EXIT_SUFFIX,
    FINAL_STATUSES,
    ProtectiveOrder,
    Protector,
    derived_id,
    journal_status,
    protection_for,
)
from bot.execution.live.reconcile.rules import same_quantity, still_settling
from bot.execution.pricing import ExitTrigger, taker_fee
from bot.journal import JournalRepository, NewOrder, OrderPurpose, TradeMode, TradeRecord
from bot.journal import OrderStatus as JournalStatus

log = logging.getLogger(__name__)

EXTERNAL_EXIT_SUFFIX = "ext"
FLIPPED_SUFFIX = "flip"
CrashPoint = Callable[[str], None]


@dataclass(slots=True)
class Held:
    """An open live position and what the venue knows about it.

    ``journal_trade_id`` is set when the venue itself journaled the trade (an entry whose
    outcome was settled only by a later lookup); the venue then also closes it.
    """

    position: Position
    protected: bool = False
    journal_trade_id: int | None = None
    mismatch: float | None = None  # the exchange's quantity while it differs

    def protection(self) -> tuple[ProtectiveOrder, ProtectiveOrder]:
        """The stop and the take profit this position should carry."""
        p = self.position
        return protection_for(p.symbol, p.side, p.quantity, p.stop_price,
                              p.take_profit_price, p.client_order_id)


@dataclass(frozen=True, slots=True)
class Foreign:
    """A position on the exchange the bot does not hold (left over, flipped, opened by
    hand), and the protective orders the bot placed on it."""

    side: PositionSide
    quantity: float
    protection_ids: tuple[str, ...]


def mirrored(position: Position, found: ExchangePosition) -> Position:
    """The flipped position ``found`` with the stop and target at the same fractional
    distances from its entry as ``position``'s (pure)."""
    stop = abs(position.stop_price / position.entry_price - 1)
    target = abs(position.take_profit_price / position.entry_price - 1)
    sign = found.side.sign
    return Position(
        symbol=position.symbol, side=found.side, quantity=found.quantity,
        entry_price=found.entry_price, stop_price=found.entry_price * (1 - sign * stop),
        take_profit_price=found.entry_price * (1 + sign * target), opened_at=position.opened_at,
        client_order_id=derived_id(position.client_order_id, FLIPPED_SUFFIX), entry_fee=0.0,
    )


def position_from_trade(trade: TradeRecord) -> Position:
    """The position an open journal trade stands for."""
    return Position(
        symbol=trade.symbol, side=trade.side, quantity=trade.quantity,
        entry_price=trade.entry_price, stop_price=trade.stop_price or 0.0,
        take_profit_price=trade.take_profit_price or 0.0, opened_at=trade.entry_time,
        client_order_id=trade.client_order_id or "", entry_fee=trade.fees,
        target_cluster_price=trade.target_cluster_price,
    )


class PositionTracker:
    """Open positions, their protection and their end (see the module docstring).

    Args:
        gateway: the exchange door.
        journal: the trade journal.
        protector: places and cancels protective orders.
        guard: the back-off / halt brake every request passes.
        clock: aware UTC time.
        fee_rate: taker fee rate for fee estimates.
        settle_seconds: an unresolved entry the exchange still does not know this long
            after it was sent never reached it (see ``bot.execution.live.lookup``).
    """

    def __init__(self, gateway: BinanceGateway, journal: JournalRepository,
                 protector: Protector, guard: ExchangeGuard,
                 clock: Callable[[], datetime], fee_rate: float,
                 settle_seconds: float = 15.0) -> None:
        """Nothing held yet."""
        self._gateway = gateway
        self._journal = journal
        self._protector = protector
        self._guard = guard
        self._clock = clock
        self._fee_rate = fee_rate
        self._settle_seconds = settle_seconds
        self._held: dict[str, Held] = {}
        # entry client order id → (symbol, when its outcome turned out unknown)
        self._unresolved: dict[str, tuple[str, datetime]] = {}
        self._closures: dict[str, list[ClosedPosition]] = {}
        self._marks: dict[str, float] = {}
        self._foreign: dict[str, Foreign] = {}
        self._working: set[str] = set()  # symbols whose entry is being sent right now

    # -- state ----------------------------------------------------------------------------

    def load_open_trades(self) -> None:
        """Hold the journal's open live trades (reconciliation made them the exchange's)."""
        for trade in self._journal.open_trades(mode=TradeMode.LIVE):
            if trade.client_order_id:
                self._held[trade.symbol] = Held(position_from_trade(trade), protected=True)

    def held(self, symbol: str) -> Held | None:
        """The position held on ``symbol``."""
        return self._held.get(symbol)

    def by_entry_id(self, client_order_id: str) -> Held | None:
        """The position the entry ``client_order_id`` opened, if still open."""
        return next((h for h in self._held.values()
                     if h.position.client_order_id == client_order_id), None)

    def positions(self) -> list[Position]:
        """Open positions by symbol."""
        return [self._held[s].position for s in sorted(self._held)]

    def busy(self, symbol: str) -> bool:
        """Whether a position (the bot's or one it does not hold) or an unresolved entry is
        on ``symbol``: no new entry there."""
        return (symbol in self._held or symbol in self._foreign or symbol in self._working
                or any(s == symbol for s, _ in self._unresolved.values()))

    def working(self, symbol: str) -> None:
        """An entry on ``symbol`` is being sent: the symbol is busy, and polls leave what
        the exchange shows there to the entry's own answer."""
        self._working.add(symbol)

    def done_working(self, symbol: str) -> None:
        """The entry on ``symbol`` was answered (filled, refused or unresolved)."""
        self._working.discard(symbol)

    def set_mark(self, symbol: str, price: float) -> None:
        """Remember the latest mark (exit estimates when nothing better is known)."""
        self._marks[symbol] = price

    def take_closures(self, symbol: str) -> list[ClosedPosition]:
        """Closures found for ``symbol`` and not reported yet."""
        return self._closures.pop(symbol, [])

    def unresolved(self, client_order_id: str, symbol: str) -> None:
        """An entry whose outcome even lookups could not tell: block the symbol, keep looking."""
        self._unresolved[client_order_id] = (symbol, self._clock())
        log.error("%s: entry %s outcome unknown; no new entry there until it is settled",
                  symbol, client_order_id)

    # -- entries --------------------------------------------------------------------------

    def journal_protection_levels(self, order: SizedOrder, symbol: str, entry_id: str) -> None:
        """Pending rows of the stop and take profit: their levels survive a crash."""
        intent = order.intent
        for spec in protection_for(symbol, intent.side, order.quantity, intent.stop_price,
                                   intent.take_profit_price, entry_id):
            self._protector.journal_pending(spec, None)

    def cancel_pending_protection(self, entry_id: str) -> None:
        """Mark the never-sent protective rows of a refused entry as cancelled."""
        for suffix in ("sl", "tp"):
            cid = derived_id(entry_id, suffix)
            row = self._journal.find_order(cid)
            if row is not None and row.status == JournalStatus.PENDING:
                self._journal.update_order(cid, status=JournalStatus.CANCELED,
                                           error="entry not placed")

    def entry_filled(self, order: SizedOrder, entry_id: str, filled: ExchangeOrder) -> Held:
        """Journal the entry's answer and hold the position it opened.

        Raises:
            InvalidOrder: the entry did not fill (expired): nothing is held.
        """
        self._journal.update_order(entry_id, status=journal_status(filled),
                                   exchange_order_id=filled.id, filled_quantity=filled.filled,
                                   average_price=filled.average_price)
        if filled.filled <= 0:
            self.cancel_pending_protection(entry_id)
            raise InvalidOrder(f"entry {entry_id} did not fill ({filled.status})")
        price = filled.average_price or order.intent.reference_price
        fills = self.fills(filled.symbol, order_id=filled.id)
        fee = taker_fee(price * filled.filled, self._fee_rate) if fills is None else (
            fills.commission)
        intent = order.intent
        position = Position(
            symbol=filled.symbol, side=intent.side, quantity=filled.filled, entry_price=price,
            stop_price=intent.stop_price, take_profit_price=intent.take_profit_price,
            opened_at=filled.timestamp or self._clock(), client_order_id=entry_id,
            entry_fee=fee,
            target_cluster_price=None if intent.cluster is None else intent.cluster.price_level,
        )
        held = Held(position)
        self._held[position.symbol] = held
        return held

    def protect(self, held: Held, crash: CrashPoint, *, fresh: bool = False) -> None:
        """Place the stop and the take profit that are missing (``fresh``: both are, the
        entry just filled); no stop means an immediate market close."""
        stop, target = held.protection()
        try:
            self._ensure(stop, held, fresh)
        except BotError as exc:
            self._stop_failed(held, exc)
            return
        crash("after_stop")
        try:
            self._ensure(target, held, fresh)
        except BotError as exc:  # the stop limits the loss; the next poll tries again
            log.error("%s: take profit not placed: %s", held.position.symbol, exc)
            self._event("protection", "take profit not placed", held, str(exc))
            return
        held.protected = True

    def _ensure(self, spec: ProtectiveOrder, held: Held, fresh: bool) -> None:
        if not fresh:
            found = self._guard.call(partial(self._protector.lookup, spec.symbol,
                                             spec.client_order_id))
            # Open, or already triggered (the next poll sees the position gone): leave it.
            if found is not None and found.status in (ExchangeStatus.OPEN,
                                                      ExchangeStatus.CLOSED):
                return
        self._guard.call(partial(self._protector.place, spec, held.journal_trade_id))

    def _stop_failed(self, held: Held, error: BotError) -> None:
        symbol = held.position.symbol
        log.error("%s: stop not placed (%s): closing the position at market", symbol, error)
        self._event("protection", "stop rejected: position closed at market", held, str(error))
        exit_id = derived_id(held.position.client_order_id, EMERGENCY_EXIT_SUFFIX)
        try:
            closed = self.close(held, "stop_rejected", exit_id, lambda _p: None)
        except BotError as exc:
            log.critical("%s: UNPROTECTED position, market close failed too: %s", symbol, exc)
            self._event("protection", "unprotected position: close failed", held, str(exc))
            return
        self._closures.setdefault(symbol, []).append(closed)

    # -- exits ----------------------------------------------------------------------------

    def close(self, held: Held, reason: str, exit_id: str, crash: CrashPoint) -> ClosedPosition:
        """Close at market (reduce-only), cancel the protection, journal, forget the position."""
        p = held.position
        side = OrderSide.to_close(p.side)
        if self._journal.find_order(exit_id) is None:
            self._journal.record_order(NewOrder(
                client_order_id=exit_id, symbol=p.symbol, type="market", side=side,
                quantity=p.quantity, purpose=OrderPurpose.EXIT, mode=TradeMode.LIVE,
                reduce_only=True, trade_id=held.journal_trade_id or self._trade_id(p),
            ))
        crash("before_exit")
        try:
            answer = self._guard.call(lambda: self._gateway.create_market_order(
                p.symbol, side, p.quantity, exit_id, reduce_only=True))
        except InvalidOrder as exc:
            self._journal.update_order(exit_id, status=JournalStatus.REJECTED, error=str(exc))
            return self._exit_refused(held, exc)
        crash("after_exit_reply")
        self._journal.update_order(exit_id, status=journal_status(answer),
                                   exchange_order_id=answer.id, filled_quantity=answer.filled,
                                   average_price=answer.average_price)
        closed = self.exit_from_order(held, answer, reason, exit_id)
        return self.finish(held, closed, keep_protection=self._left_over(held))

    def exit_from_order(self, held: Held, answer: ExchangeOrder, reason: str,
                        exit_id: str) -> ClosedPosition:
        """The closure a filled exit order made, priced, dated and charged by its fills in
        the account's trade history (the order's own answer when they are not there yet)."""
        p = held.position
        fills = self.fills(p.symbol, order_id=answer.id)
        price = answer.average_price or self._marks.get(p.symbol, p.entry_price)
        return self._closed(held, price, reason, exit_id, fills)

    def _left_over(self, held: Held) -> bool:
        """After the bot's exit: whether some of the position is still open (it grew
        outside the bot, maybe while the bot was down). That rest keeps the close-position
        protection and blocks the symbol until it is gone."""
        symbol = held.position.symbol
        rest = [p for p in self._guard.call(lambda: self._gateway.fetch_positions([symbol]))
                if p.symbol == symbol]
        if not rest:
            return False
        ids = tuple(spec.client_order_id for spec in held.protection())
        self._foreign[symbol] = Foreign(rest[0].side, rest[0].quantity, ids)
        log.error("%s: %s %g still open after the exit: kept protected, no entry there until "
                  "it is gone", symbol, rest[0].side, rest[0].quantity)
        self._event("position_mismatch", "rest of a changed position left protected", held,
                    f"exchange {rest[0].side} {rest[0].quantity:g}")
        return True

    def _exit_refused(self, held: Held, error: InvalidOrder) -> ClosedPosition:
        """A refused exit says nothing about the position: ask the exchange what is open.

        Gone (a reduce-only order with nothing to reduce): the closure is found as for any
        position that went away. Still open (a filter, a precision, the bot's own size
        check): nothing is cancelled or forgotten; the protection is checked on the next
        poll and the refusal is raised to the caller.

        Raises:
            InvalidOrder: the position is still open on the exchange.
        """
        symbol = held.position.symbol
        still_open = any(p.symbol == symbol for p in self._guard.call(
            lambda: self._gateway.fetch_positions([symbol])))
        if not still_open:
            return self.finish(held, self.closure_from_exchange(held))
        held.protected = False  # the next poll makes sure the stop and target are there
        log.error("%s: exit refused (%s); the position is still open and stays protected",
                  symbol, error)
        self._event("exit_refused", "exit refused: position still open, protection kept",
                    held, str(error))
        raise InvalidOrder(f"{symbol}: exit refused, position still open: {error}") from error

    def finish(self, held: Held, closed: ClosedPosition, *,
               keep_protection: bool = False) -> ClosedPosition:
        """Cancel what protection is left (unless ``keep_protection``: some position is
        still open), journal a self-journaled trade, forget it."""
        for spec in () if keep_protection else held.protection():
            if spec.client_order_id != closed.exit_client_order_id:
                self._guard.call(partial(self._protector.cancel, spec.symbol,
                                         spec.client_order_id))
        if held.journal_trade_id is not None:
            self._journal.close_trade(held.journal_trade_id, exit_time=closed.exit_time,
                                      exit_price=closed.exit_price, pnl=closed.pnl,
                                      fees=closed.fees, reason=closed.reason)
        self._held.pop(held.position.symbol, None)
        return closed

    def closure_from_exchange(self, held: Held) -> ClosedPosition:
        """How a position that is gone ended: its stop, its take profit, or elsewhere (by
        hand, a liquidation), priced, dated and charged by the closing fills of the
        account's trade history."""
        p = held.position
        fills = self.fills(p.symbol, since=p.opened_at, side=OrderSide.to_close(p.side),
                           cap=p.quantity)
        for spec, reason in zip(held.protection(), (ExitTrigger.STOP_LOSS,
                                                    ExitTrigger.TAKE_PROFIT), strict=True):
            found = self._guard.call(partial(self._protector.lookup, p.symbol,
                                             spec.client_order_id))
            if found is not None and found.status is ExchangeStatus.CLOSED:
                price = self._guard.call(partial(self._protector.fill_price, p.symbol,
                                                 spec.client_order_id, spec.trigger_price))
                closed = self._closed(held, price, reason.value, spec.client_order_id, fills)
                self._journal.update_order(spec.client_order_id, status=JournalStatus.FILLED,
                                           filled_quantity=p.quantity,
                                           average_price=closed.exit_price)
                return closed
        log.warning("%s: position closed on the exchange by neither stop nor target", p.symbol)
        price = self._marks.get(p.symbol, p.entry_price)
        return self._closed(held, price, "closed_on_exchange",
                            derived_id(p.client_order_id, EXTERNAL_EXIT_SUFFIX), fills)

    def fills(self, symbol: str, *, order_id: str | None = None,
              since: datetime | None = None, side: OrderSide | None = None,
              cap: float | None = None) -> FillSummary | None:
        """The account's fills of one order, or on ``side`` since a time, added up
        (``None``: none, or the history could not be read: estimates are booked then)."""
        try:
            found = self._guard.call(partial(self._gateway.fetch_fills, symbol, since=since,
                                             order_id=order_id))
        except TemporaryExchangeError as exc:
            log.warning("%s: trade history unavailable (%s): booking estimates", symbol, exc)
            return None
        return summarise([f for f in found if side is None or f.side is side], cap)

    def _closed(self, held: Held, price: float, reason: str, exit_id: str,
                fills: FillSummary | None = None) -> ClosedPosition:
        p = held.position
        if fills is not None:
            return ClosedPosition(position=p, exit_price=fills.average_price,
                                  exit_time=fills.last_time, reason=reason,
                                  exit_fee=fills.commission, exit_client_order_id=exit_id)
        return ClosedPosition(position=p, exit_price=price, exit_time=self._clock(),
                              reason=reason, exit_fee=taker_fee(price * p.quantity,
                                                                self._fee_rate),
                              exit_client_order_id=exit_id)

    # -- polling --------------------------------------------------------------------------

    def poll(self, inflight: InFlightEntries) -> None:
        """One look at the exchange, the runtime reconciliation: every position's side and
        quantity against the journal's, its protective orders, positions the bot does not
        hold, unresolved entries."""
        on_exchange = {p.symbol: p for p in self._guard.call(self._gateway.fetch_positions)}
        for symbol, held in list(self._held.items()):
            found = on_exchange.get(symbol)
            if found is None:
                closed = self.finish(held, self.closure_from_exchange(held))
                self._closures.setdefault(symbol, []).append(closed)
            elif found.side != held.position.side:
                self._flipped(held, found)
            else:
                self._compare(held, found)
                self._check_protection(held)
        self._follow_foreign(on_exchange)
        for entry_id, (symbol, since) in list(self._unresolved.items()):
            self._settle_unresolved(entry_id, symbol, since, inflight)
        self._forget_settled(inflight)

    def _compare(self, held: Held, found: ExchangePosition) -> None:
        """Journal a quantity changed outside the bot once, and when it agrees again.

        The close-position protection covers whatever size the exchange holds; the symbol
        stays blocked for entries while it is held anyway.
        """
        p = held.position
        if same_quantity(found.quantity, p.quantity):
            if held.mismatch is not None:
                held.mismatch = None
                self._event("position_mismatch", "journal and exchange agree again", held,
                            f"{p.side} {p.quantity:g}")
            return
        if held.mismatch == found.quantity:
            return
        held.mismatch = found.quantity
        log.error("%s: the exchange holds %s %g, the journal %g: changed outside the bot; "
                  "the stop covers the whole position, no new entry until they agree",
                  p.symbol, found.side, found.quantity, p.quantity)
        self._event("position_mismatch", "position changed outside the bot", held,
                    f"journal {p.side} {p.quantity:g}; exchange {found.side} "
                    f"{found.quantity:g}")

    def _check_protection(self, held: Held) -> None:
        """Place again a protective order that is no longer open (cancelled by hand or by
        the exchange), at the journal's levels."""
        symbol = held.position.symbol
        open_ids = {o.client_order_id for o in self._guard.call(
            partial(self._gateway.fetch_open_orders, symbol, trigger=True))}
        missing = [s.client_order_id for s in held.protection()
                   if s.client_order_id not in open_ids]
        if missing:
            log.error("%s: protective order(s) %s not open on the exchange: placing again",
                      symbol, ", ".join(missing))
            self._event("protection", "protective order missing: placed again", held,
                        ", ".join(missing))
            held.protected = False
        if not held.protected:
            self.protect(held, lambda _p: None)

    def _flipped(self, held: Held, found: ExchangePosition) -> None:
        """The journal's position was closed outside the bot and an opposite one opened:
        the trade is closed from the exchange's fills, the new position protected at the
        same distances and followed as one the bot does not trade."""
        symbol = held.position.symbol
        self._event("position_mismatch", "position flipped outside the bot", held,
                    f"journal {held.position.side} {held.position.quantity:g}; exchange "
                    f"{found.side} {found.quantity:g}")
        closed = self.finish(held, self.closure_from_exchange(held))
        self._closures.setdefault(symbol, []).append(closed)
        mirror = Held(mirrored(held.position, found))
        ids: list[str] = []
        for spec in mirror.protection():
            try:
                self._guard.call(partial(self._protector.place, spec, None))
                ids.append(spec.client_order_id)
            except BotError as exc:
                log.critical("%s: flipped position not protected: %s", symbol, exc)
                self._event("protection", "flipped position not protected", mirror, str(exc))
        self._foreign[symbol] = Foreign(found.side, found.quantity, tuple(ids))

    def _follow_foreign(self, on_exchange: dict[str, ExchangePosition]) -> None:
        """Positions the bot does not hold block their symbol until they are gone; what
        protection the bot left on them is cancelled then."""
        waiting = {s for s, _ in self._unresolved.values()} | self._working
        for symbol, found in on_exchange.items():
            if symbol in self._held or symbol in waiting:
                continue
            known = self._foreign.get(symbol)
            if known is not None and (known.side, known.quantity) == (found.side,
                                                                       found.quantity):
                continue
            ids = () if known is None else known.protection_ids
            self._foreign[symbol] = Foreign(found.side, found.quantity, ids)
            log.error("%s: the exchange holds a %s %g position the bot does not: no entry "
                      "there until it is gone", symbol, found.side, found.quantity)
            self._journal.record_risk_event(
                "position_mismatch", "position the journal does not hold", symbol=symbol,
                detail=f"exchange {found.side} {found.quantity:g}", mode=TradeMode.LIVE,
                at=self._clock())
        for symbol in [s for s in self._foreign if s not in on_exchange]:
            gone = self._foreign.pop(symbol)
            for cid in gone.protection_ids:
                self._guard.call(partial(self._protector.cancel, symbol, cid))
            self._journal.record_risk_event(
                "position_mismatch", "journal and exchange agree again", symbol=symbol,
                detail="flat", mode=TradeMode.LIVE, at=self._clock())

    def _settle_unresolved(self, entry_id: str, symbol: str, since: datetime,
                           inflight: InFlightEntries) -> None:
        found = self._guard.call(lambda: self._gateway.fetch_order(symbol, entry_id))
        if found is None and not still_settling(since, self._clock(), self._settle_seconds):
            del self._unresolved[entry_id]  # too late to appear: it never reached Binance
            self._journal.update_order(entry_id, status=JournalStatus.FAILED,
                                       error="never reached the exchange")
            self.cancel_pending_protection(entry_id)
            inflight.remove(entry_id)
            return
        if found is not None and found.is_open:
            self._cancel_resting(symbol, entry_id)
            return  # the next look reads what the cancel left (a fill may race it)
        if found is None:
            return  # still unknown: keep the symbol blocked and look again next time
        del self._unresolved[entry_id]
        row = self._journal.find_order(entry_id)
        if found.filled <= 0 or row is None:
            self._journal.update_order(entry_id, status=journal_status(found))
            self.cancel_pending_protection(entry_id)
            inflight.remove(entry_id)
            return
        self._adopt_late_fill(entry_id, found)
        inflight.remove(entry_id)

    def _cancel_resting(self, symbol: str, entry_id: str) -> None:
        """An entry nobody waits for any more still rests on the book (a limit entry whose
        follow-up failed): cancel it; what filled before is adopted on the next look."""
        log.warning("%s: entry %s still rests on the book: cancelling it", symbol, entry_id)
        try:
            self._guard.call(partial(self._gateway.cancel_order, symbol, entry_id))
        except OrderNotFound:
            pass  # filled or gone meanwhile: the next look tells
        except TemporaryExchangeError as exc:
            log.warning("%s: cancel of %s failed (next poll retries): %s", symbol, entry_id,
                        exc)

    def _adopt_late_fill(self, entry_id: str, found: ExchangeOrder) -> None:
        """An entry reported as unknown turned out filled: journal the trade, protect it."""
        trade_id, position = open_trade_for_entry(self._journal, entry_id, found,
                                                  self._fee_rate)
        held = Held(position, journal_trade_id=trade_id)
        self._held[position.symbol] = held
        log.warning("%s: entry %s found filled after all; protecting it", position.symbol,
                    entry_id)
        self.protect(held, lambda _p: None)

    def _forget_settled(self, inflight: InFlightEntries) -> None:
        for entry in inflight.all():
            row = self._journal.find_order(entry.client_order_id)
            if row is None or entry.client_order_id in self._unresolved:
                continue
            if row.trade_id is not None or row.status in FINAL_STATUSES - {"filled"}:
                inflight.remove(entry.client_order_id)

    # -- helpers --------------------------------------------------------------------------

    def _trade_id(self, position: Position) -> int | None:
        trades = self._journal.open_trades(mode=TradeMode.LIVE, symbol=position.symbol)
        return next((t.id for t in trades if t.client_order_id == position.client_order_id),
                    None)

    def _event(self, kind: str, reason: str, held: Held, detail: str) -> None:
        self._journal.record_risk_event(kind, reason, symbol=held.position.symbol,
                                        detail=detail, mode=TradeMode.LIVE, at=self._clock())


__all__ = ["Held", "PositionTracker", "position_from_trade"]
