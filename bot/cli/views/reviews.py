"""The reviews a trader reads after a run: trades with their reasons, signals, profit by
period, one trade in full. Pure: records in, rows out; ``render`` prints rows as a Rich table,
CSV or JSON, so every review offers the same three formats.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Literal

from rich import box
from rich.table import Table

from bot.journal import TradeRecord, TradeStatus
from bot.journal.figures import profit_factor_text
from bot.journal.records import FillRecord, OrderRecord, SignalRecord
from bot.journal.summary import profit_factor

Row = dict[str, object]
Period = Literal["day", "week", "month"]
Format = Literal["table", "csv", "json"]

TRADE_REVIEW_COLUMNS = ("id", "symbol", "side", "status", "entry_time", "duration",
                        "entry_price", "exit_price", "quantity", "pnl", "pnl_pct", "fees",
                        "entry_reason", "exit_reason")


def plain(value: object) -> object:
    """A JSON-ready value: times in ISO-8601, enums by value, infinities as ``None``."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and math.isinf(value):
        return None
    return value


def record_row(record: object) -> Row:
    """Every field of a frozen journal record, JSON-ready."""
    assert is_dataclass(record)  # noqa: S101 - journal records are dataclasses
    return {f.name: plain(getattr(record, f.name)) for f in fields(record)}


def trade_review(trade: TradeRecord) -> Row:
    """A trade with what a review adds: duration, PnL in percent of notional, the reasons."""
    row = trade.to_json_dict()
    # The exit is stamped with the exchange's mark time, the entry with the local clock: a
    # trade closed within the same second may show a hair below zero.
    seconds = (None if trade.exit_time is None
               else max(0.0, (trade.exit_time - trade.entry_time).total_seconds()))
    row["duration_seconds"] = seconds
    row["duration"] = "" if seconds is None else duration_text(seconds)
    notional = trade.entry_price * trade.quantity
    row["pnl_pct"] = None if trade.pnl is None or not notional else trade.pnl / notional * 100
    row["entry_reason"] = entry_reason(trade)
    return row


def entry_reason(trade: TradeRecord) -> str:
    """``toward short cluster @ 93,557.9 (strength 0.97)``, or ``""`` when none is known."""
    if trade.target_cluster_price is None:
        return ""
    strength = ("" if trade.target_cluster_strength is None
                else f" (strength {trade.target_cluster_strength:.2f})")
    side = f"{trade.target_cluster_side} " if trade.target_cluster_side else ""
    return f"toward {side}cluster @ {trade.target_cluster_price:,.6g}{strength}"


def duration_text(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3 h 05 min``, ``2 d 04 h``."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours:02d} h"


def signal_rows(signals: Iterable[SignalRecord]) -> list[Row]:
    """Every signal with its outcome and (refusal) reason."""
    return [record_row(s) for s in signals]


def period_of(moment: datetime, by: Period) -> str:
    """``2026-03-02`` (day), ``2026-W10`` (ISO week), ``2026-03`` (month)."""
    if by == "day":
        return moment.date().isoformat()
    if by == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{moment.year}-{moment.month:02d}"


def profit_rows(trades: Iterable[TradeRecord], by: Period) -> list[Row]:
    """Closed trades by the period of their exit: count, wins, losses, net PnL, fees, PF."""
    groups: dict[str, list[float]] = {}
    fees: dict[str, float] = {}
    for t in trades:
        if t.status != TradeStatus.CLOSED or t.exit_time is None or t.pnl is None:
            continue
        key = period_of(t.exit_time, by)
        groups.setdefault(key, []).append(t.pnl)
        fees[key] = fees.get(key, 0.0) + t.fees
    rows: list[Row] = []
    for key in sorted(groups):
        pnls = groups[key]
        gross_profit = sum(p for p in pnls if p > 0)
        gross_loss = -sum(p for p in pnls if p < 0)
        rows.append({"period": key, "trades": len(pnls), "wins": sum(p > 0 for p in pnls),
                     "losses": sum(p < 0 for p in pnls), "net_pnl": sum(pnls),
                     "fees": fees[key],
                     "profit_factor": plain(profit_factor(gross_profit, gross_loss)),
                     "profit_factor_text": profit_factor_text(
                         profit_factor(gross_profit, gross_loss))})
    return rows


def trade_detail(trade: TradeRecord, orders: Sequence[OrderRecord],
                 fills: Mapping[int, Sequence[FillRecord]]) -> list[Row]:
    """One trade in full: its review row, then each order (entry, stop, target, exit) with
    its fills, oldest first."""
    rows: list[Row] = [{"kind": "trade", **trade_review(trade)}]
    for order in orders:
        rows.append({"kind": "order", **record_row(order)})
        rows.extend({"kind": "fill", "order_id": order.id, **record_row(f)}
                    for f in fills.get(order.id, ()))
    return rows


def render(rows: Sequence[Row], columns: Sequence[str], output: Format, title: str
           ) -> str | Table:
    """``rows`` as JSON (every field), CSV (``columns``) or a Rich table (``columns``)."""
    if output == "json":
        return json.dumps(list(rows), indent=2, default=str)
    if output == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    table = Table(title=title, box=box.SIMPLE_HEAVY)
    for name in columns:
        table.add_column(name.replace("_", " "))
    for row in rows:
        table.add_row(*(_cell(row.get(name)) for name in columns))
    return table


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1 or value == 0 else f"{value:.6g}"
    if isinstance(value, str) and "T" in value and value[:4].isdigit() and len(value) > 18:
        return value[:19].replace("T", " ")  # an ISO time, shown to the second (UTC)
    return str(value)
