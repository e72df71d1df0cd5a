"""The shared core of the journal's stores: sessions, the clock, one-transaction writes.

Each write is one transaction committed before the method returns, so a crash never loses a
write that returned. A store is one bot's (``bot_id``): it stamps every row it writes with that
id and reads only rows bearing it, so bots sharing a database never see each other's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, overload

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.clock import utc_now as system_clock
from bot.journal.db import BEGIN_IMMEDIATE, CRASH_SAFE_ONLY
from bot.journal.models import DEFAULT_BOT_ID

# Exchange error texts (ccxt puts the request URL in some) may carry a request signature or a
# key; the journal must never hold one, so free-text fields fed from errors pass through here.
_SECRET_PATTERNS = (
    re.compile(r"(signature=)[^&\s\"']+", re.IGNORECASE),
    re.compile(
        r"((?:x-mbx-apikey|api[_-]?key|api[_-]?secret|secret)[\"']?\s*[:=]\s*[\"']?)"
        r"[^&\s\"',}]+",
        re.IGNORECASE,
    ),
)

"""A function returning the current time as an aware UTC datetime."""




@overload
def redact(text: str) -> str: ...
@overload
def redact(text: None) -> None: ...
def redact(text: str | None) -> str | None:
    """``text`` with signatures and API keys/secrets replaced by ``***``."""
    if text is None:
        return None
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1***", text)
    return text


class JournalStore:
    """Base of the journal's stores: holds the session factory, the clock and the bot id.

    Args:
        session_factory: from ``bot.journal.db.make_session_factory``.
        clock: supplies ``created_at``/``updated_at`` and default event times; a backtest
            passes its simulated clock.
        bot_id: the bot whose rows this store writes and reads (``run.bot_id``).
    """

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock = system_clock,
                 bot_id: str = DEFAULT_BOT_ID) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._bot_id = bot_id

    @property
    def bot_id(self) -> str:
        """The bot whose rows this store writes and reads."""
        return self._bot_id

    @contextmanager
    def _write(self, *, crash_safe_only: bool = False) -> Iterator[Session]:
        """One committed write transaction (rolled back if the block raises).

        ``crash_safe_only``: the commit does not wait for the disk (``bot.journal.db``'s
        ``CRASH_SAFE_ONLY``): it survives a crash of this process, not a power cut.
        """
        with self._sessions() as session, session.begin():
            # Take SQLite's write lock at BEGIN so a read-then-write unit cannot fail on
            # "database is locked" without the busy timeout applying.
            connection = session.connection(execution_options={
                BEGIN_IMMEDIATE: True, CRASH_SAFE_ONLY: crash_safe_only})
            if crash_safe_only and connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read-only session (its transaction is rolled back on exit)."""
        with self._sessions() as session:
            yield session

    def _insert(self, row: Any) -> int:
        """Insert one row in its own transaction and return its primary key."""
        with self._write() as session:
            session.add(row)
            session.flush()
            return int(row.id)
