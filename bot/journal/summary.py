"""Journal statistics (``bot journal summary``): pure functions of trades and equity snapshots.

Definitions, applied to *closed* trades only (open and cancelled ones are counted, not scored):

* ``net_pnl`` is the sum of trade ``pnl``, which is already net of fees; ``fees`` the sum of
  fees paid; gross PnL is therefore ``net_pnl + fees``.
* A win is a trade with ``pnl > 0``, a loss ``pnl < 0``; a trade at exactly 0 is neither but
  still counts in the win rate's denominator. ``win_rate`` is a fraction in 0..1, ``None``
  with no closed trades.
* ``profit_factor`` is gross profit / gross loss (sum of winning PnL over the magnitude of the
  sum of losing PnL). With no losses it is ``math.inf`` when there are wins (unbounded, not
  missing) and ``None`` when there is nothing to divide (no wins either). JSON has no
  infinity, so ``to_json_dict`` writes an infinite profit factor as ``null``.
* ``max_drawdown`` is the largest fall from a running peak, in quote currency. It comes from the
  equity snapshots when any are given (``max_drawdown_pct`` is then that fall in percent of the
  peak), else from the cumulative closed-trade PnL curve starting at 0, where no capital base
  is known and ``max_drawdown_pct`` is ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

from bot.journal.models import TradeStatus
from bot.journal.records import EquitySnapshotRecord, TradeRecord

DrawdownSource = Literal["equity", "trades", "none"]


@dataclass(frozen=True, slots=True)
class SymbolSummary:
    """Statistics of the closed trades of one symbol."""

    symbol: str
    trades: int
    wins: int
    losses: int
    win_rate: float | None
    net_pnl: float
    fees: float
    profit_factor: float | None


@dataclass(frozen=True, slots=True)
class JournalSummary:
    """Statistics of a set of trades; see the module docstring for every definition."""

    closed_trades: int
    open_trades: int
    cancelled_trades: int
    wins: int
    losses: int
    win_rate: float | None
    gross_profit: float
    gross_loss: float
    net_pnl: float
    fees: float
    profit_factor: float | None
    expectancy: float | None
    max_drawdown: float
    max_drawdown_pct: float | None
    drawdown_source: DrawdownSource
    per_symbol: tuple[SymbolSummary, ...]

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready mapping; an infinite profit factor becomes ``null`` (JSON has no inf)."""
        return {
            "closed_trades": self.closed_trades,
            "open_trades": self.open_trades,
            "cancelled_trades": self.cancelled_trades,
            "wins": self.wins,
            "losses": self.losses,
            "win_rate": self.win_rate,
            "gross_profit": self.gross_profit,
            "gross_loss": self.gross_loss,
            "net_pnl": self.net_pnl,
            "fees": self.fees,
            "profit_factor": _json_number(self.profit_factor),
            "expectancy": self.expectancy,
            "max_drawdown": self.max_drawdown,
            "max_drawdown_pct": self.max_drawdown_pct,
            "drawdown_source": self.drawdown_source,
            "per_symbol": [
                {
                    "symbol": item.symbol,
                    "trades": item.trades,
                    "wins": item.wins,
                    "losses": item.losses,
                    "win_rate": item.win_rate,
                    "net_pnl": item.net_pnl,
                    "fees": item.fees,
                    "profit_factor": _json_number(item.profit_factor),
                }
                for item in self.per_symbol
            ],
        }


def _json_number(value: float | None) -> float | None:
    """Strict JSON has no infinity (``json.dumps`` would write invalid ``Infinity``)."""
    return None if value is not None and math.isinf(value) else value


@dataclass(frozen=True, slots=True)
class _Scores:
    """Win/loss arithmetic shared by the overall and the per-symbol figures."""

    trades: int
    wins: int
    losses: int
    gross_profit: float
    gross_loss: float
    net_pnl: float
    fees: float

    @property
    def win_rate(self) -> float | None:
        """Wins over closed trades, ``None`` without any."""
        return None if self.trades == 0 else self.wins / self.trades

    @property
    def profit_factor(self) -> float | None:
        """See ``profit_factor``."""
        return profit_factor(self.gross_profit, self.gross_loss)

    def figures_for(self, summary: type) -> dict[str, Any]:
        """These scores under the names of ``summary``'s fields that they provide."""
        return {f.name: getattr(self, f.name) for f in fields(summary) if hasattr(self, f.name)}


