"""Run the journal's Alembic migrations from code: what ``bot db upgrade`` and bot start call.

No ``alembic.ini`` is needed: the configuration is built here, with ``script_location``
pointing at the installed ``migrations`` package (found through its ``__file__``, so it works
from any working directory and after a non-editable ``pip install .``).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import migrations
from bot.journal.access import checked, verify_sqlite
from bot.journal.db import create_engine_for, sqlite_file_path


def migrations_directory() -> Path:
    """The directory of the installed ``migrations`` package (holds ``env.py``)."""
    return Path(migrations.__file__).resolve().parent


def alembic_config(url: str) -> Config:
    """Build an Alembic ``Config`` for ``url`` without reading any ini file.

    Args:
        url: SQLAlchemy URL of the journal database.

    Returns:
        A configuration whose ``env.py`` will migrate ``url`` and leave logging alone.
    """
    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    # Passed as an attribute, not a main option: ini options interpolate "%", which URL-encoded
    # passwords contain.
    config.attributes["url"] = url
    config.attributes["configure_logger"] = False
    return config


def upgrade_to_head(url: str) -> None:
    """Bring the journal database at ``url`` to the newest schema (creating it if missing).

    An existing SQLite file is checked first (``bot.journal.access.verify_sqlite``).

    Args:
        url: SQLAlchemy URL of the journal database.

    Raises:
        JournalUnavailable: the database cannot be used; one line naming it and what to do.
    """
    verify_sqlite(url)
    with checked(url):
        command.upgrade(alembic_config(url), "head")


def downgrade_to(url: str, revision: str = "base") -> None:
    """Downgrade the journal database at ``url`` to ``revision`` (``"base"``: empty schema).

    Args:
        url: SQLAlchemy URL of the journal database.
        revision: target revision id, or ``"base"``.
    """
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    """The newest revision id the installed migrations know."""
    script = ScriptDirectory(str(migrations_directory()))
    return script.get_current_head()


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at, or ``None`` when it has no schema yet.

    A SQLite file that does not exist is reported as ``None`` without being created.

    Args:
        url: SQLAlchemy URL of the journal database.
    """
    path = sqlite_file_path(url)
    if path is not None and not path.exists():
        return None
    with checked(url):
        engine = create_engine_for(url)
        try:
            with engine.connect() as connection:
                return MigrationContext.configure(connection).get_current_revision()
        finally:
            engine.dispose()
