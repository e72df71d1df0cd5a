"""Rich renderings the commands print: data in, renderable out, no I/O of their own.

* ``status`` — the live status of ``bot run`` (and how it is shown on or off a terminal).
* ``heatmap`` — one symbol's clusters as bars by strength, the mark price among them.
* ``journal`` — the summary tables (or JSON), one mode at a time.
* ``reviews`` — trades with their reasons, signals, profit by period, one trade in full: a
  table, CSV or JSON each.
* ``progress`` — a Rich progress bar on a terminal for long commands (backtest, grid).
"""