def _pnl(trade: TradeRecord) -> float:
    """A closed trade's net PnL (0 when, against the rules, none was recorded)."""
    return trade.pnl if trade.pnl is not None else 0.0


def _score(closed: Sequence[TradeRecord]) -> _Scores:
    """Score closed trades."""
    pnls = [_pnl(trade) for trade in closed]
    return _Scores(
        trades=len(closed),
        wins=sum(1 for pnl in pnls if pnl > 0),
        losses=sum(1 for pnl in pnls if pnl < 0),
        gross_profit=math.fsum(pnl for pnl in pnls if pnl > 0),
        gross_loss=-math.fsum(pnl for pnl in pnls if pnl < 0),
        net_pnl=math.fsum(pnls),
        fees=math.fsum(trade.fees for trade in closed),
    )


def profit_factor(gross_profit: float, gross_loss: float) -> float | None:
    """Gross profit over gross loss (a positive magnitude).

    Returns:
        The ratio; ``math.inf`` when there are profits and no losses; ``None`` when both
        are zero (nothing to measure).
    """
    if gross_loss > 0:
        return gross_profit / gross_loss
    return math.inf if gross_profit > 0 else None


def max_drawdown(curve: Iterable[float]) -> tuple[float, float | None]:
    """Largest fall from a running peak of ``curve``.

    Returns:
        ``(amount, pct)``: the largest ``peak - value``, and the largest such fall in percent
        of its peak (``None`` when no peak was positive, as percent of it is meaningless).
    """
    peak = -math.inf
    amount = 0.0
    pct: float | None = None
    for value in curve:
        peak = max(peak, value)
        fall = peak - value
        amount = max(amount, fall)
        if peak > 0:
            pct = max(pct or 0.0, fall / peak * 100.0)
    return amount, pct


def _drawdown(
    closed: Sequence[TradeRecord], equity: Sequence[EquitySnapshotRecord]
) -> tuple[float, float | None, DrawdownSource]:
    """Max drawdown from equity snapshots when present, else from cumulative trade PnL."""
    if equity:
        ordered = sorted(equity, key=lambda snap: (snap.time, snap.id))
        amount, pct = max_drawdown(snap.equity for snap in ordered)
        return amount, pct, "equity"
    if not closed:
        return 0.0, None, "none"
    by_exit = sorted(closed, key=lambda trade: (trade.exit_time or trade.entry_time, trade.id))
    cumulative = [0.0]  # flat before the first trade: an opening loss is a drawdown
    for trade in by_exit:
        cumulative.append(cumulative[-1] + _pnl(trade))
    amount, _ = max_drawdown(cumulative)
    return amount, None, "trades"


def summarize(
    trades: Iterable[TradeRecord], equity: Iterable[EquitySnapshotRecord] = ()
) -> JournalSummary:
    """Compute the journal summary of ``trades`` (and the drawdown from ``equity``).

    Args:
        trades: any trades; only closed ones are scored. Filter by mode first: mixing paper,
            live and backtest trades gives a meaningless sum.
        equity: equity snapshots of the same mode and period, in any order.

    Returns:
        The summary, per-symbol rows sorted by symbol.
    """
    all_trades = list(trades)
    closed = [t for t in all_trades if t.status is TradeStatus.CLOSED]
    scores = _score(closed)
    amount, pct, source = _drawdown(closed, list(equity))
    return JournalSummary(
        **scores.figures_for(JournalSummary),
        closed_trades=scores.trades,
        open_trades=sum(1 for t in all_trades if t.status is TradeStatus.OPEN),
        cancelled_trades=sum(1 for t in all_trades if t.status is TradeStatus.CANCELLED),
        expectancy=None if scores.trades == 0 else scores.net_pnl / scores.trades,
        max_drawdown=amount,
        max_drawdown_pct=pct,
        drawdown_source=source,
        per_symbol=_per_symbol(closed),
    )


def _per_symbol(closed: Sequence[TradeRecord]) -> tuple[SymbolSummary, ...]:
    """One row per symbol with closed trades, sorted by symbol."""
    symbols = sorted({trade.symbol for trade in closed})
    return tuple(
        SymbolSummary(symbol=symbol, **_score([t for t in closed if t.symbol == symbol])
                      .figures_for(SymbolSummary))
        for symbol in symbols
    )
