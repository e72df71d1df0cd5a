"""The composition root: builds every object from settings and wires them; nothing else does.

``build_bot`` returns a ready ``BotRunner`` (heatmap streaming, mark-price feed, strategy,
risk engine, execution venue, journal) plus what must be closed afterwards. ``--sim`` starts
the built-in simulated exchange in-process and points both the stream and ccxt at it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.app.runner import BotRunner, JobIntervals
from bot.app.trade_log import TradeLog
from bot.app.trading_loop import LoopSettings, MarkPriceSource, TradingLoop
from bot.clock import Clock, utc_now
from bot.domain import Position
from bot.execution import ExecutionVenue, PaperConfig, PaperExecution
from bot.heatmap import LiveLiquidationHeatmap
from bot.journal import (
    JournalRepository,
    TradeMode,
    TradeRecord,
    TradeStatus,
    open_journal,
)
from bot.risk import (
    CachedRiskStateStore,
    CallableRiskStateStore,
    RiskEngine,
    RiskLimits,
    ScopedRiskStateStore,
)
from bot.settings import Settings, validate_for_live
from bot.sim import MarketConfig, SimExchange
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
        api_key=None if key is None else key.get_secret_value(),
        api_secret=None if secret is None else secret.get_secret_value(),
    )
    sim.start()
    return sim


def with_simulator_urls(settings: Settings, sim: SimExchange) -> Settings:
    """Settings pointing the stream and ccxt at ``sim``."""
    described = sim.describe()
    exchange = settings.exchange.model_copy(update={
        "ws_url": str(described["ws_url"]),
        "rest_url": str(described["rest_url"]) if "rest_url" in described else None,
    })
    return settings.model_copy(update={"exchange": exchange})


def build_heatmap(settings: Settings, clock: Clock) -> LiveLiquidationHeatmap:
    """The heatmap from ``heatmap.*`` and ``exchange.ws_url``."""
    h = settings.heatmap
    return LiveLiquidationHeatmap(
        cluster_window_pct=h.cluster_window_pct, min_cluster_size=h.min_cluster_size,
        time_decay_minutes=h.time_decay_minutes, update_interval=h.update_interval,
        buffer_size=h.buffer_size, ws_base_url=settings.exchange.ws_url,
        silence_timeout=h.silence_timeout, clock=clock,
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
    )


def build_risk(settings: Settings, journal: JournalRepository, clock: Clock) -> RiskEngine:
    """The risk engine; its durable state lives in the journal's ``bot_state`` table, kept
    apart per trading mode (paper and live may share one journal file)."""
    limits = RiskLimits(**settings.risk.model_dump())
    shared = CallableRiskStateStore(journal.get_state, journal.set_state)
    store = CachedRiskStateStore(ScopedRiskStateStore(shared, settings.run.mode))
    return RiskEngine(limits, store, clock)


def build_paper_venue(settings: Settings, journal: JournalRepository,
                      clock: Clock) -> PaperExecution:
    """The paper venue, resumed from the journal's paper trades (balance and open positions)."""
    p = settings.paper
    venue = PaperExecution(PaperConfig(
        starting_balance=p.starting_balance, taker_fee_rate=p.taker_fee_rate,
        slippage_bps=p.slippage_bps, funding=p.funding,
        max_mark_age_seconds=p.max_mark_age_seconds,
    ), clock)
    trades = journal.list_trades(mode=TradeMode.PAPER)
    if trades:
        balance, positions = paper_account_from(trades, p.starting_balance)
        venue.restore(balance, positions, settings.risk.max_leverage)
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


def build_bot(settings: Settings, *, use_sim: bool, clock: Clock = utc_now) -> BotRunner:
    """Everything ``bot run`` needs, wired; the runner's stop closes it all."""
    resources = Resources()
    try:
        if use_sim:
            sim = start_simulator(settings, clock)
            resources.add(sim.stop)
            settings = with_simulator_urls(settings, sim)
        mode = TradeMode(settings.run.mode)
        from bot.exchange import RequestGate

        # One brake for every request of this bot: Binance limits and bans per IP.
        gate = RequestGate(clock)
        venue: ExecutionVenue
        if mode is TradeMode.LIVE:
            validate_for_live(settings)
            # Imported here: paper mode must never load ccxt's order path.
            from bot.app.live import build_live_venue, open_live_journal

            journal: JournalRepository = open_live_journal(settings.journal.url, clock)
            venue = build_live_venue(settings, journal, clock, resources.add, gate=gate)
        else:
            journal = open_journal(settings.journal.url, clock)
            venue = build_paper_venue(settings, journal, clock)
        heatmap = build_heatmap(settings, clock)
        prices = build_mark_prices(settings, clock, resources, gate)
        heatmap.start_stream(settings.run.symbols)
        resources.add(heatmap.stop_stream)
        loop = TradingLoop(
            symbols=settings.run.symbols, heatmap=heatmap, prices=prices,
            strategy=build_strategy(settings), risk=build_risk(settings, journal, clock),
            venue=venue,
            trade_log=TradeLog(journal, mode, clock), clock=clock,
            exchange_blocked=gate.blocked_reason,
            settings=LoopSettings(
                min_signal_strength=settings.strategy.min_signal_strength,
                max_price_age_seconds=settings.risk.max_price_age_seconds,
            ),
        )
    except BaseException:
        resources.close()
        raise
    s = settings.scheduler
    intervals = JobIntervals(
        mark_prices=s.mark_price_interval, signals=s.signal_interval,
        supervision=s.supervision_interval, equity=s.equity_interval, health=s.health_interval,
    )
    return BotRunner(loop, intervals, close_positions_on_stop=settings.run.close_positions_on_stop,
                     on_stop=resources.close)
