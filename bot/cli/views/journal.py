"""Presenting the journal's summary to people: tables or JSON (trades: ``reviews``).

Pure formatting over journal records; the CLI reads the records and prints what this returns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table

from bot.journal import JournalSummary
from bot.journal.figures import profit_factor_text, rate_text


def summary_tables(summary: JournalSummary, mode: str = "") -> Group:
    """The summary as two Rich tables: totals, then per symbol; titled with its ``mode``."""
    suffix = f" ({mode})" if mode else ""
    totals = Table(title=f"Summary{suffix}", box=box.SIMPLE_HEAVY, show_header=False)
    totals.add_column("metric")
    totals.add_column("value", justify="right")
    drawdown = _num(summary.max_drawdown, 2)
    if summary.max_drawdown_pct is not None:
        drawdown += f" ({summary.max_drawdown_pct:.2f} %)"
    rows = [
        ("closed / open / cancelled trades",
         f"{summary.closed_trades} / {summary.open_trades} / {summary.cancelled_trades}"),
        ("net PnL (USDT, after fees)", _pnl(summary.net_pnl)),
        ("fees (USDT)", _num(summary.fees, 2)),
        ("win rate", rate_text(summary.win_rate)),
        ("profit factor", profit_factor_text(summary.profit_factor)),
        ("expectancy per trade (USDT)", _num(summary.expectancy, 2)),
        (f"max drawdown (from {summary.drawdown_source})", drawdown),
    ]
    for metric, value in rows:
        totals.add_row(metric, value)
    per_symbol = Table(title=f"Per symbol{suffix}", box=box.SIMPLE_HEAVY)
    for name in ("symbol", "trades", "wins", "losses", "win rate", "net PnL", "fees", "PF"):
        per_symbol.add_column(name, justify="left" if name == "symbol" else "right")
    for s in summary.per_symbol:
        per_symbol.add_row(s.symbol, str(s.trades), str(s.wins), str(s.losses),
                           rate_text(s.win_rate), _pnl(s.net_pnl), _num(s.fees, 2),
                           profit_factor_text(s.profit_factor))
    return Group(totals, per_symbol)


def summaries_json(summaries: Mapping[str, JournalSummary], *, grouped: bool) -> str:
    """Summaries by mode as JSON: one object with its ``mode``, or (``grouped``) one object
    per mode under its name, never a sum across modes."""
    dicts = {mode: {"mode": mode, **s.to_json_dict()} for mode, s in summaries.items()}
    return json.dumps(dicts if grouped else next(iter(dicts.values())), indent=2)


def _when(moment: Any) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _num(value: float | None, digits: int | None = None) -> str:
    if value is None:
        return ""
    return f"{value:,.{digits}f}" if digits is not None else f"{value:,.8g}"


def _pnl(value: float | None) -> str:
    if value is None:
        return ""
    colour = "green" if value > 0 else "red" if value < 0 else "white"
    return f"[{colour}]{value:+,.2f}[/{colour}]"



