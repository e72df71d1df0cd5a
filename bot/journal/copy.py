"""Copy a whole journal database into another one: ``bot db copy --to URL``.

What a trader moving a SQLite journal to the fleet's PostgreSQL runs once. Both databases
are brought to the newest schema first; the target must hold no rows (a copy never merges,
so nothing is doubled or mixed up). Every table registered on the declarative base (the
journal's; the recorded market data's once the caller imported ``bot.marketdata.models``,
which this package must not import) is copied in dependency order, in batches, in one
transaction on the target: a failed copy leaves the target as empty as it was. Ids are
kept, so links (an order's trade, a fill's order) survive; PostgreSQL's id sequences are
then moved past the copied ids so the next insert does not collide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Table, func, insert, select, text

from bot.journal.access import checked, shown
from bot.journal.base import Base
from bot.journal.db import create_engine_for
from bot.journal.errors import JournalError
from bot.journal.migrate import upgrade_to_head

BATCH_ROWS = 5_000


@dataclass(frozen=True, slots=True)
class CopyResult:
    """How many rows each table received, in copy order."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        """Rows copied in all."""
        return sum(self.rows.values())


def copy_database(source_url: str, target_url: str,
                  on_table: Callable[[str, int], None] | None = None,
                  tables: Sequence[Table] | None = None) -> CopyResult:
    """Copy every row of the database at ``source_url`` into the empty one at ``target_url``.

    Args:
        source_url: the journal to copy (typically ``sqlite:///bot-journal.db``).
        target_url: where to (typically ``postgresql+psycopg://...``); migrated to head.
        on_table: called with each table's name and row count once it is copied.
        tables: what to copy, parents first (default: every table on the declarative base).

    Raises:
        JournalError: the target already holds rows, or is the source itself.
        JournalUnavailable: either database cannot be used (one line naming it).
    """
    if shown(source_url) == shown(target_url):
        raise JournalError(f"{shown(target_url)}: the copy's target is its source")
    upgrade_to_head(source_url)
    upgrade_to_head(target_url)
    chosen = list(Base.metadata.sorted_tables if tables is None else tables)
    source, target = create_engine_for(source_url), create_engine_for(target_url)
    try:
        with checked(source_url), source.connect() as reading, \
                checked(target_url), target.begin() as writing:
            _require_empty(writing, target_url, chosen)
            copied: dict[str, int] = {}
            for table in chosen:
                copied[table.name] = _copy_table(reading, writing, table)
                if on_table is not None:
                    on_table(table.name, copied[table.name])
            _move_sequences(writing, chosen)
        return CopyResult(copied)
    finally:
        source.dispose()
        target.dispose()


def _require_empty(connection: Connection, url: str, tables: Sequence[Table]) -> None:
    held = {table.name: int(connection.execute(
        select(func.count()).select_from(table)).scalar_one()) for table in tables}
    full = {name: count for name, count in held.items() if count}
    if full:
        listed = ", ".join(f"{name} {count}" for name, count in full.items())
        raise JournalError(f"{shown(url)}: the copy's target must be empty, it holds rows "
                           f"({listed}); copy into a new database")


def _copy_table(reading: Connection, writing: Connection, table: Table) -> int:
    rows = reading.execute(select(table).order_by(*table.primary_key.columns))
    count = 0
    while batch := rows.fetchmany(BATCH_ROWS):
        writing.execute(insert(table), [row._asdict() for row in batch])
        count += len(batch)
    return count


def _move_sequences(connection: Connection, tables: Sequence[Table]) -> None:
    """Set each serial id's sequence past the copied ids (PostgreSQL keeps them apart)."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        column = table.c.get("id")
        if column is None or not column.primary_key:
            continue
        top = connection.execute(select(func.max(column))).scalar()
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :next, false)"),
            {"table": table.name, "next": int(top or 0) + 1})
