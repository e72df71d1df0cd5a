"""The pure reconciliation rules, as a table."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.domain import PositionSide
from bot.execution.live.reconcile.rules import (
    EntryFact,
    PositionFact,
    SymbolFacts,
    TradeFact,
    plan_symbol,
)

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT
E = "lhlen-BTCUSDT-1"
SL, TP = f"{E}-sl", f"{E}-tp"
IDS = {E: (SL, TP)}


@dataclass(frozen=True)
class Case:
    name: str
    facts: SymbolFacts
    expected: list[tuple[str, str, str]] | str  # actions, or a conflict fragment
    adopt: bool = False


def facts(trade: TradeFact | None = None, entries: tuple[EntryFact, ...] = (),
          position: PositionFact | None = None, open_ids: frozenset[str] = frozenset()
          ) -> SymbolFacts:
    return SymbolFacts("BTCUSDT", trade, entries, position, open_ids, IDS)


TRADE = TradeFact(1, E, LONG, 0.01)
CASES = [
    Case("all agree", facts(TRADE, position=PositionFact(LONG, 0.01),
                            open_ids=frozenset({SL, TP})), []),
    Case("missing stop", facts(TRADE, position=PositionFact(LONG, 0.01),
                               open_ids=frozenset({TP})), [("protect", E, "stop")]),
    Case("missing both", facts(TRADE, position=PositionFact(LONG, 0.01)),
         [("protect", E, "stop"), ("protect", E, "take_profit")]),
    Case("closed while down", facts(TRADE, open_ids=frozenset({TP})),
         [("close_trade", E, "")]),
    Case("entry never sent", facts(entries=(EntryFact(E, LONG, 0.0),)),
         [("entry_failed", E, "")]),
    Case("trade whose own entry never left", facts(TRADE, entries=(EntryFact(E, LONG, 0.0),)),
         [("entry_failed", E, "")]),
    Case("entry filled, trade not journaled",
         facts(entries=(EntryFact(E, LONG, 0.01),), position=PositionFact(LONG, 0.01)),
         [("open_trade", E, ""), ("protect", E, "stop"), ("protect", E, "take_profit")]),
    Case("entry filled then stopped out while down",
         facts(entries=(EntryFact(E, LONG, 0.01),)),
         [("open_trade", E, ""), ("close_trade", E, "")]),
    Case("entry already a trade", facts(TRADE, entries=(EntryFact(E, LONG, 0.01),),
                                        position=PositionFact(LONG, 0.01),
                                        open_ids=frozenset({SL, TP})),
         [("forget_entry", E, "")]),
    Case("orphan protective order", facts(open_ids=frozenset({"lhlen-BTCUSDT-0-sl"})),
         [("cancel", "lhlen-BTCUSDT-0-sl", "")]),
    Case("unknown position refused", facts(position=PositionFact(SHORT, 1.0)), "not know"),
    Case("unknown position adopted", facts(position=PositionFact(SHORT, 1.0)),
         [("adopt", "BTCUSDT", "")], adopt=True),
    Case("position grown outside the bot", facts(TRADE, position=PositionFact(LONG, 0.02),
                                                 open_ids=frozenset({SL, TP})),
         [("mismatch", E, "journal long 0.01; exchange long 0.02")]),
    Case("wrong side", facts(TRADE, position=PositionFact(SHORT, 0.01)), "short"),
    Case("a second entry filled besides the trade",
         facts(TRADE, entries=(EntryFact("lhlen-BTCUSDT-2", LONG, 0.01),),
               position=PositionFact(LONG, 0.02)), "two positions"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_plan(case: Case) -> None:
    plan = plan_symbol(case.facts, adopt_unknown=case.adopt)

    if isinstance(case.expected, str):
        assert plan.conflict is not None
        assert case.expected in plan.conflict
        assert plan.actions == ()
    else:
        assert plan.conflict is None
        assert [(a.kind, a.ref, a.detail) for a in plan.actions] == case.expected
