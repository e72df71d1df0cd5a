"""Errors the journal raises, part of the project's one hierarchy under ``BotError``."""

from __future__ import annotations

from bot.errors import BotError


class JournalError(BotError):
    """The journal refused a write that would make its records inconsistent."""


class DuplicateClientOrderId(JournalError):
    """An order (or a trade's entry order) with this client order id is already journaled.

    Execution relies on this to never journal, and so never send, the same order twice.
    """

    def __init__(self, client_order_id: str) -> None:
        super().__init__(f"client order id already journaled: {client_order_id!r}")
        self.client_order_id = client_order_id


class NotInJournal(JournalError):
    """The order or trade named is not in the journal."""


class JournalUnavailable(JournalError):
    """The journal database cannot be used (read-only, full, corrupted, unknown schema,
    unreachable...); the message is one line naming the file or URL and what to do."""
