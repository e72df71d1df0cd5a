"""Checking a journal database before use, and one clear line for every way it can fail.

``checked(url)`` wraps whatever opens or migrates the journal: a database failure (read-only
file, full disk, unknown Alembic revision, corrupted or foreign file, missing driver,
unreachable server) leaves it as one ``JournalUnavailable`` whose message names the file or
URL (password hidden) and says what to do. ``verify_sqlite(url)`` runs at every start on a
SQLite file that exists: ``PRAGMA quick_check`` (a corrupted page must never pass for a valid
journal) and a harmless write (``PRAGMA user_version`` set to itself), so a read-only file is
found before the first trade rather than at it.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.util.exc import CommandError
from sqlalchemy import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from bot.journal.db import create_engine_for, sqlite_file_path
from bot.journal.errors import JournalUnavailable

_UNKNOWN_REVISION = re.compile(r"Can't locate revision identified by '([^']+)'")
# (words in the driver's message, what it means and what to do); first match wins.
_SQLITE_PROBLEMS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("readonly", "read-only"),
     "the journal file is read-only; make it and its directory writable (chmod u+w) or set "
     "journal.url to a writable file"),
    (("disk is full", "disk i/o error", "file too large"),
     "cannot write the journal (disk full, a file-size limit or a failing disk); free space "
     "or set journal.url to another disk"),
    (("not a database", "file is encrypted"),
     "not a SQLite database; set journal.url to the journal's file or move this one aside"),
    (("malformed", "corrupt"),
     "the journal file is corrupted; restore it from a backup (or try sqlite3's .recover), "
     "or move it aside to start a new journal"),
    (("unable to open database file",),
     "cannot open the journal file (missing directory or no permission); check the path and "
     "its permissions"),
    (("database is locked",),
     "the journal is locked by another process; stop it or wait, then start again"),
)


def shown(url: str) -> str:
    """How ``url`` appears in messages: the SQLite file path, else the URL without password."""
    try:
        path = sqlite_file_path(url)
        return str(path) if path is not None else make_url(url).render_as_string(
            hide_password=True)
    except ArgumentError:
        return re.sub(r"(?<=:)[^/@:\s]+(?=@)", "***", url)


def describe_failure(url: str, error: BaseException) -> JournalUnavailable:
    """The one-line ``JournalUnavailable`` for ``error`` met while using the journal at ``url``."""
    where = shown(url)
    text = " ".join(str(error).split())
    revision = _UNKNOWN_REVISION.search(text)
    if revision:
        return JournalUnavailable(
            f"{where}: the journal's schema revision {revision.group(1)} is unknown to this "
            "version of the bot (written by a newer or a different one); upgrade the bot, or "
            "set journal.url to another file")
    if isinstance(error, ModuleNotFoundError):
        return JournalUnavailable(
            f"{where}: the database driver {error.name!r} is not installed; install it "
            "(for PostgreSQL: pip install 'psycopg[binary]') or use a sqlite:/// journal")
    if isinstance(error, NoSuchModuleError | ArgumentError):
        return JournalUnavailable(
            f"{where}: not a database URL this bot can use ({_first_line(text)}); use "
            "sqlite:///FILE or postgresql+psycopg://user:password@host:port/db")
    if isinstance(error, OSError):
        return _os_failure(where, error)
    lowered = text.lower()
    if sqlite_file_path(url) is not None or make_url(url).get_backend_name() == "sqlite":
        for words, advice in _SQLITE_PROBLEMS:
            if any(word in lowered for word in words):
                return JournalUnavailable(f"{where}: {advice}")
    elif isinstance(error, OperationalError | InterfaceError):
        return JournalUnavailable(
            f"{where}: cannot reach the database server ({_first_line(_driver_text(error))}); "
            "check that it runs and that journal.url names it")
    return JournalUnavailable(f"{where}: journal database error: {_first_line(text)}")


def _os_failure(where: str, error: OSError) -> JournalUnavailable:
    if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return JournalUnavailable(f"{where}: cannot write the journal (disk full); free space "
                                  "or set journal.url to another disk")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return JournalUnavailable(f"{where}: no permission ({error.strerror}); make the file "
                                  "and its directory writable or set journal.url elsewhere")
    return JournalUnavailable(f"{where}: cannot use this path ({error.strerror or error}); "
                              "check that its directory exists and is a directory")


def _driver_text(error: DBAPIError) -> str:
    # The driver's own words, without SQLAlchemy's [SQL: ...] and background-link suffixes.
    return " ".join(str(error.orig).split()) if error.orig is not None else str(error)


def _first_line(text: str) -> str:
    short = re.split(r" \[SQL: | \(Background on this error", text, maxsplit=1)[0]
    return short if len(short) <= 200 else short[:200] + "..."


@contextmanager
def checked(url: str) -> Iterator[None]:
    """Turn any database failure inside the block into one ``JournalUnavailable``."""
    try:
        yield
    except JournalUnavailable:
        raise
    except (SQLAlchemyError, CommandError, OSError, ModuleNotFoundError) as error:
        raise describe_failure(url, error) from None


def verify_sqlite(url: str) -> None:
    """``PRAGMA quick_check`` and a no-op write on an existing SQLite journal file.

    Raises:
        JournalUnavailable: the file is corrupted, not a database, or cannot be written.
    """
    path = sqlite_file_path(url)
    if path is None or not Path(path).exists():
        return
    engine = create_engine_for(url)
    try:
        with checked(url), engine.connect() as connection:
            rows = [str(row[0]) for row in connection.exec_driver_sql("PRAGMA quick_check")]
            if rows != ["ok"]:
                raise JournalUnavailable(
                    f"{shown(url)}: the journal file is corrupted ({_first_line(rows[0])}); "
                    "restore it from a backup (or try sqlite3's .recover), or move it aside to "
                    "start a new journal")
            version = connection.exec_driver_sql("PRAGMA user_version").scalar()
            connection.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")
    finally:
        engine.dispose()
