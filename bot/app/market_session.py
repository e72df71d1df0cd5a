"""Which market a paper account belongs to, so it is never resumed into another one.

A paper account lives in the journal (its trades). Resuming it is only honest against the
market it traded: the real exchange's prices, or one run of the built-in simulator, whose
market is born fresh at every start (another price, another path). The journal's
``bot_state`` row ``paper_market`` records the market of the current account and the last
trade id before it began; a start on another market closes the old account's open trades at
their entry price (reason ``market_session_changed``: no PnL made by the restart) and starts
a fresh account. Either way the log says which.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.clock import Clock
from bot.journal import JournalRepository, TradeRecord, TradeStatus

log = logging.getLogger(__name__)

PAPER_MARKET_KEY = "paper_market"
SESSION_CHANGED = "market_session_changed"


@dataclass(frozen=True, slots=True)
class PaperSession:
    """The paper account to run: the trades that belong to it, and whether it is resumed."""

    trades: Sequence[TradeRecord]
    resumed: bool


def paper_session(journal: JournalRepository, trades: Sequence[TradeRecord], market: str,
                  clock: Clock) -> PaperSession:
    """The account for ``market`` (``exchange:<url>``, ``sim:<run id>``) among the journal's
    paper ``trades``; recorded in ``bot_state`` for the next start."""
    stored = _stored(journal.get_state(PAPER_MARKET_KEY))
    if stored is None or stored[0] == market:
        # Same market, or a journal from before sessions were recorded: resume.
        since = 0 if stored is None else stored[1]
        session = PaperSession([t for t in trades if t.id > since], resumed=True)
    else:
        since = max((t.id for t in trades), default=0)
        orphans = [t for t in trades if t.status == TradeStatus.OPEN and t.id > stored[1]]
        for trade in orphans:
            journal.close_trade(trade.id, exit_time=clock(), exit_price=trade.entry_price,
                                pnl=-trade.fees, fees=trade.fees, reason=SESSION_CHANGED)
        log.warning(
            "paper account: the previous one traded another market (%s, this run: %s); "
            "starting a fresh paper account%s", stored[0], market,
            f" ({len(orphans)} open position(s) of the old one closed at their entry price, "
            f"reason {SESSION_CHANGED})" if orphans else "")
        session = PaperSession([], resumed=False)
    journal.set_state(PAPER_MARKET_KEY, json.dumps({"market": market, "since_trade_id": since}))
    return session


def _stored(value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    try:
        data = json.loads(value)
        return str(data["market"]), int(data["since_trade_id"])
    except (ValueError, KeyError, TypeError):
        return None
