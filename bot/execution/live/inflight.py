"""Entries sent (or about to be) whose trade is not journaled yet: a durable list.

The trading loop journals the entry order, the venue sends it, and only then is the trade
opened. A crash in between leaves an order the journal cannot list by itself (it offers no
query by status), so the venue notes each such entry here, in ``bot_state``, before the
request leaves, and removes it once the outcome is journaled. Reconciliation reads it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from bot.journal import JournalRepository

STATE_KEY = "live.inflight_entries"


@dataclass(frozen=True, slots=True)
class InFlightEntry:
    """An entry order whose outcome is not in the journal yet."""

    client_order_id: str
    symbol: str
    side: str
    quantity: float


class InFlightEntries:
    """The durable list of in-flight entries (each change committed before returning).

    Args:
        journal: holds the list in its ``bot_state`` table.
    """

    def __init__(self, journal: JournalRepository) -> None:
        """Keep the journal; nothing is read until asked."""
        self._journal = journal

    def all(self) -> list[InFlightEntry]:
        """Every in-flight entry, oldest first."""
        raw = self._journal.get_state(STATE_KEY)
        if not raw:
            return []
        return [InFlightEntry(**item) for item in json.loads(raw)]

    def add(self, entry: InFlightEntry) -> None:
        """Note an entry (again: no duplicate)."""
        entries = [e for e in self.all() if e.client_order_id != entry.client_order_id]
        self._save([*entries, entry])

    def remove(self, client_order_id: str) -> None:
        """Forget an entry whose outcome is journaled."""
        entries = self.all()
        kept = [e for e in entries if e.client_order_id != client_order_id]
        if len(kept) != len(entries):
            self._save(kept)

    def _save(self, entries: list[InFlightEntry]) -> None:
        self._journal.set_state(STATE_KEY, json.dumps([asdict(e) for e in entries]))
