"""The composition root: builds every object from settings and wires them; nothing else does.

``build_bot`` returns a ready ``BotRunner`` (heatmap streaming, mark-price feed, strategy,
risk engine, execution venue, journal) plus what must be closed afterwards. ``--sim`` starts
the built-in simulated exchange in-process and points both the stream and ccxt at it.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.app.decisions import EntryThreads, EventDecisions
from bot.app.journal_writes import DeferredWrites, ResilientStateStore
from bot.app.market_session import paper_session
from bot.app.notifications import build_notifier
from bot.app.run_lock import ApiKeyLock, RunLock, lock_directory
from bot.app.runner import BotRunner, JobIntervals
from bot.app.trade_log import TradeLog
from bot.app.trading_loop import LoopSettings, MarkPriceSource, TradingLoop
from bot.clock import Clock, utc_now
from bot.domain import Position
from bot.errors import BotError, ConfigError
from bot.execution import ExecutionVenue, PaperConfig, PaperExecution
from bot.execution.lots import LotRules
from bot.heatmap import LiveLiquidationHeatmap
from bot.heatmap.projected import IntervalSource
from bot.heatmap.projection import (
    DEFAULT_BRACKETS,
    BracketTable,
    LeverageMix,
    ProjectionModel,
)
from bot.journal import (
    DEFAULT_BOT_ID,
    JournalRepository,
    TradeMode,
    TradeRecord,
    TradeStatus,
    open_journal,
)
from bot.logs import redact_also
from bot.risk import (
    CachedRiskStateStore,
    CallableRiskStateStore,
    RiskEngine,
    RiskLimits,
    ScopedRiskStateStore,
)
from bot.settings import Settings, validate_for_live
from bot.settings.models import mask_url_password
from bot.sim import MarketConfig, SimExchange
from bot.symbols import unlisted_symbols
from strategies.liquidation_hunter import LiquidationHunter

if TYPE_CHECKING:  # bot.exchange loads ccxt: imported where it is used
    from bot.exchange import RequestGate

log = logging.getLogger(__name__)





@dataclass
class Resources:
    """Things to close when the bot stops, in reverse order of opening."""

    closers: list[Callable[[], None]] = field(default_factory=list)

    def add(self, closer: Callable[[], None]) -> None:
        """Register a closer."""
        self.closers.append(closer)

    def close(self) -> None:
        """Run every closer, newest first; one failing does not stop the others."""
        while self.closers:
            closer = self.closers.pop()
            try:
                closer()
            except Exception:  # closing must go on; the failure is logged, not hidden
                log.exception("error while shutting down")


def start_simulator(settings: Settings, clock: Clock) -> SimExchange:
    """Start the built-in simulated exchange (both halves) on 127.0.0.1.

    It accepts the configured API keys when there are any, so ``--live --sim`` rehearses
    the live path with the same credentials; otherwise it draws its own.
    """
    key, secret = settings.exchange.api_key, settings.exchange.api_secret
    market = MarketConfig(time_acceleration=settings.sim.time_acceleration,
                          volatility_scale=settings.sim.volatility)
    sim = SimExchange(
        clock=clock, rng=random.Random(settings.sim.seed),  # noqa: S311 - a seeded market
        market=market,
        # The other configured venues are simulated from the same market.
        venues=[name for name in settings.heatmap.sources if name != "binance"],
        api_key=None if key is None else key.get_secret_value(),
        api_secret=None if secret is None else secret.get_secret_value(),
    )
    sim.start()
    return sim


def with_simulator_urls(settings: Settings, sim: SimExchange) -> Settings:
    """Settings pointing the stream and ccxt at ``sim``, with its credentials.

    In live mode without configured keys the simulator's own are used (``--live --sim``
    needs none; paper mode keeps holding none). Either way they join the log redaction.
    """
    described = sim.describe()
    key, secret = str(described["api_key"]), str(described["api_secret"])
    redact_also([key, secret])
    update: dict[str, object] = {
        "ws_url": str(described["ws_url"]),
        "rest_url": str(described["rest_url"]) if "rest_url" in described else None,
    }
    if settings.run.mode == "live":
        update["api_key"] = settings.exchange.api_key or SecretStr(key)
        update["api_secret"] = settings.exchange.api_secret or SecretStr(secret)
    exchange = settings.exchange.model_copy(update=update)
    venue_keys = ("bybit_ws_url", "okx_ws_url", "okx_rest_url")
    venue_urls: dict[str, object] = {k: str(described[k]) for k in venue_keys if k in described}
    heatmap = settings.heatmap.model_copy(update=venue_urls)
    return settings.model_copy(update={"exchange": exchange, "heatmap": heatmap})


def projection_wanted(settings: Settings) -> bool:
    """Whether the heatmap keeps projected levels: ``heatmap.projected``, or a
    ``strategy.cluster_source`` that trades them."""
    return settings.heatmap.projected or settings.strategy.cluster_source != "realized"


def build_heatmap(settings: Settings, clock: Clock, gate: RequestGate | None = None, *,
                  projection_source: IntervalSource | None = None,
                  brackets: Mapping[str, BracketTable] = DEFAULT_BRACKETS,
                  ) -> LiveLiquidationHeatmap:
    """The heatmap from ``heatmap.*`` (its venues and their URLs), ``exchange.ws_url`` and,
    for the projected levels (``projection_wanted``), ``exchange.rest_url`` behind the bot's
    request ``gate`` (or ``projection_source``: a backtest's recorded data), liquidation
    prices by ``brackets`` (the shipped defaults unless the exchange's were read)."""
    h = settings.heatmap
    projected = projection_wanted(settings)
    return LiveLiquidationHeatmap(
        cluster_window_pct=h.cluster_window_pct, min_cluster_size=h.min_cluster_size,
        time_decay_minutes=h.time_decay_minutes, update_interval=h.update_interval,
        buffer_size=h.buffer_size, ws_base_url=settings.exchange.ws_url,
        silence_timeout=h.silence_timeout, max_symbols=h.max_symbols, clock=clock,
        sources=h.sources, bybit_ws_url=h.bybit_ws_url, okx_ws_url=h.okx_ws_url,
        okx_rest_url=h.okx_rest_url,
        projected=projected, rest_base_url=settings.exchange.rest_url,
        projection_interval=h.projection_interval,
        projection_lookback_hours=h.projection_lookback_hours,
        projection_model=ProjectionModel(mix=LeverageMix(
            tuple(h.projection_leverages), tuple(h.projection_weights)),
            brackets=brackets) if projected else None,
        gate=gate, projection_source=projection_source,
    )


def build_strategy(settings: Settings) -> LiquidationHunter:
    """The hunter from ``strategy.*`` (its data comes from the runner, not its own heatmap)."""
    s = settings.strategy
    return LiquidationHunter(
        min_strength=s.min_strength, max_distance_pct=s.max_distance_pct,
        optimal_distance_pct=s.optimal_distance_pct, strength_weight=s.strength_weight,
        distance_weight=s.distance_weight, stop_loss_pct=s.stop_loss_pct,
        take_profit_pct=s.take_profit_pct, target_buffer_pct=s.target_buffer_pct,
        exit_near_cluster_pct=s.exit_near_cluster_pct, min_reward_pct=s.min_reward_pct,
        min_reward_risk=s.min_reward_risk, cluster_source=s.cluster_source,
    )


def build_risk(settings: Settings, journal: JournalRepository, clock: Clock,
               writes: DeferredWrites | None = None) -> RiskEngine:
    """The risk engine; its durable state lives in the journal's ``bot_state`` table, kept
    apart per bot and trading mode (paper and live may share one journal file, a fleet of
    bots one database).

    With ``writes`` (the running bot), the state is kept in memory and written later while
    the journal fails, instead of failing the job.
    """
    limits = RiskLimits(**settings.risk.model_dump())
    shared = (CallableRiskStateStore(journal.get_state, journal.set_state) if writes is None
              else ResilientStateStore(journal, writes))
    store = CachedRiskStateStore(ScopedRiskStateStore(shared, settings.run.mode,
                                                      settings.run.bot_id))
    return RiskEngine(limits, store, clock)


def paper_config_from(settings: Settings) -> PaperConfig:
    """The paper venue's settings from ``paper.*``; its leverage is the account leverage the
    live venue would set (``risk.max_leverage`` rounded up)."""
    p = settings.paper
    return PaperConfig(
        starting_balance=p.starting_balance, taker_fee_rate=p.taker_fee_rate,
        slippage_bps=p.slippage_bps, funding=p.funding,
        max_mark_age_seconds=p.max_mark_age_seconds,
        leverage=RiskLimits(**settings.risk.model_dump()).account_leverage,
    )


def build_paper_venue(settings: Settings, journal: JournalRepository, clock: Clock,
                      market: str = "exchange",
                      rules: Mapping[str, LotRules] | None = None) -> PaperExecution:
    """The paper venue, resumed from the journal's paper trades (balance and open positions)
    when they traded this same ``market`` (see ``bot.app.market_session``), else fresh.

    ``rules`` are the traded symbols' lot and tick rules from the exchange's markets."""
    p = settings.paper
    venue = PaperExecution(paper_config_from(settings), clock, rules)
    session = paper_session(journal, journal.list_trades(mode=TradeMode.PAPER), market, clock)
    if session.trades:
        balance, positions = paper_account_from(session.trades, p.starting_balance)
        venue.restore(balance, positions)
        log.info("paper account resumed (%s): balance %.2f USDT, %d open position(s)",
                 market, balance, len(positions))
    elif session.resumed:
        log.info("paper account: new, %.2f USDT (%s)", p.starting_balance, market)
    return venue


def paper_account_from(trades: Sequence[TradeRecord],
                       starting_balance: float) -> tuple[float, list[Position]]:
    """Balance and open positions a paper account has after ``trades`` (journal rows)."""
    balance = starting_balance
    open_positions = []
    for trade in trades:
        if trade.status == TradeStatus.CLOSED and trade.pnl is not None:
            balance += trade.pnl
        elif trade.status == TradeStatus.OPEN:
            balance -= trade.fees  # the entry fee is paid; the rest settles at the exit
            open_positions.append(Position(
                symbol=trade.symbol, side=trade.side, quantity=trade.quantity,
                entry_price=trade.entry_price, stop_price=trade.stop_price or 0.0,
                take_profit_price=trade.take_profit_price or 0.0,
                opened_at=trade.entry_time, client_order_id=trade.client_order_id or "",
                entry_fee=trade.fees, target_cluster_price=trade.target_cluster_price,
            ))
    return balance, open_positions


def build_mark_prices(settings: Settings, clock: Clock, resources: Resources,
                      gate: RequestGate) -> MarkPriceSource:
    """The ccxt mark-price feed (public endpoint: paper mode holds no keys), obeying the
    bot's one request ``gate``."""
    from bot.exchange import build_mark_price_feed

    return build_mark_price_feed(
        settings.exchange, clock, resources.add, with_keys=False,
        max_age_seconds=settings.risk.max_price_age_seconds, gate=gate,
    )


QUOTE_VOLUME_REFRESH_SECONDS = 300.0
"""How often the heatmap's 24 h quote volumes (strength's absolute scale) are refreshed."""


def quote_volume_job(settings: Settings, clock: Clock, resources: Resources,
                     gate: RequestGate, heatmap: LiveLiquidationHeatmap,
                     ) -> tuple[str, Callable[[], None], float]:
    """The scheduler job feeding ccxt ``fetch_tickers`` quote volumes to the heatmap."""
    from bot.exchange import build_quote_volume_source

    fetch = build_quote_volume_source(settings.exchange, clock, resources.add, gate=gate)

    def refresh() -> None:
        try:
            heatmap.set_quote_volumes(fetch())
        except BotError as exc:
            # The stand-in scale stays (bot.heatmap.clustering); the next run tries again.
            log.warning("24 h quote volumes not refreshed (%s); retrying in %.0f s", exc,
                        QUOTE_VOLUME_REFRESH_SECONDS)

    return ("quote_volumes", refresh, QUOTE_VOLUME_REFRESH_SECONDS)


def check_web_bind(settings: Settings) -> None:
    """Refuse a non-loopback dashboard without ``web.token`` (before anything starts)."""
    from bot.web import check_bind

    token = settings.web.token
    check_bind(settings.web.host, None if token is None else token.get_secret_value())


def start_web(settings: Settings, loop: TradingLoop, heatmap: LiveLiquidationHeatmap,
              journal: JournalRepository, resources: Resources) -> None:
    """Serve the dashboard over the loop's own views; control goes through the loop."""
    from bot.web import LiveViews, WebOptions, WebServer, build_app
    from bot.web.metrics import JournalCounters

    web = settings.web
    token = None if web.token is None else web.token.get_secret_value()
    mode = TradeMode(settings.run.mode)
    projected = getattr(heatmap, "get_projected_levels", None)
    views = LiveViews(status=loop.status, heatmap=heatmap, symbols=settings.run.symbols,
                      journal=journal, mode=mode, kill_switch=loop.kill_switch_on,
                      projected=projected)
    app = build_app(views, loop, WebOptions(
        token=token, control_rate_per_minute=web.control_rate_per_minute,
        events_interval=min(1.0, settings.heatmap.update_interval),
    ), counters=JournalCounters(journal, mode))
    server = WebServer(app, web.host, web.port)
    try:
        server.start()
    except OSError as exc:
        raise ConfigError(f"web.port: cannot listen on {web.host}:{web.port}: "
                          f"{exc.strerror or exc}") from None
    resources.add(server.stop)


def refuse_unlisted_symbols(settings: Settings, clock: Clock, venue_name: str,
                            gate: RequestGate | None = None) -> dict[str, LotRules]:
    """Stop the start when ``run.symbols`` holds a symbol the exchange does not list.

    A symbol nobody lists would stream nothing for ever; the message names each one with the
    closest listed ids (``BTCUSD`` → ``BTCUSDT``).

    Returns:
        The lot and tick rules of every symbol of ``run.symbols`` (Binance id → rules), from
        the same markets (the paper venue fills as the exchange would).

    Raises:
        ConfigError: naming ``run.symbols``, the unlisted symbols and their closest matches.
    """
    from bot.exchange import build_gateway, config_from_settings

    gateway = build_gateway(config_from_settings(settings.exchange, with_keys=False), clock,
                            gate=gate)
    try:
        listed = gateway.catalog.symbols()
        unknown = unlisted_symbols(settings.run.symbols, listed)
        if unknown:
            names = "; ".join(
                f"{symbol} (closest: {', '.join(close)})" if close else f"{symbol} (nothing close)"
                for symbol, close in unknown)
            raise ConfigError(f"run.symbols: not listed by {venue_name}: {names}")
        rules = {}
        for symbol in settings.run.symbols:
            market = gateway.catalog.rules(symbol)
            rules[market.symbol] = LotRules(
                step_size=market.step_size, tick_size=market.tick_size,
                min_quantity=market.min_quantity, max_market_quantity=market.max_market_quantity,
                min_notional=market.min_notional)
        return rules
    finally:
        gateway.close()


def take_key_lock(settings: Settings, clock: Clock, resources: Resources) -> None:
    """One live bot per API key on this machine (``ApiKeyLock``), released at stop."""
    key = settings.exchange.api_key
    if key is not None:
        lock = ApiKeyLock(key.get_secret_value(), lock_directory(), clock)
        lock.acquire()
        resources.add(lock.release)


def build_bot(settings: Settings, *, use_sim: bool, clock: Clock = utc_now) -> BotRunner:
    """Everything ``bot run`` needs, wired; the runner's stop closes it all."""
    if settings.web.enabled:
        check_web_bind(settings)
    resources = Resources()
    try:
        mode = TradeMode(settings.run.mode)
        journal: JournalRepository
        # The journal first: a broken one is refused before anything starts or connects.
        if mode is TradeMode.LIVE:
            # Imported here: paper mode must never load ccxt's order path.
            from bot.app.live import build_live_venue, open_live_journal

            journal = open_live_journal(settings.journal.url, clock, settings.run.bot_id)
        else:
            journal = open_journal(settings.journal.url, clock, settings.run.bot_id)
        # Before any trading state is read: a second bot with this id on this journal stops
        # here (the lock row is the bot's own: other bot ids on the database run beside it).
        where = mask_url_password(settings.journal.url)
        if settings.run.bot_id != DEFAULT_BOT_ID:
            where += f" (bot id {settings.run.bot_id})"
        lock = RunLock(journal, clock, where=where)
        lock.acquire()
        resources.add(lock.release)
        notifier = build_notifier(settings, resources.add)
        if use_sim:
            sim = start_simulator(settings, clock)
            resources.add(sim.stop)
            settings = with_simulator_urls(settings, sim)
        if mode is TradeMode.LIVE:
            validate_for_live(settings)  # missing keys are named before anything is asked
        from bot.exchange import RequestGate

        # One brake for every request of this bot: Binance limits and bans per IP.
        gate = RequestGate(clock)
        rules = refuse_unlisted_symbols(settings, clock,
                                        "the simulator" if use_sim else "the exchange", gate)
        venue: ExecutionVenue
        if mode is TradeMode.LIVE:
            take_key_lock(settings, clock, resources)
            venue = build_live_venue(
                settings, journal, clock, resources.add, gate=gate,
                on_halt=lambda why: notifier.notify("halt", clock(), {"detail": why}))
        else:
            market = (f"sim:{uuid.uuid4().hex[:12]}" if use_sim
                      else f"exchange:{settings.exchange.rest_url or 'binance'}")
            venue = build_paper_venue(settings, journal, clock, market, rules)
        brackets: Mapping[str, BracketTable] = DEFAULT_BRACKETS
        if mode is TradeMode.LIVE and projection_wanted(settings):
            # Keys are set only in live mode (paper never hands them to ccxt).
            from bot.app.live import live_projection_brackets

            brackets = live_projection_brackets(settings, clock, resources.add, gate)
        heatmap = build_heatmap(settings, clock, gate, brackets=brackets)
        prices = build_mark_prices(settings, clock, resources, gate)
        heatmap.start_stream(settings.run.symbols)
        resources.add(heatmap.stop_stream)
        volumes = quote_volume_job(settings, clock, resources, gate, heatmap)
        writes = DeferredWrites(settings.journal.url)
        # Entries are sent on workers, decisions made on each symbol's news (the module doc
        # of bot.app.decisions); closed in reverse: decisions, then the entries under way.
        entries = EntryThreads()
        resources.add(entries.stop)
        loop = TradingLoop(
            symbols=settings.run.symbols, heatmap=heatmap, prices=prices,
            strategy=build_strategy(settings), risk=build_risk(settings, journal, clock, writes),
            venue=venue,
            trade_log=TradeLog(journal, mode, clock, writes, notifier), clock=clock,
            exchange_blocked=gate.blocked_reason,
            projected=(heatmap.get_projected_levels
                       if settings.strategy.cluster_source != "realized" else None),
            settings=LoopSettings(
                min_signal_strength=settings.strategy.min_signal_strength,
                max_price_age_seconds=settings.risk.max_price_age_seconds,
                max_stream_silence_seconds=settings.heatmap.max_stream_silence_seconds,
            ),
            run_entry=entries,
            funding=(venue.apply_funding if isinstance(venue, PaperExecution)
                     and settings.paper.funding else None),
        )
        decisions = EventDecisions(loop)
        heatmap.set_listener(decisions)
        decisions.start()
        resources.add(decisions.stop)
        if settings.web.enabled:
            start_web(settings, loop, heatmap, journal, resources)
    except BaseException:
        resources.close()
        raise
    s = settings.scheduler
    intervals = JobIntervals(
        mark_prices=s.mark_price_interval, signals=s.signal_interval,
        supervision=s.supervision_interval, equity=s.equity_interval, health=s.health_interval,
    )
    return BotRunner(loop, intervals, close_positions_on_stop=settings.run.close_positions_on_stop,
                     on_stop=resources.close, extra_jobs=[volumes])
