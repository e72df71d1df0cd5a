"""``HistoryStore``: batched, de-duplicated writes and time-range reads of recorded market data.

Every write method is one transaction, committed before it returns: what returned is on disk
(the journal's SQLite settings apply, ``synchronous=FULL`` in WAL mode). Exact repeats (a
liquidation with the same symbol, side, time, price, quantity and venue; a second mark price of a
symbol at the same millisecond) are skipped by the database itself, so an interrupted import
or a restarted recorder can write the same events again safely.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    Connection,
    Engine,
    Insert,
    Select,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from bot.marketdata.models import (
    PriceDownloadRow,
    RecordedLiquidationRow,
    RecordedMarkPriceRow,
    RecordingGapRow,
    RecordingSessionRow,
)

# Core tables (not the ORM classes): bulk inserts and reads skip the unit of work.
_LIQ: Table = RecordedLiquidationRow.__table__  # type: ignore[assignment]
_MARK: Table = RecordedMarkPriceRow.__table__  # type: ignore[assignment]
_GAP: Table = RecordingGapRow.__table__  # type: ignore[assignment]
_SESSION: Table = RecordingSessionRow.__table__  # type: ignore[assignment]
_DOWNLOAD: Table = PriceDownloadRow.__table__  # type: ignore[assignment]
_READ_CHUNK = 50_000
_AnySelect = TypeVar("_AnySelect", bound=Select[*tuple[Any, ...]])


class LiquidationEvent(NamedTuple):
    """One stored liquidation in its compact form (time in epoch milliseconds, UTC).

    ``venue`` is one of ``bot.domain.VENUES`` (Binance unless said).
    """

    symbol: str
    side: str
    time_ms: int
    price: float
    quantity: float
    venue: str = "binance"


class MarkPoint(NamedTuple):
    """One stored mark price (time in epoch milliseconds, UTC)."""

    symbol: str
    time_ms: int
    price: float


@dataclass(frozen=True, slots=True)
class Gap:
    """A period without recording, ``[start_ms, end_ms)``."""

    start_ms: int
    end_ms: int
    reason: str


@dataclass(frozen=True, slots=True)
class PriceSeries:
    """One symbol's mark prices in time order, as arrays (cheap to hold for millions)."""

    times_ms: npt.NDArray[np.int64]
    prices: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class StoreCounts:
    """How much the store holds."""

    liquidations: int
    mark_prices: int
    gaps: int
    sessions: int


