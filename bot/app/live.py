"""Assembling live trading: journal, gateway, reconciliation, venue, the summary screen.

Called by the composition root (``bot.app.bootstrap.build_bot``) for ``bot run --live`` and by
``bot reconcile``. Importing it loads ccxt (through ``bot.exchange``); paper mode never does.
"""

from __future__ import annotations

import logging
import random
import sys
from collections.abc import Callable, Mapping

from bot.clock import Clock
from bot.errors import BotError
from bot.exchange import BinanceGateway, RequestGate, build_gateway, config_from_settings
from bot.execution.live.journal import LiveJournal
from bot.execution.live.position_mode import require_one_way_mode
from bot.execution.live.reconcile.reconciler import ReconcilePolicy, Reconciler, ReconcileReport
from bot.execution.live.user_stream.client import StreamTiming, UserDataStream
from bot.execution.live.venue import CrashPoint, LiveConfig, LiveExecution, no_crash
from bot.heatmap.projection import DEFAULT_BRACKETS, BracketTable, brackets_from_exchange
from bot.journal import (
    DEFAULT_BOT_ID,
    JournalRepository,
    create_engine_for,
    make_session_factory,
    upgrade_to_head,
)
from bot.risk import RiskLimits
from bot.settings import Settings

log = logging.getLogger(__name__)

Writer = Callable[[str], None]


def open_live_journal(url: str, clock: Clock, bot_id: str = DEFAULT_BOT_ID) -> LiveJournal:
    """Upgrade the database at ``url`` to the newest schema and open bot ``bot_id``'s
    ``LiveJournal``."""
    upgrade_to_head(url)
    return LiveJournal(make_session_factory(create_engine_for(url)), clock, bot_id)


def live_config_from(settings: Settings) -> LiveConfig:
    """The venue's settings from ``live.*``; leverage = the account leverage of the risk
    limits (``risk.max_leverage`` rounded up: orders are sized at most at that leverage)."""
    live = settings.live
    return LiveConfig(symbols=tuple(settings.run.symbols),
                      leverage=RiskLimits(**settings.risk.model_dump()).account_leverage,
                      margin_mode=live.margin_mode, taker_fee_rate=live.taker_fee_rate,
                      poll_interval_seconds=live.poll_interval, entry_order=live.entry_order,
                      limit_offset_pct=live.limit_offset_pct,
                      limit_timeout_seconds=live.limit_timeout_seconds)


def reconcile_policy_from(settings: Settings) -> ReconcilePolicy:
    """Reconciliation's settings: unknown positions adopted or refused per
    ``live.adopt_unknown_positions``; adopted ones get the strategy's stop and target."""
    return ReconcilePolicy(symbols=tuple(settings.run.symbols),
                           adopt_unknown=settings.live.adopt_unknown_positions,
                           stop_loss_pct=settings.strategy.stop_loss_pct,
                           take_profit_pct=settings.strategy.take_profit_pct)


def build_live_gateway(settings: Settings, clock: Clock,
                       register_closer: Callable[[Callable[[], None]], None],
                       gate: RequestGate | None = None) -> BinanceGateway:
    """A gateway holding the API keys, obeying the bot's shared ``gate``; its session is
    closed with the bot."""
    gateway = build_gateway(config_from_settings(settings.exchange, with_keys=True), clock,
                            gate=gate)
    register_closer(gateway.close)
    return gateway


def live_projection_brackets(settings: Settings, clock: Clock,
                             register_closer: Callable[[Callable[[], None]], None],
                             gate: RequestGate | None = None) -> Mapping[str, BracketTable]:
    """The projection's bracket tables with keys set: the account's own, read once from
    ``GET /fapi/v1/leverageBracket``, over the shipped defaults (a symbol the answer lacks
    keeps its default). When the exchange cannot answer, the defaults, with a warning
    saying why: the projection is an estimate and the bot trades on without it."""
    gateway = build_live_gateway(settings, clock, register_closer, gate)
    try:
        fetched = brackets_from_exchange(gateway.fetch_leverage_brackets())
    except (BotError, ValueError) as e:
        log.warning("leverage brackets unavailable, the projection uses the shipped "
                    "default tables: %s", e)
        return DEFAULT_BRACKETS
    log.info("projection: leverage brackets of %d symbols read from the exchange",
             len(fetched))
    return {**DEFAULT_BRACKETS, **fetched}


