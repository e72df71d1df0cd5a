"""Recorded liquidations read straight into numpy columns, per symbol, for bulk replay.

``bot replay`` and the heatmap's warm-up do not need one Python object per event: reading
the rows as plain tuples and handing each symbol's columns to
``LiveLiquidationHeatmap.add_liquidations`` keeps a replay several times faster than the
per-event path (see ``benchmarks/history_bench.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from sqlalchemy import Engine, select

from bot.heatmap import EventColumns
from bot.history.models import RecordedLiquidationRow

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
    query = select(table.c.symbol, table.c.time_ms, table.c.price, table.c.quantity,
                   table.c.side)
    if start_ms is not None:
        query = query.where(table.c.time_ms >= start_ms)
    if end_ms is not None:
        query = query.where(table.c.time_ms < end_ms)
    if symbols:
        query = query.where(table.c.symbol.in_(list(symbols)))
    query = query.order_by(table.c.time_ms, table.c.id)
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        # The DB-API cursor directly: plain tuples, without SQLAlchemy's per-row wrapping,
        # which costs more than the rest of a replay together (measured).
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(chunk_rows):
                yield _by_symbol(rows)
        finally:
            cursor.close()


def _by_symbol(rows: Sequence[object]) -> dict[str, EventColumns]:
    symbol, time_ms, price, quantity, side = zip(*rows, strict=True)
    names = np.asarray(symbol)
    order = np.argsort(names, kind="stable")  # stable: time order kept within a symbol
    names = names[order]
    times = np.asarray(time_ms, np.int64)[order]
    prices = np.asarray(price, np.float64)[order]
    quantities = np.asarray(quantity, np.float64)[order]
    longs = np.asarray(np.asarray(side) == "long", np.bool_)[order]
    bounds = np.flatnonzero(names[1:] != names[:-1]) + 1
    starts = [0, *bounds.tolist()]
    ends = [*bounds.tolist(), len(names)]
    return {
        str(names[a]): EventColumns(times[a:b], prices[a:b], quantities[a:b], longs[a:b])
        for a, b in zip(starts, ends, strict=True)
    }
