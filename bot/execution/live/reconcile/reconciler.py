"""Reconciliation at start (and ``bot reconcile``): the journal and the exchange made to agree.

``Reconciler.run`` gathers, per symbol, the journal's open live trade and in-flight entries
and the exchange's position and open trigger orders, lets ``rules.plan_symbol``
decide, and carries the plan out: every journaled order still in doubt (pending, unknown,
a resting entry) is looked up by client order id and settled, orders filled or cancelled
while the bot was down are journaled, positions missing protection get it, orphan
protective orders are cancelled, a position the journal does not know is adopted or
refused. Any conflict raises ``ReconcileConflict`` with the differences, and the bot does
not start.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import ClosedPosition, OrderSide, PositionSide, to_epoch_ms
from bot.errors import BotError, OrderNotFound
from bot.exchange import BinanceGateway, ExchangeOrder, ExchangePosition
from bot.execution.client_ids import with_bot_tag
from bot.execution.live.guard import ExchangeGuard
from bot.execution.live.inflight import InFlightEntries, InFlightEntry
from bot.execution.live.journal import LiveJournal, journal_exit_fill, open_trade_for_entry
from bot.execution.live.lookup import LookupWindow, OrderLookup
from bot.execution.live.protection import (
    EMERGENCY_EXIT_SUFFIX,
    STOP_SUFFIX,
    TAKE_PROFIT_SUFFIX,
    Protector,
    derived_id,
    journal_status,
)
from bot.execution.live.reconcile.rules import (
    Action,
    EntryFact,
    Plan,
    PositionFact,
    SymbolFacts,
    TradeFact,
    is_unsettled,
    plan_symbol,
)
from bot.execution.live.tracking import Held, PositionTracker, position_from_trade
from bot.journal import NewTrade, OrderRecord, OrderStatus, TradeMode, TradeRecord

log = logging.getLogger(__name__)

NEVER_SENT = "never reached the exchange"


class ReconcileConflict(BotError):
    """The journal and the exchange disagree in a way the bot must not guess about."""


@dataclass(frozen=True, slots=True)
class ReconcilePolicy:
    """How reconciliation treats what it finds.

    Attributes:
        symbols: the configured symbols (always checked, besides any with state).
        adopt_unknown: journal and protect a position the journal does not know (else refuse).
        stop_loss_pct: stop distance (percent) for an adopted position.
        take_profit_pct: target distance (percent) for an adopted position.
        taker_fee_rate: for fee estimates.
        lookup: how long an order missing on the exchange may still appear.
    """

    symbols: tuple[str, ...]
    adopt_unknown: bool = False
    stop_loss_pct: float = 3.0
    take_profit_pct: float = 5.0
    taker_fee_rate: float = 0.0005
    lookup: LookupWindow = field(default_factory=LookupWindow)


@dataclass
class ReconcileReport:
    """What reconciliation found and did."""

    done: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def render(self) -> str:
        """Human-readable lines, one per finding."""
        if not self.done and not self.conflicts:
            return "reconciliation: journal and exchange agree"
        lines = [f"reconciliation: {line}" for line in self.done]
        lines += [f"CONFLICT: {line}" for line in self.conflicts]
        return "\n".join(lines)


class Reconciler:
    """Makes the journal agree with the exchange (see the module docstring).

    Args:
        gateway: the exchange door (with keys).
        journal: the trade journal.
        clock: aware UTC time.
        policy: see ``ReconcilePolicy``.
        sleep: how to wait between lookups of an order that may still appear.
    """

    def __init__(self, gateway: BinanceGateway, journal: LiveJournal,
                 clock: Callable[[], datetime], policy: ReconcilePolicy,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """Wire the collaborators."""
        self._gateway = gateway
        self._journal = journal
        self._clock = clock
        self._policy = policy
        self._guard = ExchangeGuard(clock, lambda _m: None)
        self._protector = Protector(gateway, journal)
        self._tracker = PositionTracker(gateway, journal, self._protector, self._guard, clock,
                                        policy.taker_fee_rate)
        self._inflight = InFlightEntries(journal)
        self._lookup = OrderLookup(gateway, clock, sleep, policy.lookup)
        self._found: dict[str, ExchangeOrder | None] = {}  # entry id → the exchange's order

    def run(self) -> ReconcileReport:
        """Reconcile every symbol with state on either side.

        Raises:
            ReconcileConflict: something could not be made to agree (nothing was changed
                for that symbol); the message lists every difference.
        """
        report = ReconcileReport()
        self._enlist_journaled_entries()
        positions = {p.symbol: p for p in self._gateway.fetch_positions()}
        trades = {t.symbol: t for t in self._journal.open_trades(mode=TradeMode.LIVE)}
        entries = self._inflight.all()
        symbols = sorted({*self._policy.symbols, *positions, *trades,
                          *(e.symbol for e in entries)})
        for symbol in symbols:
            facts = self._facts(symbol, trades.get(symbol), positions.get(symbol))
            plan = plan_symbol(facts, adopt_unknown=self._policy.adopt_unknown)
            if plan.conflict is not None:
                report.conflicts.append(plan.conflict)
                continue
            self._apply(plan, positions.get(symbol), report)
        conflicted = {c.split(":", 1)[0] for c in report.conflicts}
        self._settle_leftovers(conflicted, report)
        for line in report.done:
            log.warning("reconciliation: %s", line)
        if report.conflicts:
            raise ReconcileConflict("journal and exchange disagree; not starting:\n  "
                                    + "\n  ".join(report.conflicts))
        return report

    # -- facts ----------------------------------------------------------------------------

    def _facts(self, symbol: str, trade: TradeRecord | None,
               position: ExchangePosition | None) -> SymbolFacts:
        entries = []
        for entry in self._inflight.all():
            if entry.symbol != symbol:
                continue
            found = self._entry_on_exchange(entry)
            entries.append(EntryFact(entry.client_order_id, PositionSide(entry.side),
                                     found.filled if found is not None else 0.0))
        open_ids = frozenset(
            o.client_order_id for o in self._gateway.fetch_open_orders(symbol, trigger=True)
            if o.client_order_id and o.client_order_id.endswith(
                (f"-{STOP_SUFFIX}", f"-{TAKE_PROFIT_SUFFIX}")))
        trade_fact = None
        if trade is not None and trade.client_order_id:
            trade_fact = TradeFact(trade.id, trade.client_order_id, trade.side, trade.quantity)
        expected_ids = [e.entry_id for e in entries]
        if trade_fact is not None:
            expected_ids.append(trade_fact.entry_id)
        return SymbolFacts(
            symbol=symbol, trade=trade_fact, entries=entries,
            position=None if position is None else PositionFact(position.side,
                                                                position.quantity),
            open_protective=open_ids,
            protection_ids={e: (derived_id(e, STOP_SUFFIX), derived_id(e, TAKE_PROFIT_SUFFIX))
                            for e in expected_ids},
        )

    def _enlist_journaled_entries(self) -> None:
        """Entries the trading loop journaled but the venue never noted as in flight (a
        crash in between) join the in-flight list, so they are settled like the others."""
        listed = {e.client_order_id for e in self._inflight.all()}
        for row in self._journal.orders_in_doubt():
            if (row.purpose == "entry" and row.client_order_id not in listed
                    and is_unsettled(row.purpose, row.status, row.trade_id)):
                side = PositionSide.LONG if row.side is OrderSide.BUY else PositionSide.SHORT
                self._inflight.add(InFlightEntry(row.client_order_id, row.symbol, str(side),
                                                 row.quantity))

    def _entry_on_exchange(self, entry: InFlightEntry) -> ExchangeOrder | None:
        """The entry as the exchange knows it; a resting (limit) entry nobody waits for
        any more is cancelled first, then read again (a fill may have raced the cancel)."""
        row = self._journal.find_order(entry.client_order_id)
        journaled_at = row.created_at if row is not None else self._clock()
        order_type = row.type if row is not None else "market"
        found = self._lookup.find(entry.symbol, entry.client_order_id, journaled_at,
                                  order_type=order_type)
        if found is not None and found.is_open:
            try:
                self._gateway.cancel_order(entry.symbol, entry.client_order_id)
            except OrderNotFound:
                pass  # filled or gone meanwhile: the read below tells
            found = self._gateway.fetch_order(entry.symbol, entry.client_order_id)
        self._found[entry.client_order_id] = found
        return found

    def _settle_leftovers(self, skip: set[str], report: ReconcileReport) -> None:
        """Journal what became of every other order still in doubt (exits, protection)."""
        for row in self._journal.orders_in_doubt():
            if (row.symbol in skip or row.purpose == "entry"
                    or not is_unsettled(row.purpose, row.status, row.trade_id)):
                continue
            found = self._lookup.find(row.symbol, row.client_order_id, row.created_at,
                                      order_type=row.type)
            report.done.append(f"{row.symbol}: {self._settle_order(row, found)}")

    def _settle_order(self, row: OrderRecord, found: ExchangeOrder | None) -> str:
        cid = row.client_order_id
        if found is None:
            self._journal.update_order(cid, status=OrderStatus.FAILED, error=NEVER_SENT)
            return f"{row.purpose} order {cid} {NEVER_SENT}: marked failed"
        status = journal_status(found)
        self._journal.update_order(cid, status=status, exchange_order_id=found.id,
                                   filled_quantity=found.filled,
                                   average_price=found.average_price)
        return f"{row.purpose} order {cid} found on the exchange: {status}"

    # -- actions --------------------------------------------------------------------------

    def _apply(self, plan: Plan, position: ExchangePosition | None,
               report: ReconcileReport) -> None:
        handlers: dict[str, Callable[[Action], str]] = {
            "entry_failed": self._entry_failed,
            "forget_entry": self._forget_entry,
            "open_trade": self._open_trade,
            "close_trade": self._close_trade,
            "protect": self._protect,
            "cancel": lambda a: self._cancel(plan.symbol, a),
            "adopt": lambda _a: self._adopt(position),
            "mismatch": lambda a: self._mismatch(plan.symbol, a),
        }
        for action in plan.actions:
            line = handlers[action.kind](action)
            if line:
                report.done.append(f"{plan.symbol}: {line}")

    def _mismatch(self, symbol: str, action: Action) -> str:
        self._journal.record_risk_event("position_mismatch", "position changed outside the bot",
                                        symbol=symbol, detail=action.detail,
                                        mode=TradeMode.LIVE, at=self._clock())
        return f"position changed outside the bot ({action.detail}): kept protected"

    def _entry_failed(self, action: Action) -> str:
        entry_id = action.ref
        row = self._journal.find_order(entry_id)
        found = self._found.get(entry_id)
        status = journal_status(found) if found is not None else OrderStatus.FAILED
        if row is not None:
            self._journal.update_order(entry_id, status=status,
                                       error=None if found else NEVER_SENT)
            if row.trade_id is not None:
                self._cancel_trade(row.trade_id)
        self._tracker.cancel_pending_protection(entry_id)
        self._inflight.remove(entry_id)
        if found is None:
            return f"entry {entry_id} {NEVER_SENT}: marked failed"
        return f"entry {entry_id} never filled ({status})"

    def _cancel_trade(self, trade_id: int) -> None:
        trade = self._journal.get_trade(trade_id)
        if trade is not None and trade.status == "open":
            self._journal.cancel_trade(trade_id, reason="entry never filled")

    def _forget_entry(self, action: Action) -> str:
        self._inflight.remove(action.ref)
        return ""

    def _open_trade(self, action: Action) -> str:
        found = self._found.get(action.ref)
        if found is None:
            raise ReconcileConflict(f"entry {action.ref} vanished during reconciliation")
        trade_id, _ = open_trade_for_entry(self._journal, action.ref, found,
                                           self._policy.taker_fee_rate)
        self._inflight.remove(action.ref)
        return f"entry {action.ref} filled while the bot was down: trade {trade_id} journaled"

    def _close_trade(self, action: Action) -> str:
        trade = self._trade(action.ref)
        held = Held(position_from_trade(trade), journal_trade_id=trade.id)
        closed = self._pending_exit(trade, held) or self._tracker.closure_from_exchange(held)
        journal_exit_fill(self._journal, trade.id, closed, closed.exit_time)
        self._tracker.finish(held, closed)
        return (f"trade {trade.id} closed while the bot was down ({closed.reason} at "
                f"{closed.exit_price:g})")

    def _pending_exit(self, trade: TradeRecord, held: Held) -> ClosedPosition | None:
        """A market exit sent before a crash, found filled on the exchange."""
        for row in self._journal.orders_for_trade(trade.id):
            if row.purpose != "exit":
                continue
            found = self._gateway.fetch_order(trade.symbol, row.client_order_id)
            if found is not None and found.filled > 0 and found.average_price:
                return self._tracker.exit_from_order(held, found, "exit", row.client_order_id)
        return None

    def _protect(self, action: Action) -> str:
        trade = self._trade(action.ref)
        held = Held(position_from_trade(trade), journal_trade_id=trade.id)
        stop, target = held.protection()
        spec = stop if action.detail == "stop" else target
        try:
            self._protector.place(spec, trade.id)
        except BotError as exc:
            if spec is target:
                return f"take profit of trade {trade.id} could not be placed: {exc}"
            exit_id = derived_id(trade.client_order_id or "", EMERGENCY_EXIT_SUFFIX)
            closed = self._tracker.close(held, "stop_rejected", exit_id, lambda _p: None)
            journal_exit_fill(self._journal, trade.id, closed, closed.exit_time)
            return f"stop of trade {trade.id} refused ({exc}): position closed at market"
        return f"{action.detail} of trade {trade.id} was missing: placed"

    def _cancel(self, symbol: str, action: Action) -> str:
        self._protector.cancel(symbol, action.ref)
        return f"orphan protective order {action.ref} cancelled"

    def _adopt(self, position: ExchangePosition | None) -> str:
        if position is None:
            return ""
        p = self._policy
        sign = position.side.sign
        stop = position.entry_price * (1 - sign * p.stop_loss_pct / 100)
        target = position.entry_price * (1 + sign * p.take_profit_pct / 100)
        entry_id = with_bot_tag(f"lhladopt-{position.symbol}-{to_epoch_ms(self._clock())}",
                                self._journal.bot_id)
        trade_id = self._journal.open_trade(NewTrade(
            symbol=position.symbol, side=position.side, mode=TradeMode.LIVE,
            entry_time=self._clock(), entry_price=position.entry_price,
            quantity=position.quantity, client_order_id=entry_id, stop_price=stop,
            take_profit_price=target,
        ))
        held = Held(position_from_trade(self._trade(entry_id)), journal_trade_id=trade_id)
        for spec in held.protection():
            self._protector.place(spec, trade_id)
        return (f"unknown {position.side} {position.quantity:g} position adopted as trade "
                f"{trade_id} (stop {stop:g}, take profit {target:g})")

    def _trade(self, entry_id: str) -> TradeRecord:
        for trade in self._journal.open_trades(mode=TradeMode.LIVE):
            if trade.client_order_id == entry_id:
                return trade
        raise ReconcileConflict(f"no open trade for entry {entry_id}")
