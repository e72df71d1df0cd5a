"""One ``bot run`` per journal and bot id: a lock row in the bot's share of ``bot_state``.

Why a row and not a file: it works the same on SQLite and PostgreSQL (where there is no file
to lock, and two machines may share the database). The row holds the holder's pid, host,
start time and a heartbeat the holder refreshes every ``heartbeat_seconds``; taking or
releasing it is one compare-and-set (``JournalRepository.replace_state``), so two starts
racing cannot both win.

A lock left behind by a bot that was killed (SIGKILL, power cut) is taken over: at once when
it was held on this host by a process that no longer exists, else once its heartbeat is
older than ``stale_after_seconds``.

Live mode also takes ``ApiKeyLock``: one live bot per API key on this machine, even on
different journals (an OS file lock named by the key's sha256 fingerprint, never the key).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Protocol

from bot.clock import Clock
from bot.errors import BotError

log = logging.getLogger(__name__)

LOCK_KEY = "run_lock"


class AlreadyRunning(BotError):
    """Another bot holds the run lock of this journal."""


class StateStore(Protocol):
    """What the lock needs of the journal."""

    def get_state(self, key: str) -> str | None:
        """The stored value of ``key``."""

    def replace_state(self, key: str, expected: str | None, value: str | None) -> bool:
        """Compare-and-set ``key``."""


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds the lock, as stored in the row (JSON)."""

    pid: int
    host: str
    started_at: str
    heartbeat_at: str
    token: str

    def describe(self) -> str:
        """``pid 1234 on host x, started 2026-12-04 19:00:00 UTC``."""
        started = datetime.fromisoformat(self.started_at).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"pid {self.pid} on host {self.host}, started {started}"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


def is_stale(holder: LockHolder, now: datetime, *, host: str, stale_after: timedelta,
             alive: Callable[[int], bool]) -> bool:
    """Whether ``holder`` is gone: its process is dead on this host, or its heartbeat old."""
    if holder.host == host and not alive(holder.pid):
        return True
    return now - datetime.fromisoformat(holder.heartbeat_at) > stale_after


class RunLock:
    """The journal's run lock, held from ``acquire`` to ``release`` with a heartbeat.

    Args:
        store: the journal (``get_state`` / ``replace_state``).
        clock: UTC now.
        where: how to name the journal in messages (its URL, password masked).
        heartbeat_seconds: how often the holder refreshes the row.
        stale_after_seconds: a heartbeat older than this marks a holder gone.
        alive: tells whether a pid exists on this host (``pid_alive``).
    """

    def __init__(self, store: StateStore, clock: Clock, *, where: str,
                 heartbeat_seconds: float = 5.0, stale_after_seconds: float = 20.0,
                 alive: Callable[[int], bool] = pid_alive) -> None:
        """Nothing is taken until ``acquire``."""
        self._store = store
        self._clock = clock
        self._where = where
        self._heartbeat = heartbeat_seconds
        self._stale_after = timedelta(seconds=stale_after_seconds)
        self._alive = alive
        self._host = socket.gethostname()
        self._value: str | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> None:
        """Take the lock (or a stale one over) and start the heartbeat.

        Raises:
            AlreadyRunning: a live bot holds it; the message names its pid and start time.
        """
        now = self._clock().isoformat()
        mine = LockHolder(pid=os.getpid(), host=self._host, started_at=now, heartbeat_at=now,
                          token=uuid.uuid4().hex)
        value = json.dumps(asdict(mine))
        current = self._store.get_state(LOCK_KEY)
        if current is not None:
            holder = _parse(current)
            if holder is not None and not is_stale(holder, self._clock(), host=self._host,
                                                   stale_after=self._stale_after,
                                                   alive=self._alive):
                raise self._refusal(holder)
            log.warning("taking over the run lock of %s: %s", self._where,
                        "unreadable" if holder is None else f"{holder.describe()}, gone")
        if not self._store.replace_state(LOCK_KEY, current, value):
            latest = self._store.get_state(LOCK_KEY)
            holder = _parse(latest) if latest is not None else None
            raise self._refusal(holder)
        self._value = value
        self._thread = threading.Thread(target=self._beat, name="run-lock", daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Stop the heartbeat and remove the row, if it is still ours."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._value is not None:
            self._store.replace_state(LOCK_KEY, self._value, None)
            self._value = None

    def _beat(self) -> None:
        while not self._stopped.wait(self._heartbeat):
            current = self._value
            if current is None:
                return
            holder = json.loads(current)
            holder["heartbeat_at"] = self._clock().isoformat()
            refreshed = json.dumps(holder)
            try:
                if self._store.replace_state(LOCK_KEY, current, refreshed):
                    self._value = refreshed
                else:
                    log.error("the run lock of %s was taken by another bot", self._where)
                    return
            except Exception:  # a busy database must not end the heartbeat for good
                log.exception("could not refresh the run lock of %s", self._where)

    def _refusal(self, holder: LockHolder | None) -> AlreadyRunning:
        who = holder.describe() if holder is not None else "another process"
        return AlreadyRunning(
            f"another bot is running on the journal {self._where}: {who}; stop it first "
            f"(a lock left by a killed bot is taken over once its heartbeat is "
            f"{self._stale_after.total_seconds():g} s old)")


def _parse(value: str) -> LockHolder | None:
    try:
        return LockHolder(**json.loads(value))
    except (ValueError, TypeError):
        return None


def key_fingerprint(api_key: str) -> str:
    """A short, one-way name for an API key (sha256 prefix): never the key itself."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


class ApiKeyLock:
    """One live bot per API key on this machine, whatever journal each one uses.

    An exclusive ``flock`` on ``<directory>/live-<fingerprint>.lock``: the kernel drops it
    when the holder dies, so a killed bot never blocks the next. The file holds the
    holder's pid and start time for the refusal message, and the key's fingerprint only.
    """

    def __init__(self, api_key: str, directory: Path, clock: Clock) -> None:
        """Nothing is taken until ``acquire``."""
        self._fingerprint = key_fingerprint(api_key)
        self._path = directory / f"live-{self._fingerprint}.lock"
        self._clock = clock
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock.

        Raises:
            AlreadyRunning: another live bot on this machine uses the same key.
        """
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise AlreadyRunning(
                f"another live bot uses the same API key (fingerprint {self._fingerprint}): "
                f"{holder}; one bot per key, or their orders and limits collide") from None
        handle.seek(0)
        handle.truncate()
        started = self._clock().strftime("%Y-%m-%d %H:%M:%S UTC")
        handle.write(f"pid {os.getpid()} on host {socket.gethostname()}, started {started}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Drop the lock (closing the file releases it)."""
        if self._file is not None:
            self._file.close()
            self._file = None


def lock_directory() -> Path:
    """Where per-machine locks live: ``$XDG_RUNTIME_DIR`` or the temporary directory."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / "liquidation-bot"
