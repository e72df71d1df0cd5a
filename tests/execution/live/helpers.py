"""Builders for live-venue tests: a still simulator, gateways, journals, sized orders."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app.live import LiveJournal, open_live_journal
from bot.app.trade_log import TradeLog, client_order_id
from bot.domain import ClosedPosition, EntryIntent, OrderSide, PositionSide, SizedOrder, to_epoch_ms
from bot.exchange import BinanceGateway, ExchangeConfig, LookupPolicy, RetryPolicy, build_gateway
from bot.execution.live.lookup import LookupWindow
from bot.execution.live.reconcile.reconciler import ReconcilePolicy
from bot.execution.live.venue import CrashPoint, LiveConfig, LiveExecution, no_crash
from bot.journal import OrderPurpose, TradeMode
from bot.sim import MarketConfig, SimExchange

SYMBOL = "BTCUSDT"
PRICE = 90_000.0
# An order missing on the exchange is taken as never sent after 0.3 s (15 s in production).
FAST_LOOKUP = LookupWindow(delay_seconds=0.05, settle_seconds=0.3)


def utc_now() -> datetime:
    return datetime.now(UTC)


def still_market() -> MarketConfig:
    """A market whose prices only move when a test moves them."""
    return MarketConfig(volatility_scale=0.0, jumps_per_hour=0.0)


def start_sim(**kwargs: object) -> SimExchange:
    sim = SimExchange(clock=utc_now, rng=random.Random(5), market=still_market(),
                      **kwargs)  # type: ignore[arg-type]
    sim.start()
    return sim


def make_gateway(sim: SimExchange, sleep: Callable[[float], None] = lambda _s: None,
                 *, lookups: int = 4, timeout: float = 5.0) -> BinanceGateway:
    described = sim.describe()
    config = ExchangeConfig(rest_url=str(described["rest_url"]),
                            api_key=str(described["api_key"]),
                            api_secret=str(described["api_secret"]), timeout_seconds=timeout,
                            enable_rate_limit=False)  # ccxt's throttle only slows tests
    return build_gateway(config, utc_now, sleep=sleep, rng=random.Random(2),
                         retry=RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05),
                         lookup=LookupPolicy(attempts=lookups, delay_seconds=0.02))


def make_journal(path: Path) -> LiveJournal:
    return open_live_journal(f"sqlite:///{path}", utc_now)


def make_venue(gateway: BinanceGateway, journal: LiveJournal, *,
               crash_point: CrashPoint = no_crash, poll: float = 0.0,
               limit_timeout: float | None = None) -> LiveExecution:
    """A started venue; ``limit_timeout`` set: limit entries waiting that long."""
    limit = {} if limit_timeout is None else {
        "entry_order": "limit", "limit_timeout_seconds": limit_timeout,
        "limit_poll_seconds": 0.05}
    venue = LiveExecution(gateway, journal, utc_now,
                          LiveConfig(symbols=(SYMBOL,), leverage=5,
                                     poll_interval_seconds=poll, balance_ttl_seconds=0.0,
                                     settle_seconds=FAST_LOOKUP.settle_seconds,
                                     **limit),  # type: ignore[arg-type]
                          crash_point)
    venue.start()
    return venue


def sized(side: PositionSide = PositionSide.LONG, quantity: float = 0.01,
          price: float = PRICE, at: datetime | None = None) -> SizedOrder:
    sign = side.sign
    intent = EntryIntent(symbol=SYMBOL, side=side, reference_price=price,
                         stop_price=round(price * (1 - sign * 0.03), 1),
                         take_profit_price=round(price * (1 + sign * 0.05), 1), strength=0.9,
                         cluster=None, created_at=at or utc_now())
    return SizedOrder(intent=intent, quantity=quantity, notional=quantity * price, leverage=5)


def entry_id(order: SizedOrder) -> str:
    return client_order_id(TradeMode.LIVE, OrderPurpose.ENTRY, order.intent.symbol,
                           to_epoch_ms(order.intent.created_at))


def move_price(sim: SimExchange, price: float, symbol: str = SYMBOL) -> None:
    """Set the mark and let the simulated account react at once."""
    sim.market.set_price(symbol, price)
    sim.rest.on_mark_prices()


def fast_policy(*, adopt: bool = False) -> ReconcilePolicy:
    """Reconciliation of ``SYMBOL`` with a short settling window."""
    return ReconcilePolicy(symbols=(SYMBOL,), adopt_unknown=adopt, lookup=FAST_LOOKUP)


def journaled_entry(venue: LiveExecution, journal: LiveJournal,
                    order: SizedOrder | None = None) -> tuple[TradeLog, SizedOrder, str]:
    """An entry sent and journaled the way the trading loop does it (its trade log)."""
    log = TradeLog(journal, TradeMode.LIVE, utc_now)
    order = order or sized()
    cid = entry_id(order)
    row = log.entry_requested(order.intent, order.quantity, cid)
    log.entry_filled(order.intent, row, venue.open_position(order, cid))
    return log, order, cid


def opened(gateway: BinanceGateway, journal: LiveJournal,
           **venue_options: Any) -> tuple[LiveExecution, SizedOrder, str]:
    """A started venue holding one protected long (0.01 at the price)."""
    venue = make_venue(gateway, journal, **venue_options)
    order = sized()
    cid = entry_id(order)
    venue.open_position(order, cid)
    return venue, order, cid


def by_hand(gateway: BinanceGateway, side: OrderSide, quantity: float, name: str, *,
            reduce_only: bool = False) -> None:
    """A market order sent outside the bot (a person at the exchange's website)."""
    gateway.create_market_order(SYMBOL, side, quantity, name, reduce_only=reduce_only,
                                reference_price=PRICE)


def journal_exits(venue: LiveExecution, log: TradeLog, mark: float) -> list[ClosedPosition]:
    """A mark reaches the venue; the closures it reports are journaled as the loop does."""
    closures = venue.on_mark_price(SYMBOL, mark, utc_now())
    for closed in closures:
        log.exit_filled(closed)
    return closures
