"""The backtest: the bot's own parts (heatmap, strategy, risk, paper venue, trading loop) run
over recorded data on a simulated clock.

Time advances in steps of the scheduler's finest interval. At each step the heatmap first
receives the liquidations recorded up to that moment (never a later one: no look-ahead), then
the loop's jobs that are due run in a fixed order, at the intervals configured under
``scheduler.*``: mark prices (stops and targets trigger here, with ``paper.*`` fees and
slippage), heatmap refresh, health, supervision of open positions, signals, equity. Stream
health is judged by recorded data: a period without any recorded price (a recording gap)
pauses entries exactly as a silent socket would.

Margin is the exchange's: initial margin = notional ÷ the account leverage live would set
(``risk.max_leverage`` rounded up), so a backtest refuses exactly the entries the exchange
would. Stops and targets trigger on the recorded prices, the live venue's mark prices: what
``bot record`` stores is the mark-price stream itself; imported or downloaded candles are
trade-price klines, and their four-point path through each candle (``marketdata.candles``)
is the documented stand-in for the marks inside it.

Equity is sampled at the equity interval (journaled, as live) and, for the chart only, right
after every job in which a fill happened, so the curve steps where trades open and close.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np

from bot.app.bootstrap import build_heatmap, build_strategy, paper_config_from
from bot.app.trading_loop import LoopSettings, TradingLoop
from bot.backtest.trade_log import BacktestTradeLog
from bot.clock import ManualClock
from bot.domain import (
    Liquidation,
    LiquidationCluster,
    from_epoch_ms,
    to_epoch_ms,
)
from bot.execution import PaperExecution
from bot.execution.lots import LotRules
from bot.heatmap import HeatmapHealth, LiveLiquidationHeatmap
from bot.heatmap.projected import join_intervals
from bot.heatmap.projection import BarColumns
from bot.journal import JournalRepository
from bot.logs import stamped_by
from bot.marketdata.open_interest import OpenInterestSeries, OpenInterestStore, interval_bars
from bot.marketdata.prices import RecordedMarkPrices, typical_spacing_ms
from bot.marketdata.store import HistoryStore, LiquidationEvent, PriceSeries
from bot.risk import InMemoryRiskStateStore, RiskEngine, RiskLimits
from bot.settings import Settings
from bot.symbols import to_exchange_id

log = logging.getLogger(__name__)

_MS = 1000


@dataclass(frozen=True, slots=True)
class BacktestData:
    """Everything a backtest reads, loaded once: events (warm-up included) and prices."""

    symbols: tuple[str, ...]
    start_ms: int
    end_ms: int
    liquidations: Sequence[LiquidationEvent]
    prices: dict[str, PriceSeries]
    open_interest: dict[str, OpenInterestSeries] = field(default_factory=dict)


def load_data(store: HistoryStore, symbols: Sequence[str], start_ms: int | None,
              end_ms: int | None, warmup_ms: int) -> BacktestData:
    """Load the period's prices and liquidations (plus ``warmup_ms`` of earlier ones).

    The period defaults to the span of the symbols' recorded mark prices.

    Raises:
        ValueError: no recorded prices for the symbols in the period.
    """
    ids = tuple(dict.fromkeys(to_exchange_id(s) for s in symbols))
    span = store.price_range(ids)
    if span is None:
        raise ValueError(f"no recorded mark prices for {', '.join(ids)}; record some "
                         "(bot record) or import candles (bot data import-prices)")
    start = span[0] if start_ms is None else start_ms
    end = span[1] + 1 if end_ms is None else end_ms
    prices = store.mark_prices(start, end, ids)
    if not prices:
        raise ValueError(f"no recorded mark prices for {', '.join(ids)} in the period")
    events = store.liquidations(start - warmup_ms, end, ids)
    interest = OpenInterestStore(store.engine).series(ids, start, end)
    return BacktestData(ids, start, end, events, prices, interest)


class RecordedIntervals:
    """The projected layer's bars from recorded data, never past the simulated clock: open
    interest stamped before ``until`` joined with the recorded prices of its interval
    (``bot.marketdata.open_interest.interval_bars``)."""

    def __init__(self, data: BacktestData) -> None:
        """Read from ``data``."""
        self._data = data

    def __call__(self, symbol: str, since: datetime, until: datetime) -> BarColumns:
        """Bars stamped in ``[since, until)``."""
        interest, prices = self._data.open_interest.get(symbol), self._data.prices.get(symbol)
        if interest is None or prices is None:
            return join_intervals([], [])
        stamps, amounts, opens, highs, lows, closes = interval_bars(
            interest, prices, to_epoch_ms(until) - 1)
        keep = stamps >= to_epoch_ms(since)
        return BarColumns(stamps[keep], amounts[keep], opens[keep], highs[keep], lows[keep],
                          closes[keep], np.full(int(keep.sum()), np.nan))


class _BacktestHeatmapView:
    """The heatmap as the loop sees it, with stream health judged from recorded data.

    The live heatmap dates ``last_message_at`` with the wall clock; here the newest recorded
    price plays the socket's part (prices arrive every second on the same connection), so a
    recording gap looks exactly like a silent stream.

    While every position slot is taken, a flat symbol's clusters are not computed (the loop
    asks only to decide an entry, which the risk engine would refuse): clustering is most of
    a backtest's cost, and the trades are the same.
    """

    def __init__(self, heatmap: LiveLiquidationHeatmap, last_data_ms: Callable[[], int | None],
                 clock: Callable[[], datetime], venue: PaperExecution, max_positions: int) -> None:
        self._heatmap = heatmap
        self._last_data_ms = last_data_ms
        self._clock = clock
        self._venue = venue
        self._max_positions = max_positions
        self.skipped = 0
        # Bound once: the loop sets every symbol's price each simulated second.
        self.update_price: Callable[[str, float], None] = heatmap.update_price

    def get_projected_levels(self, symbol: str) -> list[LiquidationCluster]:
        venue = self._venue
        if (venue.open_position_count() >= self._max_positions
                and venue.position(symbol) is None):
            return []
        return self._heatmap.get_projected_levels(symbol)

    def get_clusters(self, symbol: str) -> list[LiquidationCluster]:
        venue = self._venue
        if (venue.open_position_count() >= self._max_positions
                and venue.position(symbol) is None):
            self.skipped += 1
            return []
        return self._heatmap.get_clusters(symbol)

    def health(self) -> HeatmapHealth:
        last = self._last_data_ms()
        # Without an updater thread the heatmap recomputes a symbol on request whenever its
        # clusters are older than update_interval, so what the loop reads is always current.
        return replace(self._heatmap.health(), connected=True, last_refresh_at=self._clock(),
                       last_message_at=None if last is None else from_epoch_ms(last))


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """Equity at one simulated moment."""

    time_ms: int
    equity: float


@dataclass(frozen=True, slots=True)
class BacktestRun:
    """What the engine produced; trades are in the journal (mode ``backtest``).

    ``equity`` holds one point per sampled instant, in time order: every equity interval,
    right after each fill, and the end (positions closed). It is richer than the journaled
    snapshots, which stay at the equity interval as in a live run.
    """

    symbols: tuple[str, ...]
    start_ms: int
    end_ms: int
    starting_balance: float
    equity: tuple[EquityPoint, ...]
    decisions: int
    liquidations_fed: int
    refusals: tuple[tuple[str, int], ...] = ()


class BacktestEngine:
    """Runs the trading loop over ``data`` on ``clock``, journaling into ``journal``.

    Args:
        settings: the bot's settings (every section applies as in a live run).
        data: from ``load_data``.
        journal: the backtest's journal (its rows get mode ``backtest``).
        clock: the simulated clock the journal was opened with; moved by ``run``.
        rules: the symbols' lot and tick rules (Binance id → rules) when known; recorded
            data carry none, so without them quantities and prices are left unrounded.
        defer_flat_marks: give a flat symbol's marks to the heatmap and the venue only
            when read (``TradingLoop``'s option; the same run, faster). False applies every
            mark as a live loop does, to prove that.
    """

    def __init__(self, settings: Settings, data: BacktestData, journal: JournalRepository,
                 clock: ManualClock, rules: Mapping[str, LotRules] | None = None,
                 defer_flat_marks: bool = True) -> None:
        self._settings = settings
        self._data = data
        self._clock = clock
        clock.set_ms(data.start_ms)
        spacing = typical_spacing_ms(data.prices)
        # Candle-derived prices are minutes apart: hold each until the next (see prices.py).
        hold = 2 * spacing if spacing > 2 * _MS else 0
        self._prices = RecordedMarkPrices(data.prices, lambda: clock.now_ms, hold_ms=hold)
        self._projected = (settings.heatmap.projected
                           or settings.strategy.cluster_source != "realized")
        self._heatmap = build_heatmap(settings, clock,
                                      projection_source=RecordedIntervals(data))
        # Margin as the exchange reckons it, at the account leverage live would set; stops
        # and targets trigger on the recorded prices (see the module's doc on what they are).
        self._venue = PaperExecution(paper_config_from(settings), clock, rules)
        # Risk state lives in memory: a backtest must never set the live bot's durable flags.
        risk = RiskEngine(RiskLimits(**settings.risk.model_dump()), InMemoryRiskStateStore(),
                          clock)
        self._log = BacktestTradeLog(journal, clock)
        self._view = _BacktestHeatmapView(self._heatmap, lambda: self._prices.last_time_ms,
                                          clock, self._venue, settings.risk.max_open_positions)
        self._loop = TradingLoop(
            symbols=data.symbols,
            heatmap=self._view,
            prices=self._prices, strategy=build_strategy(settings), risk=risk,
            venue=self._venue, trade_log=self._log,
            clock=clock, settings=LoopSettings(
                min_signal_strength=settings.strategy.min_signal_strength,
                max_price_age_seconds=settings.risk.max_price_age_seconds),
            projected=(self._view.get_projected_levels
                       if settings.strategy.cluster_source != "realized" else None),
            # The projected layer widens a range with every mark: it needs them all.
            defer_flat_marks=defer_flat_marks and not self._projected,
        )
        self._equity: list[EquityPoint] = []
        self._fed = 0
        self._decisions = 0

    def run(self, on_progress: Callable[[int, int], None] | None = None) -> BacktestRun:
        """Simulate from the data's start to its end; open positions are closed at the end.

        Log lines are stamped with the simulated time. ``on_progress(done_ms, total_ms)`` is
        called about a hundred times along the way, and once at the end with both equal.
        """
        with stamped_by(self._clock):
            run = self._simulate(on_progress or (lambda _done, _total: None))
        return run

    def _simulate(self, on_progress: Callable[[int, int], None]) -> BacktestRun:
        jobs = self._jobs()
        step = math.gcd(*(interval for interval, _ in jobs))
        start, end = self._data.start_ms, self._data.end_ms
        report_every = max(step, (end - start) // 100 // step * step)
        for t in range(start, end, step):
            if (t - start) % report_every == 0:
                on_progress(t - start, end - start)
            self._clock.set_ms(t)
            self._feed_until(t)
            elapsed = t - start
            for interval, job in jobs:
                if elapsed % interval == 0:
                    fills = self._log.fills
                    job()
                    if self._log.fills != fills:
                        self._record_equity()
        self._clock.set_ms(max(end - 1, start))
        self._loop.stop(close_positions=True)
        self._log.flush()
        self._record_equity()
        on_progress(end - start, end - start)
        return BacktestRun(self._data.symbols, start, end,
                           self._settings.paper.starting_balance, tuple(self._equity),
                           self._decisions, self._fed,
                           tuple(sorted(self._refusals().items())))

    def _jobs(self) -> list[tuple[int, Callable[[], None]]]:
        s = self._settings.scheduler
        ms = [max(1, round(v * _MS)) for v in (
            s.mark_price_interval, s.health_interval, s.supervision_interval, s.signal_interval,
            s.equity_interval)]
        # The order within one instant: prices first (stops trigger on them), then health,
        # exits, entries, and the equity snapshot of the outcome. Clusters need no job of
        # their own: the heatmap recomputes a symbol when asked and its clusters are stale.
        jobs = list(zip(ms, (self._loop.on_prices, self._loop.check_health,
                             self._loop.supervise, self._signals, self._snapshot), strict=True))
        if self._projected:
            # The projected layer's refresh, as its background thread does live; first.
            jobs.insert(0, (max(1, round(self._settings.heatmap.projection_interval * _MS)),
                            self._refresh_projection))
        return jobs

    def _refresh_projection(self) -> None:
        self._heatmap.refresh_projection(self._data.symbols)

    def _refusals(self) -> dict[str, int]:
        refusals = dict(self._log.refusals)
        if self._view.skipped:
            refusals["not evaluated: max_open_positions reached"] = self._view.skipped
        return refusals

    def _signals(self) -> None:
        self._decisions += 1
        self._loop.run_signals()

    def _snapshot(self) -> None:
        self._loop.snapshot_equity()
        self._record_equity()

    def _record_equity(self) -> None:
        point = EquityPoint(self._clock.now_ms, self._venue.equity())
        # One point per instant, the latest: a fill and the interval's snapshot (or an exit
        # and an entry) in the same step would otherwise draw a vertical jump at one time.
        if self._equity and self._equity[-1].time_ms == point.time_ms:
            self._equity[-1] = point
        else:
            self._equity.append(point)

    def _feed_until(self, now_ms: int) -> None:
        events = self._data.liquidations
        index = self._fed
        add = self._heatmap.add_liquidation
        while index < len(events) and events[index].time_ms <= now_ms:
            e = events[index]
            add(Liquidation(e.symbol, e.side, e.price, e.quantity,  # type: ignore[arg-type]
                            from_epoch_ms(e.time_ms), e.venue))
            index += 1
        self._fed = index
