"""The backtest report: the journal's statistics plus exposure, per symbol, and an equity chart.

Built only from the run's own data (journal rows and simulated-time equity points), never
from the wall clock, so the same data and settings give byte-identical text, JSON and PNG.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.backtest.chart import TradeMarker, equity_chart_png
from bot.backtest.engine import BacktestRun
from bot.domain import from_epoch_ms, to_epoch_ms
from bot.journal import (
    EquitySnapshotRecord,
    JournalSummary,
    TradeRecord,
    TradeStatus,
    summarize,
)
from bot.journal.figures import NOT_DEFINED, profit_factor_text, rate_text


@dataclass(frozen=True, slots=True)
class BacktestReport:
    """The result of one backtest.

    ``markers`` are the journaled trades' fills (entries and exits) in time order, for the
    chart; the figures do not use them.
    """

    run: BacktestRun
    summary: JournalSummary
    exposure_pct: float
    symbol_exposure_pct: dict[str, float]
    markers: tuple[TradeMarker, ...] = ()

    @property
    def final_equity(self) -> float:
        """Equity at the end (positions closed)."""
        return self.run.equity[-1].equity if self.run.equity else self.run.starting_balance

    @property
    def return_pct(self) -> float:
        """Net return on the starting balance, in percent."""
        return (self.final_equity / self.run.starting_balance - 1) * 100

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready figures (no equity curve: see ``equity_png``)."""
        summary = self.summary.to_json_dict()
        return {
            "period": {"from": from_epoch_ms(self.run.start_ms).isoformat(),
                       "to": from_epoch_ms(self.run.end_ms).isoformat()},
            "symbols": list(self.run.symbols),
            "starting_balance": self.run.starting_balance,
            "final_equity": _round(self.final_equity),
            "return_pct": _round(self.return_pct),
            "exposure_pct": _round(self.exposure_pct),
            "decisions": self.run.decisions,
            "liquidations": self.run.liquidations_fed,
            "refused_signals": dict(self.run.refusals),
            "summary": summary,
            "per_symbol_exposure_pct": {s: _round(v)
                                        for s, v in sorted(self.symbol_exposure_pct.items())},
        }

    def to_json(self) -> str:
        """``to_json_dict`` as indented JSON text with sorted keys."""
        return json.dumps(self.to_json_dict(), indent=2, sort_keys=True)

    def to_text(self) -> str:
        """A plain-text report for the terminal."""
        s = self.summary
        lines = [
            f"backtest {from_epoch_ms(self.run.start_ms):%Y-%m-%d %H:%M:%S} → "
            f"{from_epoch_ms(self.run.end_ms):%Y-%m-%d %H:%M:%S} UTC, "
            f"{', '.join(self.run.symbols)}",
            f"net PnL       {s.net_pnl:12.2f} USDT  ({self.return_pct:+.2f} %)",
            f"fees          {s.fees:12.2f} USDT",
            f"trades        {s.closed_trades:12d}  (open at end: {s.open_trades})",
            f"win rate      {rate_text(s.win_rate):>12}",
            f"profit factor {profit_factor_text(s.profit_factor):>12}",
            f"max drawdown  {s.max_drawdown:12.2f} USDT  ({_num(s.max_drawdown_pct)} %)",
            f"exposure      {self.exposure_pct:11.2f} %  (time with a position open)",
            f"final equity  {self.final_equity:12.2f} USDT",
            "",
            f"{'symbol':<14}{'trades':>7}{'win rate':>10}{'net PnL':>12}{'fees':>10}"
            f"{'PF':>8}{'exposure':>10}",
        ]
        for row in s.per_symbol:
            lines.append(f"{row.symbol:<14}{row.trades:>7}{rate_text(row.win_rate):>10}"
                         f"{row.net_pnl:>12.2f}{row.fees:>10.2f}{profit_factor_text(row.profit_factor):>8}"
                         f"{self.symbol_exposure_pct.get(row.symbol, 0.0):>9.2f}%")
        if self.run.refusals:
            lines += ["", "signals not traded (not journaled one by one):"]
            lines += [f"  {count:>8}  {reason}" for reason, count in self.run.refusals]
        return "\n".join(lines) + "\n"

    def equity_png(self) -> bytes:
        """The equity chart as PNG bytes: equity with the fills marked, drawdown, figures."""
        return equity_chart_png(self.run.equity, markers=self.markers, title=self.chart_title(),
                                period_ms=(self.run.start_ms, self.run.end_ms),
                                starting_balance=self.run.starting_balance)

    def chart_title(self) -> str:
        """The chart's two-line heading: period and symbols, then the headline figures."""
        s = self.summary
        drawdown = f"{s.max_drawdown:.2f} USDT"
        if s.max_drawdown_pct is not None:
            drawdown += f" ({s.max_drawdown_pct:.2f} %)"
        return (f"backtest {from_epoch_ms(self.run.start_ms):%Y-%m-%d %H:%M:%S} → "
                f"{from_epoch_ms(self.run.end_ms):%Y-%m-%d %H:%M:%S} UTC · "
                f"{', '.join(self.run.symbols)}\n"
                f"net PnL {s.net_pnl:+.2f} USDT ({self.return_pct:+.2f} %) · "
                f"{s.closed_trades} trades · win rate {rate_text(s.win_rate)} · "
                f"max drawdown {drawdown}")


def build_report(run: BacktestRun, trades: Sequence[TradeRecord],
                 equity: Sequence[EquitySnapshotRecord]) -> BacktestReport:
    """The report of ``run`` from its journaled trades and equity snapshots."""
    summary = summarize(trades, equity)
    total = max(run.end_ms - run.start_ms, 1)
    per_symbol: dict[str, list[tuple[int, int]]] = {}
    intervals = []
    for trade in trades:
        start = to_epoch_ms(trade.entry_time)
        end = run.end_ms if trade.exit_time is None else to_epoch_ms(trade.exit_time)
        intervals.append((start, end))
        per_symbol.setdefault(trade.symbol, []).append((start, end))
    exposure = _covered_ms(intervals) / total * 100
    by_symbol = {symbol: _covered_ms(spans) / total * 100 for symbol, spans in per_symbol.items()}
    return BacktestReport(run, summary, exposure, by_symbol, trade_markers(trades))


def trade_markers(trades: Sequence[TradeRecord]) -> tuple[TradeMarker, ...]:
    """Every entry and exit fill of ``trades`` as chart markers, by time (never-filled skipped)."""
    markers = []
    for trade in trades:
        if trade.status is TradeStatus.CANCELLED:
            continue
        markers.append(TradeMarker(to_epoch_ms(trade.entry_time), trade.side, "entry"))
        if trade.exit_time is not None:
            markers.append(TradeMarker(to_epoch_ms(trade.exit_time), trade.side, "exit"))
    # The same order whatever order the journal listed them in.
    return tuple(sorted(markers, key=lambda m: (m.time_ms, m.kind, m.side.value)))


def _covered_ms(intervals: list[tuple[int, int]]) -> int:
    """Length of the union of ``[start, end)`` intervals."""
    covered = 0
    reach: int | None = None
    for start, end in sorted(intervals):
        if reach is None or start > reach:
            covered += end - start
            reach = end
        elif end > reach:
            covered += end - reach
            reach = end
    return covered


def _round(value: float) -> float:
    return round(value, 8)


def _num(value: float | None) -> str:
    return NOT_DEFINED if value is None else f"{value:.2f}"
