"""The journal's repository: every read and write the rest of the bot makes goes through here.

``JournalRepository`` joins the stores (orders and fills, trades, events and state, backtest
runs of an optimisation) so the composition root builds one object. Each write method is one
transaction committed before it returns, so a crash never loses a write that returned.
Symbols are stored in the exchange id form (``BTCUSDT``); every symbol argument also accepts
the ccxt form (``BTC/USDT:USDT``).
"""

from __future__ import annotations

from bot.clock import Clock
from bot.clock import utc_now as system_clock
from bot.journal.events import EventStore
from bot.journal.models import DEFAULT_BOT_ID
from bot.journal.orders import OrderStore
from bot.journal.studies import BacktestRunStore
from bot.journal.trades import TradeStore

__all__ = ["Clock", "JournalRepository", "open_journal", "system_clock"]


class JournalRepository(OrderStore, TradeStore, EventStore, BacktestRunStore):
    """Reads and writes the trade journal.

    Args:
        session_factory: from ``bot.journal.db.make_session_factory``.
        clock: supplies ``created_at``/``updated_at`` and default event times; a backtest
            passes its simulated clock.
        bot_id: the bot whose rows it writes and reads (``run.bot_id``); bots sharing one
            database never see each other's trades, orders, signals, risk events, equity or
            durable state.

    Example:
        >>> engine = create_engine_for("sqlite:///journal.db")  # doctest: +SKIP
        >>> journal = JournalRepository(make_session_factory(engine))  # doctest: +SKIP
    """


def open_journal(url: str, clock: Clock = system_clock,
                 bot_id: str = DEFAULT_BOT_ID) -> JournalRepository:
    """Upgrade the database at ``url`` to the newest schema, then open bot ``bot_id``'s
    repository on it.

    What the bot does at every start (and ``bot journal`` before reading), so nobody ever
    works against an old schema.
    """
    from bot.journal.db import create_engine_for, make_session_factory
    from bot.journal.migrate import upgrade_to_head

    upgrade_to_head(url)
    return JournalRepository(make_session_factory(create_engine_for(url)), clock, bot_id)
