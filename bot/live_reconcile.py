"""Reconciliation at start (and ``bot reconcile``): the journal and the exchange made to agree.

``Reconciler.run`` gathers, per symbol, the journal's open live trade and in-flight entries
and the exchange's position and open trigger orders, lets ``bot.reconcile.plan_symbol``
decide, and carries the plan out: orders filled or cancelled while the bot was down are
journaled, positions missing protection get it, orphan protective orders are cancelled, a
position the journal does not know is adopted or refused. Any conflict raises
``ReconcileConflict`` with the differences, and the bot does not start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import ClosedPosition, PositionSide, to_epoch_ms
from bot.errors import BotError
from bot.exchange import BinanceGateway, ExchangePosition
from bot.execution.inflight import InFlightEntries
from bot.execution.live_guard import ExchangeGuard
from bot.execution.live_journaling import journal_exit_fill, open_trade_for_entry
from bot.execution.protection import (
    EMERGENCY_EXIT_SUFFIX,
    STOP_SUFFIX,
    TAKE_PROFIT_SUFFIX,
    Protector,
    derived_id,
    journal_status,
)
from bot.execution.tracking import Held, PositionTracker, position_from_trade
from bot.journal import JournalRepository, NewTrade, OrderStatus, TradeMode, TradeRecord
from bot.reconcile import Action, EntryFact, Plan, PositionFact, SymbolFacts, TradeFact, plan_symbol

log = logging.getLogger(__name__)


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
    """

    symbols: tuple[str, ...]
    adopt_unknown: bool = False
    stop_loss_pct: float = 3.0
    take_profit_pct: float = 5.0
    taker_fee_rate: float = 0.0005


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
    """

    def __init__(self, gateway: BinanceGateway, journal: JournalRepository,
                 clock: Callable[[], datetime], policy: ReconcilePolicy) -> None:
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

    def run(self) -> ReconcileReport:
        """Reconcile every symbol with state on either side.

        Raises:
            ReconcileConflict: something could not be made to agree (nothing was changed
                for that symbol); the message lists every difference.
        """
        report = ReconcileReport()
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
            found = self._gateway.fetch_order(symbol, entry.client_order_id)
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
        }
        for action in plan.actions:
            line = handlers[action.kind](action)
            if line:
                report.done.append(f"{plan.symbol}: {line}")

    def _entry_failed(self, action: Action) -> str:
        entry_id = action.ref
        row = self._journal.find_order(entry_id)
        symbol = row.symbol if row is not None else ""
        found = self._gateway.fetch_order(symbol, entry_id) if symbol else None
        status = journal_status(found) if found is not None else OrderStatus.FAILED
        if row is not None:
            self._journal.update_order(entry_id, status=status,
                                       error=None if found else "not found on the exchange")
        self._tracker.cancel_pending_protection(entry_id)
        self._inflight.remove(entry_id)
        return f"entry {entry_id} never filled ({status})"

    def _forget_entry(self, action: Action) -> str:
        self._inflight.remove(action.ref)
        return ""

    def _open_trade(self, action: Action) -> str:
        row = self._journal.find_order(action.ref)
        found = self._gateway.fetch_order(row.symbol, action.ref) if row else None
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
                return ClosedPosition(held.position, found.average_price, self._clock(), "exit",
                                      found.average_price * found.filled
                                      * self._policy.taker_fee_rate, row.client_order_id)
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
        entry_id = f"lhladopt-{position.symbol}-{to_epoch_ms(self._clock())}"[-36:]
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
