"""The live venue: real orders on Binance USDⓈ-M through ``bot.exchange``, behind the port.

* ``venue`` — ``LiveExecution``: journal-first entries with deterministic client order ids,
  market or limit, protective stop and take profit right after the fill.
* ``limit_entry`` — a GTC limit entry waited for, cancelled after its timeout.
* ``protection`` — the protective orders (ids derived from the entry's) and ``Protector``.
* ``tracking`` — ``PositionTracker``: open positions followed on the exchange (runtime
  reconciliation every poll: side, size, protective orders), exits journaled.
* ``fills`` — the exchange's fills of an order or a closing added up (price, time, fees).
* ``position_mode`` — live trading refuses an account in hedge (dual-side) mode.
* ``user_stream/`` — the user-data stream (listen key, private socket, typed events).
* ``lookup`` — an order of unknown outcome found by its client order id, never resent.
* ``guard`` — ``ExchangeGuard``: the venue's 429/418 brakes (the gateway's ``RequestGate``
  holds back every other request of the bot too).
* ``account`` — wallet and margin balance as the exchange reports them.
* ``inflight`` — entries sent but not yet settled, kept durably in the journal.
* ``journal`` — ``LiveJournal`` (idempotent writes, unsettled orders) and trades found on the
  exchange journaled.
* ``reconcile/`` — the journal and the exchange made to agree: pure rules and the reconciler.

Importing this package loads ccxt; paper mode never imports it.
"""
