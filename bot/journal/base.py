"""The one declarative base every table of the database registers on.

``Base.metadata`` is what Alembic's revisions are generated from. The journal's tables
(``bot.journal.models``) and the recorded market data (``bot.marketdata.models``) both
subclass ``Base`` from here, so neither imports the other. Alembic's environment
(``migrations/env.py``) imports every model module, so the metadata it compares is whole.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Named constraints: SQLite cannot alter a table in place, so Alembic's batch mode rebuilds
# it, and it can only drop or recreate a constraint it can name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

class UtcDateTime(TypeDecorator[datetime]):
    """A datetime column that only accepts aware datetimes and always returns aware UTC.

    SQLite keeps no time zone, so values are converted to UTC and stored without one there;
    databases with a real ``TIMESTAMP WITH TIME ZONE`` get the aware value. Reading adds
    ``UTC`` back to whatever comes out naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; convert aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: journal timestamps must carry a time zone (UTC)")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime (naive values from SQLite are UTC by construction)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table; ``Base.metadata`` drives Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}  # noqa: RUF012 (SQLAlchemy reads it)
