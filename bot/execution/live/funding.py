"""Funding from the exchange into the journal: each settlement the account's income lists
(``FUNDING_FEE``), journaled once as a ``funding`` risk event of mode live.

The newest settlement journaled is kept in the journal's durable state, so a restart (or a
second look after a stream event) never journals one twice, and one missed while the bot
was down is journaled at the next start.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.domain import from_epoch_ms, to_epoch_ms
from bot.exchange import BinanceGateway
from bot.execution.live.guard import ExchangeGuard
from bot.journal import JournalRepository, TradeMode

log = logging.getLogger(__name__)

STATE_KEY = "live:funding:last_ms"
"""The journal state key holding the time of the newest settlement journaled."""


class FundingBook:
    """Journals the account's funding settlements not journaled yet.

    Args:
        gateway: the exchange door (with keys).
        journal: where settlements and the last one's time go.
        guard: the back-off / halt brake every request passes.

    The first look (nothing journaled yet) covers what Binance serves by default: 7 days.
    """

    def __init__(self, gateway: BinanceGateway, journal: JournalRepository,
                 guard: ExchangeGuard) -> None:
        """Nothing fetched until ``book``."""
        self._gateway = gateway
        self._journal = journal
        self._guard = guard

    def book(self) -> int:
        """Fetch the settlements after the last one journaled, journal them; how many."""
        stored = self._journal.get_state(STATE_KEY)
        since = None if stored is None else from_epoch_ms(int(stored) + 1)
        payments = self._guard.call(lambda: self._gateway.fetch_funding(since=since))
        last: datetime | None = None
        booked = 0
        for payment in payments:
            if since is not None and payment.time < since:
                continue
            booked += 1
            self._journal.record_risk_event(
                "funding", "funding fee", symbol=payment.symbol,
                detail=f"{payment.amount:.8f} USDT (exchange income {payment.id})",
                mode=TradeMode.LIVE, at=payment.time)
            log.info("funding %s: %.4f USDT", payment.symbol, payment.amount)
            last = payment.time if last is None else max(last, payment.time)
        if last is not None:
            self._journal.set_state(STATE_KEY, str(to_epoch_ms(last)))
        return booked


__all__ = ["STATE_KEY", "FundingBook"]
