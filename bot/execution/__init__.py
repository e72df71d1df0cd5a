"""Execution: one port, and the venues behind it.

Offers the port ``ExecutionVenue`` (what the runner calls: open, close, mark updates,
account queries) and its paper sibling ``PaperExecution`` with ``PaperConfig``; the live
sibling implements the same port. Also ``MarkPriceUnavailable`` and ``NoOpenPosition``
(members of ``bot.errors``' hierarchy) and the pure pricing rules in
``bot.execution.pricing``.

Sub-packages: ``paper/`` and ``live/``, sibling venues behind the port (``live/`` also holds
protection, tracking and reconciliation).

Paper mode can never send a real order: nothing this package imports reaches ccxt or
``bot.exchange`` (a test checks it). Keep it so: ``live/`` is imported by the composition
root from there, never re-exported here.
"""

from bot.clock import Clock
from bot.execution.errors import MarkPriceUnavailable, NoOpenPosition
from bot.execution.paper import PaperConfig, PaperExecution
from bot.execution.port import ExecutionMode, ExecutionVenue
from bot.execution.pricing import (
    ExitTrigger,
    funding_payment,
    gross_pnl,
    net_pnl,
    slipped_price,
    taker_fee,
    trigger_base_price,
    triggered_exit,
)

__all__ = [
    "Clock",
    "ExecutionMode",
    "ExecutionVenue",
    "ExitTrigger",
    "MarkPriceUnavailable",
    "NoOpenPosition",
    "PaperConfig",
    "PaperExecution",
    "funding_payment",
    "gross_pnl",
    "net_pnl",
    "slipped_price",
    "taker_fee",
    "trigger_base_price",
    "triggered_exit",
]
