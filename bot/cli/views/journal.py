"""Presenting the journal to people: trades as a table, CSV or JSON; the summary as tables.

Pure formatting over journal records; the CLI reads the records and prints what this returns.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table

from bot.journal import JournalSummary, TradeRecord
from bot.journal.figures import profit_factor_text, rate_text

TRADE_COLUMNS = (
    "id", "symbol", "side", "mode", "status", "entry_time", "entry_price", "quantity",
    "exit_time", "exit_price", "pnl", "fees", "exit_reason", "client_order_id",
)


def trades_json(trades: Sequence[TradeRecord]) -> str:
    """One JSON array of trades (every field of ``TradeRecord.to_json_dict``)."""
    return json.dumps([t.to_json_dict() for t in trades], indent=2)


def trades_csv(trades: Sequence[TradeRecord]) -> str:
    """CSV with a header row; times in ISO-8601 UTC."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(TRADE_COLUMNS), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for trade in trades:
        writer.writerow(trade.to_json_dict())
    return out.getvalue()


def trades_table(trades: Sequence[TradeRecord], title: str = "") -> Table:
    """A Rich table of trades, PnL coloured; ``title`` says what was selected (the mode)."""
    table = Table(title=f"{len(trades)} trade(s)" + (f", {title}" if title else ""),
                  box=box.SIMPLE_HEAVY)
    for name in ("id", "symbol", "side", "mode", "status", "entry (UTC)", "entry", "qty",
                 "exit (UTC)", "exit", "pnl", "fees", "reason"):
        table.add_column(name, justify="right" if name in {"id", "entry", "qty", "exit", "pnl",
                                                            "fees"} else "left")
    for t in trades:
        table.add_row(
            str(t.id), t.symbol, str(t.side), str(t.mode), str(t.status),
            _when(t.entry_time), _num(t.entry_price), _num(t.quantity), _when(t.exit_time),
            _num(t.exit_price), _pnl(t.pnl), _num(t.fees, 2), t.exit_reason or "",
        )
    return table


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