def reconcile(gateway: BinanceGateway, journal: LiveJournal, clock: Clock,
              settings: Settings) -> ReconcileReport:
    """Run reconciliation once (raises ``ReconcileConflict`` when it cannot agree)."""
    return Reconciler(gateway, journal, clock, reconcile_policy_from(settings)).run()


def build_live_venue(settings: Settings, journal: JournalRepository, clock: Clock,
                     register_closer: Callable[[Callable[[], None]], None], *,
                     crash_point: CrashPoint = no_crash,
                     write: Writer | None = None,
                     gate: RequestGate | None = None,
                     on_halt: Callable[[str], None] | None = None) -> LiveExecution:
    """Reconcile, start and return the live venue; print the summary before any order.

    Args:
        settings: validated for live (keys present).
        journal: a ``LiveJournal`` (see its docstring).
        clock: aware UTC time.
        register_closer: receives the gateway's ``close``.
        crash_point: the venue's crash-point hook (tests); a no-op by default.
        write: where the summary goes (standard output by default).
        gate: the request brake shared with the bot's other gateways (429 / 418).
        on_halt: told why when an IP ban halts trading (the bot's notifications).

    Raises:
        HedgeModeRefused: the account is in hedge (dual-side) position mode.
        ReconcileConflict: the journal and the exchange disagree; the bot must not start.
        TypeError: ``journal`` is not a ``LiveJournal``.
    """
    if not isinstance(journal, LiveJournal):  # the composition root types it loosely
        raise TypeError("live trading needs a LiveJournal (see open_live_journal)")
    out = write if write is not None else _stdout
    gateway = build_live_gateway(settings, clock, register_closer, gate)
    require_one_way_mode(gateway)
    report = reconcile(gateway, journal, clock, settings)
    venue = LiveExecution(gateway, journal, clock, live_config_from(settings), crash_point,
                          on_halt=on_halt)
    venue.start()
    register_closer(venue.stop)  # after the stream's own stop (closers run in reverse)
    stream = UserDataStream(gateway, ws_root(settings.exchange.ws_url), venue.on_user_event,
                            venue.poll, StreamTiming(), random.Random())  # noqa: S311
    stream.start()
    register_closer(stream.stop)
    out(report.render())
    out(live_summary(settings, venue))
    return venue


def ws_root(ws_url: str) -> str:
    """The WebSocket root of the configured market-stream URL (``.../market`` dropped):
    the user-data stream lives beside it, under ``/private``."""
    root = ws_url.rstrip("/")
    return root[: -len("/market")] if root.endswith("/market") else root


def live_summary(settings: Settings, venue: LiveExecution) -> str:
    """The one-screen summary shown before the first live order."""
    r = settings.risk
    try:
        balance = f"{venue.balance():,.2f} USDT (free {venue.free_balance():,.2f})"
    except BotError as exc:
        balance = f"unavailable ({exc})"
    positions = ", ".join(f"{p.symbol} {p.side} {p.quantity:g}" for p in venue.positions())
    config = live_config_from(settings)
    lines = [
        "=" * 64,
        "LIVE TRADING: real orders will be sent",
        f"  exchange     {settings.exchange.rest_url or 'Binance USDⓈ-M (fapi.binance.com)'}",
        f"  symbols      {', '.join(settings.run.symbols)}",
        f"  leverage     {config.leverage}x, {config.margin_mode} margin, "
        f"{config.entry_order} entries",
        f"  per trade    risk {r.risk_per_trade_pct:g} % of equity, notional ≤ "
        f"{r.max_position_notional:g} USDT",
        f"  limits       exposure ≤ {r.max_total_exposure:g} USDT, ≤ {r.max_open_positions} "
        f"positions, daily loss ≤ {r.daily_loss_limit_pct:g} %",
        f"  exits        stop {settings.strategy.stop_loss_pct:g} %, take profit "
        f"{settings.strategy.take_profit_pct:g} % (on the exchange, mark price)",
        f"  balance      {balance}",
        f"  open         {positions or 'no positions'}",
        f"  kill switch  {'ON: no entries' if r.kill_switch else 'off'}",
        "=" * 64,
    ]
    return "\n".join(lines)


def _stdout(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