class HistoryStore:
    """Reads and writes the history tables through an engine the caller owns.

    Args:
        engine: from ``bot.journal.create_engine_for``, on a database already migrated to
            head (``bot.journal.upgrade_to_head``).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """The engine the store writes through."""
        return self._engine

    # -- writes ----------------------------------------------------------------------------

    def add_liquidations(self, events: Sequence[LiquidationEvent]) -> int:
        """Store ``events``; returns how many were new (repeats are skipped)."""
        with self._engine.begin() as conn:
            return self._insert_liquidations(conn, events)

    def add_mark_prices(self, points: Sequence[MarkPoint]) -> int:
        """Store mark prices; returns how many were new."""
        with self._engine.begin() as conn:
            return self._insert_marks(conn, points)

    def write_batch(self, session_id: int, liquidations: Sequence[LiquidationEvent],
                    marks: Sequence[MarkPoint], gaps: Sequence[Gap], alive_ms: int) -> int:
        """One recorder batch in one transaction, with the session's heartbeat.

        Returns:
            The number of new liquidations.
        """
        with self._engine.begin() as conn:
            added = self._insert_liquidations(conn, liquidations)
            self._insert_marks(conn, marks)
            for gap in gaps:
                conn.execute(insert(_GAP).values(start_ms=gap.start_ms, end_ms=gap.end_ms,
                                                 reason=gap.reason))
            conn.execute(update(_SESSION).where(_SESSION.c.id == session_id)
                         .values(last_alive_ms=alive_ms))
            return added

    def add_gap(self, gap: Gap) -> None:
        """Record a period without data."""
        with self._engine.begin() as conn:
            conn.execute(insert(_GAP).values(start_ms=gap.start_ms, end_ms=gap.end_ms,
                                             reason=gap.reason))

    def start_session(self, symbols: Sequence[str], now_ms: int) -> tuple[int, Gap | None]:
        """Open a recording session; the time since the last one was alive becomes a gap.

        Returns:
            The session id and the gap recorded (``None`` for the very first session).
        """
        with self._engine.begin() as conn:
            last = conn.execute(select(func.max(_SESSION.c.last_alive_ms))).scalar()
            gap = None
            if last is not None and last < now_ms:
                gap = Gap(int(last), now_ms, "recorder not running")
                conn.execute(insert(_GAP).values(start_ms=gap.start_ms, end_ms=gap.end_ms,
                                                 reason=gap.reason))
            result = conn.execute(insert(_SESSION).values(
                started_ms=now_ms, last_alive_ms=now_ms, ended_ms=None,
                symbols=",".join(symbols)[:4000]))
            key = result.inserted_primary_key
            assert key is not None  # noqa: S101 (an INSERT always has one)
            return int(key[0]), gap

    def end_session(self, session_id: int, ended_ms: int) -> None:
        """Mark a session cleanly ended."""
        with self._engine.begin() as conn:
            conn.execute(update(_SESSION).where(_SESSION.c.id == session_id)
                         .values(ended_ms=ended_ms, last_alive_ms=ended_ms))

    def add_downloaded_prices(self, points: Sequence[MarkPoint], symbol: str, timeframe: str,
                              start_ms: int, end_ms: int) -> int:
        """Store downloaded candles' prices and mark ``[start_ms, end_ms)`` of ``symbol`` /
        ``timeframe`` as downloaded, in one transaction (a period is never marked without its
        prices); touching or overlapping periods merge into one. Returns the new prices."""
        with self._engine.begin() as conn:
            added = self._insert_marks(conn, points)
            mark_downloaded(conn, symbol, timeframe, start_ms, end_ms)
            return added

    # -- reads -----------------------------------------------------------------------------

    def downloaded_periods(self, symbol: str, timeframe: str) -> list[tuple[int, int]]:
        """The ``[start_ms, end_ms)`` periods of ``symbol`` / ``timeframe`` already downloaded,
        in time order."""
        query = (select(_DOWNLOAD.c.start_ms, _DOWNLOAD.c.end_ms)
                 .where(_DOWNLOAD.c.symbol == symbol, _DOWNLOAD.c.timeframe == timeframe)
                 .order_by(_DOWNLOAD.c.start_ms))
        with self._engine.connect() as conn:
            return [(int(r[0]), int(r[1])) for r in conn.execute(query)]

    def liquidations(self, start_ms: int | None = None, end_ms: int | None = None,
                     symbols: Sequence[str] | None = None) -> list[LiquidationEvent]:
        """Liquidations with ``start_ms <= time_ms < end_ms``, in time (then insertion) order."""
        return list(self.iter_liquidations(start_ms, end_ms, symbols))

    def iter_liquidations(self, start_ms: int | None = None, end_ms: int | None = None,
                          symbols: Sequence[str] | None = None) -> Iterator[LiquidationEvent]:
        """Like ``liquidations`` but streamed in chunks (for exports of any size)."""
        query = _ranged(select(_LIQ.c.symbol, _LIQ.c.side, _LIQ.c.time_ms, _LIQ.c.price,
                               _LIQ.c.quantity, _LIQ.c.venue), _LIQ.c.time_ms, start_ms, end_ms)
        if symbols:
            query = query.where(_LIQ.c.symbol.in_(list(symbols)))
        query = query.order_by(_LIQ.c.time_ms, _LIQ.c.id)
        with self._engine.connect() as conn:
            result = conn.execution_options(yield_per=_READ_CHUNK).execute(query)
            for row in result:
                yield LiquidationEvent(row[0], row[1], row[2], row[3], row[4], row[5])

    def liquidation_counts(self, start_ms: int | None = None,
                           end_ms: int | None = None) -> dict[str, int]:
        """Number of liquidations per symbol with ``start_ms <= time_ms < end_ms``."""
        query = _ranged(select(_LIQ.c.symbol, func.count()), _LIQ.c.time_ms, start_ms, end_ms)
        with self._engine.connect() as conn:
            rows = conn.execute(query.group_by(_LIQ.c.symbol)).all()
        return {str(r[0]): int(r[1]) for r in rows}

    def first_liquidation_ms(self, start_ms: int | None = None,
                             end_ms: int | None = None) -> int | None:
        """Time of the first liquidation with ``start_ms <= time_ms < end_ms``, or None."""
        query = _ranged(select(func.min(_LIQ.c.time_ms)), _LIQ.c.time_ms, start_ms, end_ms)
        with self._engine.connect() as conn:
            first = conn.execute(query).scalar_one()
        return None if first is None else int(first)

    def latest_mark_prices(self, until_ms: int, start_ms: int | None = None,
                           symbols: Sequence[str] | None = None) -> dict[str, float]:
        """Each symbol's newest mark price with ``start_ms <= time_ms <= until_ms``.

        One primary-key lookup per symbol (all symbols with prices when ``symbols`` is
        empty): cheap however many prices the period holds.
        """
        names = list(symbols) if symbols else self.symbols_with_prices()
        out: dict[str, float] = {}
        with self._engine.connect() as conn:
            for name in names:
                query = _ranged(select(_MARK.c.price), _MARK.c.time_ms, start_ms, until_ms + 1)
                price = conn.execute(query.where(_MARK.c.symbol == name)
                                     .order_by(_MARK.c.time_ms.desc()).limit(1)).scalar()
                if price is not None:
                    out[name] = float(price)
        return out

    def mark_price_summary(self, start_ms: int | None = None,
                           end_ms: int | None = None) -> tuple[int, int | None, int | None]:
        """Number of mark prices with ``start_ms <= time_ms < end_ms``, first and last time."""
        query = _ranged(select(func.count(), func.min(_MARK.c.time_ms),
                               func.max(_MARK.c.time_ms)), _MARK.c.time_ms, start_ms, end_ms)
        with self._engine.connect() as conn:
            count, first, last = conn.execute(query).one()
        return (int(count), None if first is None else int(first),
                None if last is None else int(last))

    def mark_prices(self, start_ms: int | None = None, end_ms: int | None = None,
                    symbols: Sequence[str] | None = None) -> dict[str, PriceSeries]:
        """Mark prices per symbol with ``start_ms <= time_ms < end_ms``, in time order."""
        query = _ranged(select(_MARK.c.symbol, _MARK.c.time_ms, _MARK.c.price),
                        _MARK.c.time_ms, start_ms, end_ms)
        if symbols:
            query = query.where(_MARK.c.symbol.in_(list(symbols)))
        query = query.order_by(_MARK.c.symbol, _MARK.c.time_ms)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        out: dict[str, PriceSeries] = {}
        if not rows:
            return out
        names = [row[0] for row in rows]
        times = np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows))
        prices = np.fromiter((row[2] for row in rows), dtype=np.float64, count=len(rows))
        start = 0
        for index in range(1, len(rows) + 1):
            if index == len(rows) or names[index] != names[start]:
                out[names[start]] = PriceSeries(times[start:index], prices[start:index])
                start = index
        return out

    def iter_mark_prices(self, start_ms: int | None = None, end_ms: int | None = None,
                         symbols: Sequence[str] | None = None) -> Iterator[MarkPoint]:
        """Mark prices in (time, symbol) order, streamed (for exports)."""
        query = _ranged(select(_MARK.c.symbol, _MARK.c.time_ms, _MARK.c.price),
                        _MARK.c.time_ms, start_ms, end_ms)
        if symbols:
            query = query.where(_MARK.c.symbol.in_(list(symbols)))
        with self._engine.connect() as conn:
            result = conn.execution_options(yield_per=_READ_CHUNK).execute(
                query.order_by(_MARK.c.time_ms, _MARK.c.symbol))
            for row in result:
                yield MarkPoint(row[0], row[1], row[2])

    def gaps(self, start_ms: int | None = None, end_ms: int | None = None) -> list[Gap]:
        """Gaps overlapping ``[start_ms, end_ms)``, in time order."""
        query = select(_GAP.c.start_ms, _GAP.c.end_ms, _GAP.c.reason)
        if start_ms is not None:
            query = query.where(_GAP.c.end_ms > start_ms)
        if end_ms is not None:
            query = query.where(_GAP.c.start_ms < end_ms)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(_GAP.c.start_ms, _GAP.c.id)).all()
        return [Gap(int(r[0]), int(r[1]), str(r[2])) for r in rows]

    def price_range(self, symbols: Sequence[str] | None = None) -> tuple[int, int] | None:
        """First and last mark-price time (ms) of ``symbols`` (all when empty), or None."""
        query = select(func.min(_MARK.c.time_ms), func.max(_MARK.c.time_ms))
        if symbols:
            query = query.where(_MARK.c.symbol.in_(list(symbols)))
        with self._engine.connect() as conn:
            first, last = conn.execute(query).one()
        return None if first is None else (int(first), int(last))

    def symbols_with_prices(self) -> list[str]:
        """Symbols holding at least one mark price, sorted."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(_MARK.c.symbol).distinct().order_by(_MARK.c.symbol))
            return [str(r[0]) for r in rows]

    def counts(self) -> StoreCounts:
        """Row counts of every history table."""
        with self._engine.connect() as conn:
            def count(table: Any) -> int:
                return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            return StoreCounts(count(_LIQ), count(_MARK), count(_GAP), count(_SESSION))

    # -- internals -------------------------------------------------------------------------

    def _insert_liquidations(self, conn: Connection, events: Sequence[LiquidationEvent]) -> int:
        if not events:
            return 0
        if conn.dialect.name == "sqlite":
            # The driver's executemany on plain tuples: three times SQLAlchemy's rate, which
            # is what lets a replay keep up with a recording played back at full speed.
            return _sqlite_insert_or_ignore(conn, _LIQ, events)
        rows = [e._asdict() for e in events]
        return _insert_ignoring_repeats(conn, _LIQ, rows)

    def _insert_marks(self, conn: Connection, points: Sequence[MarkPoint]) -> int:
        if not points:
            return 0
        if conn.dialect.name == "sqlite":
            return _sqlite_insert_or_ignore(conn, _MARK, points)
        return _insert_ignoring_repeats(conn, _MARK, [p._asdict() for p in points])


