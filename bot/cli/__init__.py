"""The ``bot`` command line: Typer commands by group, and the Rich views they print.

* ``app`` — the root Typer app (``bot run``, ``bot sim``, ``bot heatmap``) and ``main``, the
  console script's entry point; it registers the groups below.
* ``journal`` — ``bot journal [summary]``, ``bot db upgrade``, ``bot config show``.
* ``data`` — ``bot record``, ``bot data import|export|import-prices|download-prices``,
  ``bot replay``, ``bot backtest``.
* ``live`` — ``bot reconcile``.
* ``backtest`` / ``replay`` / ``heatmap`` — the work behind ``bot backtest``, ``bot replay``
  and ``bot heatmap`` once their arguments are parsed.
* ``startup`` — what every command does first: settings, logging, the stop signal.
* ``views/`` — pure Rich renderings: the live status, the heatmap, journal tables.

Commands parse arguments and hand over; no trading logic lives here. Expected errors print
one line and exit non-zero (2 for usage and configuration).
"""

from bot.cli.app import app, main

__all__ = ["app", "main"]
