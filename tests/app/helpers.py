"""Builders for trading-loop tests: a hand-moved clock, scripted prices, a wired loop."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.journal_writes import DeferredWrites, ResilientStateStore
from bot.app.trade_log import TradeLog
from bot.app.trading_loop import EntryRunner, LoopSettings, TradingLoop, run_inline
from bot.domain import Liquidation, LiquidationCluster, MarkPrice
from bot.execution import ExecutionVenue, PaperConfig, PaperExecution
from bot.heatmap import LiveLiquidationHeatmap
from bot.journal import (
    DEFAULT_BOT_ID,
    JournalRepository,
    TradeMode,
    create_engine_for,
    make_session_factory,
    upgrade_to_head,
)
from bot.risk import CallableRiskStateStore, RiskEngine, RiskLimits, RiskStateStore
from strategies.liquidation_hunter import LiquidationHunter

SYMBOL = "XYZUSDT"


class ManualClock:
    """A clock the test moves by hand, starting now (wall time, so stream health reads it)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move forward."""
        self.now += timedelta(seconds=seconds)


class ScriptedPrices:
    """Mark prices the test sets; ``poll`` stamps them with the clock's time."""

    def __init__(self, clock: ManualClock) -> None:
        self._clock = clock
        self._prices: dict[str, float] = {}
        self._frozen: dict[str, datetime] = {}
        self.polls = 0
        self.stamp: datetime | None = None  # set: every price carries this exchange time

    def freeze(self, symbol: str) -> None:
        """From now on ``symbol``'s price keeps the time it has now (it goes stale)."""
        self._frozen[symbol] = self._clock()

    def set(self, symbol: str, price: float) -> None:
        """Set the next mark price of ``symbol``."""
        self._prices[symbol] = price

    def poll(self) -> Mapping[str, MarkPrice]:
        """The scripted prices, as of now."""
        self.polls += 1
        now = self.stamp or self._clock()
        return {s: MarkPrice(s, p, self._frozen.get(s, now)) for s, p in self._prices.items()}


@dataclass
class Rig:
    """Everything a loop test touches."""

    clock: ManualClock
    prices: ScriptedPrices
    heatmap: LiveLiquidationHeatmap
    venue: PaperExecution
    risk: RiskEngine
    journal: JournalRepository
    loop: TradingLoop

    def keep_stream_alive(self) -> None:
        """Feed one mark-price frame, as the live stream does every second."""
        frame = {"e": "markPriceUpdate", "E": 1, "s": SYMBOL, "p": "100"}
        self.heatmap.handle_frame(json.dumps(frame))
        self.heatmap.refresh()

    def tick(self, price: float) -> None:
        """One round: price, health, signals, supervision."""
        self.prices.set(SYMBOL, price)
        self.keep_stream_alive()
        self.loop.on_prices()
        self.loop.check_health()
        self.loop.run_signals()
        self.loop.supervise()


def short_cluster_above(heatmap: LiveLiquidationHeatmap, now: datetime, level: float) -> None:
    """Twelve fresh, large short liquidations around ``level`` (a long target)."""
    for i in range(12):
        heatmap.add_liquidation(Liquidation(
            symbol=SYMBOL, side="short", price=level * (1 + (i - 6) * 0.0005),
            quantity=50.0, timestamp=now - timedelta(seconds=i),
        ))


def build_rig(tmp_path: Path, *, limits: RiskLimits | None = None,
              hunter: LiquidationHunter | None = None, deferred: bool = False,
              symbols: tuple[str, ...] = (SYMBOL,),
              exchange_blocked: Callable[[], str | None] | None = None,
              projected: Callable[[str], Sequence[LiquidationCluster]] | None = None,
              url: str | None = None, bot_id: str = DEFAULT_BOT_ID,
              wrap_venue: Callable[[PaperExecution], ExecutionVenue] | None = None,
              run_entry: EntryRunner = run_inline,
              paper: PaperConfig | None = None) -> Rig:
    """A loop over a real heatmap, paper venue, risk engine and migrated journal (a SQLite
    file in ``tmp_path`` unless ``url`` names another database), as bot ``bot_id``.

    ``deferred``: journal writes go through ``DeferredWrites`` as in the running bot (backoff
    timed by the rig's clock). ``wrap_venue`` puts a test's venue around the paper one (the
    loop talks to the wrapper); ``run_entry`` sends the loop's entries. ``paper``: the paper
    venue's config; with ``funding`` on, the loop books settlements through the venue, as
    the running bot does.
    """
    clock = ManualClock()
    url = url or f"sqlite:///{tmp_path / 'journal.db'}"
    upgrade_to_head(url)
    journal = JournalRepository(make_session_factory(create_engine_for(url)), clock, bot_id)
    heatmap = LiveLiquidationHeatmap(clock=clock, min_cluster_size=5)
    prices = ScriptedPrices(clock)
    paper = paper or PaperConfig()
    venue = PaperExecution(paper, clock)
    writes = DeferredWrites(url, lambda: clock().timestamp()) if deferred else None
    store: RiskStateStore = (ResilientStateStore(journal, writes) if writes is not None
             else CallableRiskStateStore(journal.get_state, journal.set_state))
    risk = RiskEngine(limits or RiskLimits(), store, clock)
    strategy = hunter or LiquidationHunter(target_buffer_pct=0.2, exit_near_cluster_pct=0.5)
    loop = TradingLoop(
        symbols=list(symbols), heatmap=heatmap, prices=prices, strategy=strategy, risk=risk,
        venue=venue if wrap_venue is None else wrap_venue(venue),
        trade_log=TradeLog(journal, TradeMode.PAPER, clock, writes), clock=clock,
        settings=LoopSettings(), exchange_blocked=exchange_blocked, projected=projected,
        run_entry=run_entry, funding=venue.apply_funding if paper.funding else None,
    )
    return Rig(clock, prices, heatmap, venue, risk, journal, loop)
