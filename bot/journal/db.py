"""Engine and session factory for the journal database.

Nothing is created at import time: the composition root calls ``create_engine_for`` once and
hands the result of ``make_session_factory`` to whoever needs sessions.

For SQLite every new connection gets:

* ``journal_mode=WAL``: readers (``bot journal``) never block the trading loop's writes;
* ``synchronous=FULL``: a committed row survives a power cut, not only a process crash;
  a transaction carrying the execution option ``CRASH_SAFE_ONLY`` commits with
  ``synchronous=NORMAL`` instead (set before its ``BEGIN``, as SQLite requires; the next
  transaction without it restores the connection's level). In WAL mode such a commit is in
  the operating system's hands when it returns, so a crash of the bot's process (SIGKILL
  included) loses none of it, but a power cut may lose it until the next synced commit or
  checkpoint (the WAL is one file written in order: a synced commit makes every commit before
  it durable too). It costs microseconds instead of a disk flush; the journal keeps it for
  rows that record decisions which sent nothing (``EventStore.record_decision``);
* ``busy_timeout``: a writer waits for another one instead of failing at once;
* ``foreign_keys=ON``: SQLite leaves foreign keys unenforced unless asked, per connection.

The stdlib ``sqlite3`` driver's legacy transaction handling skips ``BEGIN`` for SELECT and DDL,
which breaks transactional migrations and savepoints, so SQLAlchemy's documented recipe is
applied: the driver's own BEGIN is disabled and SQLAlchemy emits it. A connection carrying the
execution option ``BEGIN_IMMEDIATE`` starts with ``BEGIN IMMEDIATE``, taking the write lock up
front: a transaction that reads then writes can otherwise fail at once with "database is
locked" when another connection committed in between (no busy wait helps that case).

For a database server (PostgreSQL) the pool is sized for one bot (its trading jobs, the
dashboard's reads) and every connection is pinged when taken from the pool: a connection the
server dropped (a restart, a failover, an idle timeout) is replaced there instead of failing
the next write; connections are also recycled before typical idle timeouts close them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import ConfigError

_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")

BUSY_TIMEOUT_MS = 5000
"""How long a SQLite connection waits for a lock held by another connection."""

BEGIN_IMMEDIATE = "journal_begin_immediate"
"""Execution option: start the transaction with ``BEGIN IMMEDIATE`` (SQLite only)."""

CRASH_SAFE_ONLY = "journal_crash_safe_only"
"""Execution option: commit without waiting for the disk (survives a process crash, not a
power cut): ``synchronous=NORMAL`` on SQLite, ``synchronous_commit`` off on a server."""

_NORMAL = 1  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
_RESTORE_SYNC = "journal_restore_synchronous"  # key in a DBAPI connection's info dict

SERVER_POOL = {"pool_size": 5, "max_overflow": 10, "pool_timeout": 30.0,
               "pool_recycle": 1800, "pool_pre_ping": True}
"""Pool settings for a database server: 5 kept, 10 more at peaks, pinged at checkout."""

CONNECT_TIMEOUT_S = 10
"""How long connecting to a database server may take before the attempt fails."""

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
)


def check_database_url(url: str, key: str) -> str:
    """``url`` unchanged when SQLAlchemy can parse it and knows its dialect.

    Raises:
        ConfigError: naming ``key`` (``journal.url``, ``--db``) and the URL, password masked;
            a driver that is not installed is named too.
    """
    try:
        make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as error:
        shown = _PASSWORD.sub(r"\g<1>***@", url)
        raise ConfigError(f"{key}: not a database URL SQLAlchemy can open, got {shown!r} "
                          f"({type(error).__name__}: {error})") from None
    return url


def sqlite_file_path(url: str | URL) -> Path | None:
    """The database file of a SQLite URL, or ``None`` (other backends, in-memory databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    if parsed.query.get("mode") == "memory":
        return None
    return Path(database)


def create_engine_for(url: str | URL) -> Engine:
    """Create the journal's engine for a SQLAlchemy URL.

    For a SQLite file, its parent directory is created when missing and every connection is
    configured as described in the module docstring.

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:///journal.db``, ``sqlite:////abs/path.db`` or
            ``postgresql+psycopg://user:password@host:5432/db``.

    Returns:
        A new ``Engine``; the caller owns it and should ``dispose()`` it when done.
    """
    parsed = make_url(url)
    path = sqlite_file_path(parsed)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() != "sqlite":
        connect_args = ({"connect_timeout": CONNECT_TIMEOUT_S}
                        if parsed.get_backend_name() == "postgresql" else {})
        return create_engine(parsed, connect_args=connect_args, **SERVER_POOL)
    engine = create_engine(parsed)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory bound to ``engine``.

    ``expire_on_commit=False`` so rows read inside a unit of work stay readable after it
    commits; the repository turns them into frozen records anyway.
    """
    return sessionmaker(bind=engine, expire_on_commit=False)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """Apply the journal's PRAGMAs to a new SQLite connection (pool "connect" event)."""
    # Autocommit at the driver level: SQLAlchemy emits BEGIN itself (see module docstring).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    """Emit BEGIN (or BEGIN IMMEDIATE when asked) for a SQLAlchemy transaction, after setting
    the commit's sync level (``CRASH_SAFE_ONLY``)."""
    options = connection.get_execution_options()
    _set_commit_sync(connection, crash_safe_only=bool(options.get(CRASH_SAFE_ONLY, False)))
    connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(BEGIN_IMMEDIATE) else "BEGIN")


def _set_commit_sync(connection: Connection, *, crash_safe_only: bool) -> None:
    """Lower the connection to ``synchronous=NORMAL`` for this transaction, or restore the
    level it had before a previous one lowered it (outside a transaction, as SQLite requires).

    A connection already at NORMAL or OFF (a backtest's) is left as it is.
    """
    info = connection.info
    restore = info.get(_RESTORE_SYNC)
    if crash_safe_only and restore is None:
        level = int(connection.exec_driver_sql("PRAGMA synchronous").scalar() or 0)
        if level > _NORMAL:
            connection.exec_driver_sql(f"PRAGMA synchronous={_NORMAL}")
            info[_RESTORE_SYNC] = level
    elif not crash_safe_only and restore is not None:
        connection.exec_driver_sql(f"PRAGMA synchronous={int(restore)}")
        del info[_RESTORE_SYNC]
