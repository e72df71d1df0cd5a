"""The backtester: the live trading loop run on a simulated clock over recorded market data.

* ``engine`` — ``BacktestEngine``: the same heatmap, strategy, risk engine and paper venue as
  ``bot run``, fed only what happened before each tick; ``BacktestRun`` its result.
* ``runs`` — one backtest from settings and a period, journaled in mode ``backtest``.
* ``grid`` — parameter grids over both cores, ranked.
* ``trade_log`` — ``BacktestTradeLog``: journals what a review needs, counts the refusals.
* ``report`` — figures as text and JSON; ``chart`` — the equity and drawdown PNG.
"""
