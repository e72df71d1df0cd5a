"""The application: how the parts are wired together and driven.

* ``bootstrap`` — the composition root of ``bot run``: settings in, a ready ``BotRunner`` out
  (heatmap, strategy, risk, venue, journal, mark prices, the built-in simulator for ``--sim``).
* ``live`` — the live side of the composition: gateway with keys, reconciliation at start,
  the live venue, the one-screen summary before the first order.
* ``marketdata`` — the composition of the market-data commands: stores by URL, the recorder's
  stream, replay input.
* ``trading_loop`` — ``TradingLoop``: mark prices → heatmap and venue; strategy → risk →
  execution → journal; supervision, equity, health.
* ``runner`` — ``BotRunner``: the loop's jobs on APScheduler, with a clean stop.
* ``market_session`` — which market a paper account traded; never resumed into another
  (a new ``--sim`` market starts a fresh account).
* ``run_lock`` — ``RunLock``: one ``bot run`` per journal (a heartbeat row in ``bot_state``);
  a lock left by a killed bot is taken over.
* ``trade_log`` — ``TradeLog``: the journal bookkeeping of every signal, order and trade, with
  deterministic client order ids.

Only this package (and the command line above it) builds collaborators from settings; every
other package receives them through constructors.
"""
