"""The live venue: real orders on Binance USDⓈ-M through ``bot.exchange``, behind the port.

* ``venue`` — ``LiveExecution``: journal-first entries with deterministic client order ids,
  market or limit, protective stop and take profit right after the fill.
* ``limit_entry`` — a GTC limit entry waited for, cancelled after its timeout.
* ``protection`` — the protective orders (ids derived from the entry's) and ``Protector``.
* ``tracking`` — ``PositionTracker``: open positions followed on the exchange, exits journaled.
* ``lookup`` — an order of unknown outcome found by its client order id, never resent.
* ``guard`` — ``ExchangeGuard``: the 429/418 brakes in front of every request.
* ``account`` — balance and positions as the exchange reports them.
* ``inflight`` — entries sent but not yet settled, kept durably in the journal.
* ``journal`` — ``LiveJournal`` (idempotent writes, unsettled orders) and trades found on the
  exchange journaled.
* ``reconcile/`` — the journal and the exchange made to agree: pure rules and the reconciler.

Importing this package loads ccxt; paper mode never imports it.
"""
