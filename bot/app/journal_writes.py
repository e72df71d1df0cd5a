"""Journal writes that outlive a failing database: deferred, retried with backoff, logged once.

While the journal cannot be written (disk full, file turned read-only, server gone), the bot
must neither die nor print a traceback per job: it stops opening positions (the loop reads
``DeferredWrites.problem`` as a health problem), keeps protecting the open ones (exits still
go to the venue), and keeps what it could not write in memory, in order, retrying with an
exponential backoff (1 s doubling to 60 s). Writes that only inform (signals, equity samples)
are dropped and counted while the journal fails, so the queue holds what matters: orders,
fills, trades, risk events and risk state. One error line when the trouble starts, one
warning per failed retry, one info line when every deferred write is done.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from bot.journal import JournalRepository
from bot.journal.access import describe_failure

log = logging.getLogger(__name__)

JOURNAL_FAILURES = (SQLAlchemyError, OSError)
"""What a failing database raises (logic errors such as a duplicate order id are not here)."""

_MAX_QUEUED = 100_000


@dataclass(frozen=True, slots=True)
class _Pending:
    what: str
    action: Callable[[], object]


class DeferredWrites:
    """The bot's journal writes in order, deferred and retried while the database fails."""

    def __init__(self, url: str, monotonic: Callable[[], float] = time.monotonic, *,
                 first_delay: float = 1.0, max_delay: float = 60.0) -> None:
        """Retry writes to the journal at ``url`` (named in messages) with this backoff."""
        self._url = url
        self._monotonic = monotonic
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._delay = first_delay
        self._next_try = 0.0
        self._queue: deque[_Pending] = deque()
        self._problem: str | None = None
        self.dropped = 0

    @property
    def problem(self) -> str | None:
        """Why the journal cannot be written now (one line), or None when it can."""
        return self._problem

    @property
    def waiting(self) -> int:
        """Writes deferred and not yet done."""
        return len(self._queue)

    def write(self, what: str, action: Callable[[], object], *, essential: bool = True) -> bool:
        """Run ``action`` now if the journal works, else keep it (``essential``) or drop it.

        Returns True when the write is done. Writes are done in the order they were given.
        """
        if self._problem is not None or self._queue:
            self._keep(what, action, essential)
            return False
        try:
            action()
        except JOURNAL_FAILURES as error:
            self._keep(what, action, essential)
            self.failed(what, error)
            return False
        return True

    def failed(self, what: str, error: BaseException) -> None:
        """Record a failed journal access (also one made outside ``write``); back off."""
        message = str(describe_failure(self._url, error))
        if self._problem is None:
            log.error("journal write failed (%s): %s; new entries paused, open positions "
                      "stay protected; retrying in %.0f s", what, message, self._delay)
        else:
            log.warning("journal still failing (%s): %s; %d writes waiting, next try in %.0f s",
                        what, message, len(self._queue), self._delay)
        self._problem = message
        self._next_try = self._monotonic() + self._delay
        self._delay = min(self._delay * 2, self._max_delay)

    def retry(self) -> None:
        """Do the deferred writes in order if the backoff has passed; stop at a failure."""
        if self._problem is None or self._monotonic() < self._next_try:
            return
        while self._queue:
            pending = self._queue[0]
            try:
                pending.action()
            except JOURNAL_FAILURES as error:
                self.failed(pending.what, error)
                return
            self._queue.popleft()
        log.info("journal writable again: deferred writes done (%d informational ones "
                 "dropped while it failed)", self.dropped)
        self._problem = None
        self._delay = self._first_delay
        self.dropped = 0

    def _keep(self, what: str, action: Callable[[], object], essential: bool) -> None:
        if essential and len(self._queue) < _MAX_QUEUED:
            self._queue.append(_Pending(what, action))
        else:
            self.dropped += 1


class Resumable:
    """Steps (each one transaction) run in order; a retry resumes at the step that failed.

    So a unit of several writes (an exit: order, fill, trade) that failed half-way is never
    written twice: what was committed is not repeated.
    """

    def __init__(self, *steps: Callable[[], object]) -> None:
        """The steps, in order."""
        self._steps = deque(steps)

    def __call__(self) -> None:
        """Run the remaining steps; raises what a step raised, keeping it for the retry."""
        while self._steps:
            self._steps[0]()
            self._steps.popleft()


class ResilientStateStore:
    """The risk engine's durable state in the journal, served from memory while it fails.

    ``get`` falls back to the last value seen (or set) for the key; ``set`` goes through
    ``DeferredWrites``, so a lock or a cooldown set while the disk is full still lands later.
    """

    def __init__(self, journal: JournalRepository, writes: DeferredWrites) -> None:
        """Read and write ``journal``'s ``bot_state`` through ``writes``."""
        self._journal = journal
        self._writes = writes
        self._known: dict[str, str | None] = {}

    def get(self, key: str) -> str | None:
        """The stored value, or the last one known while the journal cannot be read."""
        if self._writes.problem is not None and key in self._known:
            return self._known[key]  # newer than the database while writes wait
        try:
            value = self._journal.get_state(key)
        except JOURNAL_FAILURES as error:
            self._writes.failed("risk state read", error)
            return self._known.get(key)
        self._known[key] = value
        return value

    def set(self, key: str, value: str) -> None:
        """Remember ``value`` and write it (now, or once the journal works again)."""
        self._known[key] = value
        self._writes.write("risk state", lambda: self._journal.set_state(key, value))
