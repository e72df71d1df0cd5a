"""Running a backtest from settings: its journal, the engine, the report (the composition).

A backtest journals into a database of its choosing (by default the bot's journal) with mode
``backtest``; the previous backtest's rows there are removed first, so ``bot journal --mode
backtest`` and ``bot journal summary --mode backtest`` always describe the latest run, and
the same data and settings give the same journal, row for row. The journal is written with
``synchronous=OFF`` on the backtest's own connections: a backtest can be run again, and
per-commit disk flushes would make it ten times slower.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, event, select

from bot.backtest.engine import BacktestEngine, load_data
from bot.backtest.report import BacktestReport, build_report
from bot.clock import ManualClock
from bot.domain import from_epoch_ms, to_epoch_ms
from bot.journal import (
    JournalRepository,
    TradeMode,
    create_engine_for,
    make_session_factory,
    upgrade_to_head,
)
from bot.journal.models import (
    EquitySnapshotRow,
    FillRow,
    OrderRow,
    RiskEventRow,
    SignalRow,
    TradeRow,
)
from bot.marketdata.store import HistoryStore
from bot.settings import Settings

_WARMUP_DECAYS = 4  # feed this many decay constants of history before the start


@dataclass(frozen=True, slots=True)
class BacktestRequest:
    """What to backtest: symbols (Binance ids or ccxt form) and an optional period."""

    symbols: Sequence[str]
    start: datetime | None = None
    end: datetime | None = None


def run_backtest(settings: Settings, store: HistoryStore, request: BacktestRequest,
                 journal_url: str,
                 on_progress: Callable[[int, int], None] | None = None,
                 defer_flat_marks: bool = True) -> BacktestReport:
    """Backtest ``request`` with ``settings`` over ``store``'s data; journal into ``journal_url``.

    ``on_progress(done_ms, total_ms)``: simulated time covered so far (a progress bar).
    ``defer_flat_marks``: see ``BacktestEngine`` (False only to prove it changes nothing).

    Raises:
        ValueError: no recorded prices for the symbols in the period.
    """
    warmup_ms = round(_WARMUP_DECAYS * settings.heatmap.time_decay_minutes * 60_000)
    data = load_data(store, request.symbols,
                     None if request.start is None else to_epoch_ms(request.start),
                     None if request.end is None else to_epoch_ms(request.end), warmup_ms)
    clock = ManualClock(from_epoch_ms(data.start_ms))
    bot_id = settings.run.bot_id
    engine = open_backtest_journal(journal_url, bot_id)
    try:
        journal = JournalRepository(make_session_factory(engine), clock, bot_id)
        run = BacktestEngine(settings, data, journal, clock,
                             defer_flat_marks=defer_flat_marks).run(on_progress)
        trades = journal.list_trades(mode=TradeMode.BACKTEST)
        equity = journal.list_equity_snapshots(mode=TradeMode.BACKTEST)
    finally:
        engine.dispose()
    return build_report(run, trades, equity)


def open_backtest_journal(url: str, bot_id: str) -> Engine:
    """Migrate ``url``, remove bot ``bot_id``'s previous backtest rows, return a fast-writing
    engine."""
    upgrade_to_head(url)
    engine = create_engine_for(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _no_sync)
    clear_backtest_rows(engine, bot_id)
    return engine


def clear_backtest_rows(engine: Engine, bot_id: str) -> None:
    """Delete bot ``bot_id``'s rows of mode ``backtest`` (children before parents); other
    bots' backtests in the same database stay."""
    mode = TradeMode.BACKTEST.value
    with engine.begin() as conn:
        backtest_orders = select(OrderRow.id).where(OrderRow.mode == mode,
                                                    OrderRow.bot_id == bot_id)
        conn.execute(delete(FillRow).where(FillRow.order_id.in_(backtest_orders)))
        for table in (SignalRow, OrderRow, TradeRow, RiskEventRow, EquitySnapshotRow):
            conn.execute(delete(table).where(table.mode == mode, table.bot_id == bot_id))


def _no_sync(dbapi_connection: Any, _record: Any) -> None:
    # Runs after the journal's own PRAGMAs (listeners fire in order) and relaxes only these
    # connections; the live bot's connections keep synchronous=FULL.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous=OFF")
    finally:
        cursor.close()
