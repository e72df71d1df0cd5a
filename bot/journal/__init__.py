"""The trade journal: a durable SQLite or PostgreSQL record of what the bot (or each bot of a
fleet sharing the database) did.

What it offers:

* ``create_engine_for(url)`` / ``make_session_factory(engine)``: the engine (SQLite in WAL mode,
  ``synchronous=FULL``, foreign keys on; a server such as PostgreSQL with a sized pool that
  pings connections) and session factory, built by the composition root.
* ``upgrade_to_head(url)`` / ``current_revision(url)``: Alembic migrations, run from code
  (``bot db upgrade`` and bot start); no ``alembic.ini`` needed. Before migrating, a SQLite
  file gets ``PRAGMA quick_check`` and a write probe; every database failure becomes one
  ``JournalUnavailable`` line naming the file and what to do (``bot.journal.access``).
* ``JournalRepository(session_factory, clock, bot_id)``: every read and write of one bot
  (``run.bot_id``; ``DEFAULT_BOT_ID`` unless a fleet shares the database): orders (recorded
  before sending), fills, trades, signals, risk events, equity snapshots, durable
  ``bot_state`` flags; ``record_decision`` writes a decision that sent nothing (a signal and
  its refusal's risk event) in one transaction that survives a crash of the bot but does not
  wait for the disk (``bot.journal.db``).
* Frozen records (``TradeRecord`` with ``to_json_dict()`` for ``bot journal --format json``...)
  and inputs (``NewOrder``, ``NewTrade``).
* ``bot.journal.copy.copy_database(source, target)``: a whole journal copied into an empty
  database (``bot db copy --to URL``: SQLite to PostgreSQL).
* ``summarize(trades, equity)``: net PnL, fees, win rate, profit factor, max drawdown, per
  symbol, as a pure function.

Importing the package has no side effects: nothing connects until asked.
"""

from bot.journal.db import check_database_url, create_engine_for, make_session_factory
from bot.journal.errors import (
    DuplicateClientOrderId,
    JournalError,
    JournalUnavailable,
    NotInJournal,
)
from bot.journal.migrate import current_revision, downgrade_to, head_revision, upgrade_to_head
from bot.journal.models import (
    DEFAULT_BOT_ID,
    OrderPurpose,
    OrderStatus,
    RiskEventKind,
    SignalOutcome,
    TradeMode,
    TradeStatus,
)
from bot.journal.records import (
    EquitySample,
    EquitySnapshotRecord,
    FillRecord,
    NewOrder,
    NewRiskEvent,
    NewTrade,
    OrderRecord,
    RiskEventRecord,
    SignalRecord,
    TradeRecord,
)
from bot.journal.repository import Clock, JournalRepository, open_journal, system_clock
from bot.journal.summary import JournalSummary, SymbolSummary, summarize

__all__ = [
    "DEFAULT_BOT_ID",
    "Clock",
    "DuplicateClientOrderId",
    "EquitySample",
    "EquitySnapshotRecord",
    "FillRecord",
    "JournalError",
    "JournalRepository",
    "JournalSummary",
    "JournalUnavailable",
    "NewOrder",
    "NewRiskEvent",
    "NewTrade",
    "NotInJournal",
    "OrderPurpose",
    "OrderRecord",
    "OrderStatus",
    "RiskEventKind",
    "RiskEventRecord",
    "SignalOutcome",
    "SignalRecord",
    "SymbolSummary",
    "TradeMode",
    "TradeRecord",
    "TradeStatus",
    "check_database_url",
    "create_engine_for",
    "current_revision",
    "downgrade_to",
    "head_revision",
    "make_session_factory",
    "open_journal",
    "summarize",
    "system_clock",
    "upgrade_to_head",
]
