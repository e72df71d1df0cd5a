"""Recorded market data read in bulk: liquidations as numpy columns, prices by lookup.

``bot replay`` at full speed and the replay benchmark do not need one Python object per
event: reading the rows as plain tuples and handing each symbol's columns to
``LiveLiquidationHeatmap.add_liquidations`` keeps a replay several times faster than the
per-event path (see ``benchmarks/history_bench.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Engine, Select, select

from bot.heatmap import EventColumns
from bot.heatmap.store import venue_code
from bot.marketdata.models import RecordedLiquidationRow
from bot.marketdata.store import HistoryStore, LiquidationEvent

_CHUNK_ROWS = 200_000


def liquidation_columns(
    engine: Engine,
    start_ms: int | None = None,
    end_ms: int | None = None,
    symbols: Sequence[str] | None = None,
    chunk_rows: int = _CHUNK_ROWS,
) -> Iterator[dict[str, EventColumns]]:
    """Yield chunks of recorded liquidations (time order) as columns keyed by symbol."""
    table = RecordedLiquidationRow.__table__
    # The side as a 0/1 column computed by the database: no string comparisons in Python.
    query: Select[Any] = select(table.c.symbol, table.c.time_ms, table.c.price,
                                table.c.quantity, table.c.side == "long", table.c.venue)
    query = _filtered(query, table, start_ms, end_ms, symbols).order_by(table.c.time_ms,
                                                                        table.c.id)
    for rows in _raw_chunks(engine, query, chunk_rows):
        yield _by_symbol(rows)


class StoredMarks:
    """The store's mark prices of ``[start_ms, end_ms)`` as ``replay_bulk`` asks for them."""

    def __init__(self, store: HistoryStore, start_ms: int | None = None,
                 end_ms: int | None = None) -> None:
        self._store = store
        self._start_ms = start_ms
        self._end_ms = end_ms
        self._symbols = store.symbols_with_prices()

    def latest(self, until_ms: int) -> dict[str, float]:
        """Each symbol's newest price at or before ``until_ms`` (within the period)."""
        if not self._symbols:
            return {}
        if self._end_ms is not None:
            until_ms = min(until_ms, self._end_ms - 1)
        return self._store.latest_mark_prices(until_ms, self._start_ms, self._symbols)

    def summary(self) -> tuple[int, int | None, int | None]:
        """How many prices the period holds, the first and the last time."""
        return self._store.mark_price_summary(self._start_ms, self._end_ms)


def event_columns(events: Sequence[LiquidationEvent],
                  chunk_rows: int = _CHUNK_ROWS) -> Iterator[dict[str, EventColumns]]:
    """In-memory events (time order) as the same chunks ``liquidation_columns`` yields."""
    for index in range(0, len(events), chunk_rows):
        yield _by_symbol([(e.symbol, e.time_ms, e.price, e.quantity, e.side == "long", e.venue)
                          for e in events[index:index + chunk_rows]])


def _filtered(query: Select[Any], table: Any, start_ms: int | None, end_ms: int | None,
              symbols: Sequence[str] | None) -> Select[Any]:
    if start_ms is not None:
        query = query.where(table.c.time_ms >= start_ms)
    if end_ms is not None:
        query = query.where(table.c.time_ms < end_ms)
    if symbols:
        query = query.where(table.c.symbol.in_(list(symbols)))
    return query


def _raw_chunks(engine: Engine, query: Select[Any], chunk_rows: int) -> Iterator[list[Any]]:
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        # The DB-API cursor directly: plain tuples, without SQLAlchemy's per-row wrapping,
        # which costs more than the rest of a replay together (measured).
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(chunk_rows):
                yield rows
        finally:
            cursor.close()


def _by_symbol(rows: Sequence[tuple[Any, ...]]) -> dict[str, EventColumns]:
    """Rows of (symbol, time_ms, price, quantity, is_long, venue) split into columns per symbol."""
    # One comprehension per column: ``zip(*rows)`` over 200,000 rows is 5x slower (measured).
    symbol, time_ms, price, quantity, is_long, venue = ([row[i] for row in rows]
                                                        for i in range(6))
    # Symbols as small integer codes: sorting those is far cheaper than sorting strings.
    names = list(dict.fromkeys(symbol))
    code_of = {name: code for code, name in enumerate(names)}
    codes = np.fromiter(map(code_of.__getitem__, symbol), np.int32, len(symbol))
    order = np.argsort(codes, kind="stable")  # stable: time order kept within a symbol
    counts = np.bincount(codes, minlength=len(names))
    times = np.fromiter(time_ms, np.int64, len(time_ms))[order]
    prices = np.fromiter(price, np.float64, len(price))[order]
    quantities = np.fromiter(quantity, np.float64, len(quantity))[order]
    longs = np.fromiter(is_long, np.bool_, len(is_long))[order]
    venues = np.fromiter(map(venue_code, venue), np.uint8, len(venue))[order]
    ends = np.cumsum(counts).tolist()
    starts = [0, *ends[:-1]]
    return {
        name: EventColumns(times[a:b], prices[a:b], quantities[a:b], longs[a:b], venues[a:b])
        for name, a, b in zip(names, starts, ends, strict=True)
    }
