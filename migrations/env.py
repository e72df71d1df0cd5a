"""Alembic environment of the journal: the schema comes from ``bot.journal.base.Base.metadata``.

The database URL is taken, first found wins, from:

1. ``config.attributes["connection"]`` (an open SQLAlchemy ``Connection``) or
   ``config.attributes["url"]`` — what ``bot.journal.migrate`` passes;
2. ``-x url=...`` on the alembic command line;
3. ``sqlalchemy.url`` in the ini file;
4. the ``BOT_JOURNAL__URL`` environment variable (the bot's own setting).

SQLite cannot alter tables in place, so migrations are rendered and run in batch mode; its
foreign keys are switched off while tables are rebuilt and checked again before commit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

import bot.journal.models
import bot.marketdata.models  # noqa: F401 - every model module registers its tables on Base
from bot.errors import ConfigError
from bot.journal.base import Base, UtcDateTime
from bot.journal.db import create_engine_for

URL_ENV_VAR = "BOT_JOURNAL__URL"

config = context.config
target_metadata = Base.metadata

# The bot configures logging itself; fileConfig would replace its handlers, so it only runs
# for the alembic command line (``bot.journal.migrate`` sets this attribute to False).
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    """The URL to migrate, from the sources listed in the module docstring."""
    candidates = (
        config.attributes.get("url"),
        context.get_x_argument(as_dictionary=True).get("url"),
        config.get_main_option("sqlalchemy.url"),
        os.environ.get(URL_ENV_VAR),
    )
    for candidate in candidates:
        if candidate:
            return str(candidate)
    raise ConfigError(f"no journal database URL: pass -x url=... or set {URL_ENV_VAR}")


def _render_item(type_: str, obj: Any, _autogen_context: AutogenContext) -> str | bool:
    """Render the journal's UTC type as its plain SQLAlchemy base.

    Revisions then never import application code, which may change after they were written.
    """
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _options(dialect_name: str) -> dict[str, Any]:
    """``context.configure`` options shared by online and offline runs."""
    is_sqlite = dialect_name == "sqlite"
    return {
        "target_metadata": target_metadata,
        "render_as_batch": is_sqlite,
        "render_item": _render_item,
        "compare_type": True,
        # bot.journal.db makes SQLAlchemy emit BEGIN on SQLite, so DDL is transactional there:
        # a failed upgrade leaves the previous schema, not half of the new one.
        "transactional_ddl": True,
    }


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Disable SQLite foreign keys while batch mode drops and recreates tables."""
    # The PRAGMA is a no-op inside a transaction, so it goes to the driver before BEGIN.
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101 (a checked-out connection always has one)
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def _migrate(connection: Connection) -> None:
    """Run the migrations on an open connection, in one transaction."""
    with _sqlite_foreign_keys_off(connection):
        context.configure(connection=connection, **_options(connection.dialect.name))
        with context.begin_transaction():
            context.run_migrations()
            if connection.dialect.name == "sqlite":
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")


def run_migrations_offline() -> None:
    """Emit the migration SQL as a script instead of running it."""
    url = _database_url()
    dialect_name = url.split(":", 1)[0].split("+", 1)[0]
    context.configure(url=url, literal_binds=True, **_options(dialect_name))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations against a live database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_engine_for(_database_url())
    try:
        with engine.connect() as fresh:
            _migrate(fresh)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
