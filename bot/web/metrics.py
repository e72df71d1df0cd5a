"""``/metrics`` in Prometheus text format, read from the views at scrape time.

One ``CollectorRegistry`` per application (no process-wide global): equity, balance, open
positions, closed trades, signals by outcome, stream messages / parse errors / reconnects per
venue, entries paused, and entry-order latency (journaled request → fill).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from bot.journal import JournalRepository, OrderPurpose, TradeMode
from bot.web.deps import WebContext
from bot.web.schemas import VenueHealthOut

router = APIRouter(tags=["metrics"])


class JournalCounters:
    """Signals by outcome and entry-order latency, counted incrementally from the journal."""

    def __init__(self, journal: JournalRepository, mode: TradeMode) -> None:
        """Count ``mode``'s rows of ``journal``."""
        self._journal = journal
        self._mode = mode
        self._lock = threading.Lock()
        self._last_signal = 0
        self._last_trade = 0
        self._signal_since: datetime | None = None
        self._trade_since: datetime | None = None
        self.signals: dict[str, int] = {}
        self.latency_count = 0
        self.latency_sum = 0.0

    def update(self) -> None:
        """Read the rows added since the last call."""
        with self._lock:
            # ``since`` bounds the read; ids keep a row at the boundary from counting twice.
            for signal in self._journal.list_signals(since=self._signal_since):
                if signal.id > self._last_signal:
                    self._last_signal = signal.id
                    self._signal_since = signal.time
                    if signal.mode == self._mode:
                        self.signals[signal.outcome] = self.signals.get(signal.outcome, 0) + 1
            for trade in self._journal.list_trades(mode=self._mode, since=self._trade_since):
                if trade.id <= self._last_trade:
                    continue
                self._last_trade = trade.id
                self._trade_since = trade.entry_time
                for order in self._journal.orders_for_trade(trade.id):
                    if order.purpose == OrderPurpose.ENTRY and order.average_price is not None:
                        self.latency_count += 1
                        self.latency_sum += (order.updated_at - order.created_at).total_seconds()


class BotCollector(Collector):
    """Builds every metric family from the context when Prometheus scrapes."""

    def __init__(self, context: WebContext, counters: JournalCounters | None) -> None:
        """``counters`` None: no journal-derived metrics."""
        self._context = context
        self._counters = counters

    def collect(self) -> Iterator[Metric]:
        """The metric families of this moment."""
        context = self._context
        status = context.views.status(context.now(), context.control_enabled)
        health = context.views.health(context.now())
        yield _gauge("bot_equity_usdt", "Account equity (unrealised PnL included)",
                     status.equity)
        yield _gauge("bot_balance_usdt", "Account balance", status.balance)
        yield _gauge("bot_open_positions", "Open positions", len(status.positions))
        yield _gauge("bot_entries_paused", "1 while new entries are paused",
                     int(status.entries_paused))
        closed = CounterMetricFamily("bot_trades_closed", "Trades closed since start")
        closed.add_metric([], status.closed_trades)
        yield closed
        yield from self._stream_metrics(health.venues)
        if self._counters is not None:
            self._counters.update()
            signals = CounterMetricFamily("bot_signals", "Signals journaled, by outcome",
                                          labels=["outcome"])
            for outcome, count in sorted(self._counters.signals.items()):
                signals.add_metric([outcome], count)
            yield signals
            latency = SummaryMetricFamily(
                "bot_order_latency_seconds", "Entry order: journaled request to fill")
            latency.add_metric([], self._counters.latency_count, self._counters.latency_sum)
            yield latency

    @staticmethod
    def _stream_metrics(venues: Mapping[str, VenueHealthOut]) -> Iterator[Metric]:
        families: list[tuple[str, str, Callable[[str, str], _Labelled], str]] = [
            ("bot_stream_connected", "1 while the venue's stream is connected",
             lambda n, d: GaugeMetricFamily(n, d, labels=["venue"]), "connected"),
            ("bot_stream_messages", "Frames received", _counter, "messages"),
            ("bot_stream_parse_errors", "Frames skipped as malformed", _counter, "parse_errors"),
            ("bot_stream_reconnects", "Reconnections", _counter, "reconnects"),
        ]
        for name, doc, make, attribute in families:
            family = make(name, doc)
            for venue, health in venues.items():
                family.add_metric([venue], float(getattr(health, attribute)))
            yield family


_Labelled = GaugeMetricFamily | CounterMetricFamily


def _counter(name: str, documentation: str) -> _Labelled:
    return CounterMetricFamily(name, documentation, labels=["venue"])


def _gauge(name: str, documentation: str, value: float | None) -> Metric:
    family = GaugeMetricFamily(name, documentation)
    if value is not None:
        family.add_metric([], value)
    return family


def build_registry(context: WebContext, counters: JournalCounters | None) -> CollectorRegistry:
    """A registry holding the bot's collector only."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BotCollector(context, counters))
    return registry


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    """Prometheus text exposition format."""
    registry: CollectorRegistry = request.app.state.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
