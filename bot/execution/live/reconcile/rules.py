"""Reconciliation decisions: what to do, per symbol, given the journal and the exchange.

Pure: ``plan_symbol`` takes what the journal holds and what the exchange reports for one
symbol and returns actions (or a conflict). ``reconciler`` gathers the facts and
carries the actions out, so these rules can be tested as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.domain import PositionSide

# Relative tolerance when comparing the journal's quantity with the exchange's.
_QUANTITY_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class TradeFact:
    """The journal's open trade on the symbol."""

    trade_id: int
    entry_id: str
    side: PositionSide
    quantity: float


@dataclass(frozen=True, slots=True)
class EntryFact:
    """An in-flight entry and what the exchange says about it (``filled`` 0: not placed)."""

    entry_id: str
    side: PositionSide
    filled: float


@dataclass(frozen=True, slots=True)
class PositionFact:
    """The exchange's position on the symbol."""

    side: PositionSide
    quantity: float


@dataclass(frozen=True, slots=True)
class SymbolFacts:
    """Everything known about one symbol at reconciliation time.

    ``open_protective`` holds the client ids of the bot's own open trigger orders there
    (ids ending in ``-sl`` / ``-tp``); ``stop_id`` / ``take_profit_id`` are the ids the
    expected position's protection has.
    """

    symbol: str
    trade: TradeFact | None
    entries: Sequence[EntryFact]
    position: PositionFact | None
    open_protective: frozenset[str]
    protection_ids: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Action:
    """One thing to do. ``kind`` is one of:

    ``entry_failed`` (entry ``ref`` never filled; a trade it has is cancelled),
    ``open_trade`` (journal the trade entry ``ref`` opened), ``forget_entry`` (``ref`` is
    already a trade), ``close_trade`` (the position of entry ``ref`` is gone: find how,
    journal it), ``protect`` (place the ``detail`` order — ``stop`` or ``take_profit`` —
    of entry ``ref``), ``cancel`` (cancel the orphan trigger order ``ref``), ``adopt``
    (journal and protect a position the journal did not know).
    """

    kind: str
    ref: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    """The actions for one symbol, or the conflict that forbids starting."""

    symbol: str
    actions: tuple[Action, ...] = ()
    conflict: str | None = None


def plan_symbol(facts: SymbolFacts, *, adopt_unknown: bool) -> Plan:
    """Decide how to make the journal and the exchange agree on one symbol."""
    actions: list[Action] = []
    filled = [e for e in facts.entries if e.filled > 0]
    actions += [Action("entry_failed", e.entry_id) for e in facts.entries if e.filled <= 0]
    expected: tuple[str, PositionSide, float] | None = None
    never_filled = {e.entry_id for e in facts.entries if e.filled <= 0}
    if facts.trade is not None and facts.trade.entry_id not in never_filled:
        t = facts.trade
        expected = (t.entry_id, t.side, t.quantity)
        strays = [e for e in filled if e.entry_id != t.entry_id]
        if strays:
            return _conflict(facts, f"entry {strays[0].entry_id} filled besides open trade "
                                    f"{t.trade_id}: two positions were sent")
        actions += [Action("forget_entry", e.entry_id) for e in filled]
    elif len(filled) > 1:
        return _conflict(facts, "several in-flight entries filled: "
                                + ", ".join(e.entry_id for e in filled))
    elif filled:
        entry = filled[0]
        expected = (entry.entry_id, entry.side, entry.filled)
        actions.append(Action("open_trade", entry.entry_id))
    return _against_position(facts, expected, actions, adopt_unknown)


def _against_position(facts: SymbolFacts, expected: tuple[str, PositionSide, float] | None,
                      actions: list[Action], adopt_unknown: bool) -> Plan:
    position = facts.position
    if expected is None:
        if position is not None:
            if not adopt_unknown:
                return _conflict(facts, f"the exchange holds a {position.side} "
                                        f"{position.quantity:g} position the journal does "
                                        "not know (adoption is off)")
            actions.append(Action("adopt", facts.symbol))
        actions += [Action("cancel", cid) for cid in sorted(facts.open_protective)]
        return Plan(facts.symbol, tuple(actions))
    entry_id, side, quantity = expected
    ids = facts.protection_ids.get(entry_id, ("", ""))
    if position is None:
        actions.append(Action("close_trade", entry_id))
        return Plan(facts.symbol, tuple(actions))
    if position.side != side:
        return _conflict(facts, f"journal: {side} {quantity:g}; exchange: {position.side} "
                                f"{position.quantity:g}")
    if not same_quantity(position.quantity, quantity):
        # Changed outside the bot: the close-position protection covers any size, the
        # runtime poll keeps the symbol blocked until journal and exchange agree again.
        actions.append(Action("mismatch", entry_id, f"journal {side} {quantity:g}; exchange "
                                                    f"{position.side} {position.quantity:g}"))
    for cid, kind in zip(ids, ("stop", "take_profit"), strict=True):
        if cid not in facts.open_protective:
            actions.append(Action("protect", entry_id, kind))
    actions += [Action("cancel", cid) for cid in sorted(facts.open_protective - set(ids))]
    return Plan(facts.symbol, tuple(actions))


def is_unsettled(purpose: str, status: str, trade_id: int | None) -> bool:
    """Whether a journaled order's outcome still has to be asked of the exchange.

    ``pending`` (journaled, maybe never sent) and ``unknown`` (sent, no clear answer) always
    do; an entry still ``new`` / ``partially_filled`` without a trade is a resting limit
    entry nobody waits for any more. Protective orders are ``new`` while they guard.
    """
    if status in ("pending", "unknown"):
        return True
    return purpose == "entry" and trade_id is None and status in ("new", "partially_filled")


def still_settling(journaled_at: datetime, now: datetime, settle_seconds: float) -> bool:
    """Whether an order journaled at ``journaled_at`` may yet appear on the exchange.

    Binance may not show a just-accepted order for a moment, and refuses a request that
    arrives later than its ``recvWindow``; past ``settle_seconds`` an order the exchange
    does not know never reached it. A naive time is the journal's UTC.
    """
    at = journaled_at if journaled_at.tzinfo is not None else journaled_at.replace(tzinfo=UTC)
    return now - at < timedelta(seconds=settle_seconds)


def same_quantity(a: float, b: float) -> bool:
    """Whether two position quantities are the same (a relative tolerance of 1e-9)."""
    return abs(a - b) <= _QUANTITY_TOLERANCE * max(abs(a), abs(b), 1.0)


def _conflict(facts: SymbolFacts, message: str) -> Plan:
    return Plan(facts.symbol, conflict=f"{facts.symbol}: {message}")