def mark_downloaded(conn: Connection, symbol: str, timeframe: str, start_ms: int,
                    end_ms: int) -> None:
    """Note ``[start_ms, end_ms)`` of ``symbol`` / ``timeframe`` as downloaded inside the
    caller's transaction; touching or overlapping periods merge into one."""
    key = (_DOWNLOAD.c.symbol == symbol) & (_DOWNLOAD.c.timeframe == timeframe)
    touching = key & (_DOWNLOAD.c.start_ms <= end_ms) & (_DOWNLOAD.c.end_ms >= start_ms)
    first, last = conn.execute(
        select(func.min(_DOWNLOAD.c.start_ms), func.max(_DOWNLOAD.c.end_ms))
        .where(touching)).one()
    conn.execute(delete(_DOWNLOAD).where(touching))
    conn.execute(insert(_DOWNLOAD).values(
        symbol=symbol, timeframe=timeframe,
        start_ms=start_ms if first is None else min(start_ms, int(first)),
        end_ms=end_ms if last is None else max(end_ms, int(last))))


def _sqlite_insert_or_ignore(conn: Connection, table: Table,
                             rows: Sequence[tuple[Any, ...]]) -> int:
    """``INSERT OR IGNORE`` of tuples whose fields are named like ``table``'s columns."""
    names = rows[0]._fields  # type: ignore[attr-defined]
    sql = (f"INSERT OR IGNORE INTO {table.name} ({', '.join(names)}) "  # noqa: S608 (names are ours)
           f"VALUES ({', '.join('?' * len(names))})")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, rows)
        return max(int(cursor.rowcount), 0)
    finally:
        cursor.close()


def _insert_ignoring_repeats(conn: Connection, table: Any, rows: Iterable[dict[str, Any]]) -> int:
    """INSERT skipping rows that violate a unique key; returns the number inserted.

    The count comes from ``RETURNING`` (one row back per row inserted): a driver's
    ``rowcount`` after a batched insert is not the number of rows (psycopg reports 0).
    """
    statement: Insert
    dialect = conn.dialect.name
    if dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing()
    elif dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - other back ends: plain INSERT (repeats would fail loudly)
        statement = insert(table)
    batch = list(rows)
    if not batch:
        return 0
    first_key = next(iter(table.primary_key.columns))
    result = conn.execute(statement.returning(first_key), batch)
    return len(result.all())


def _ranged(query: _AnySelect, column: Any, start_ms: int | None,
            end_ms: int | None) -> _AnySelect:
    if start_ms is not None:
        query = query.where(column >= start_ms)
    if end_ms is not None:
        query = query.where(column < end_ms)
    return query
