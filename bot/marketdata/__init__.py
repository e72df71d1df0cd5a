"""Recorded market data: liquidations and mark prices kept, imported, exported and replayed.

* ``models`` — the tables (recorded liquidations, mark prices, recording sessions and gaps,
  downloaded candle periods), registered on the journal's declarative base.
* ``store`` — ``HistoryStore``: batched, de-duplicated writes and time-range reads.
* ``columns`` — stored events read as numpy columns per symbol (the bulk paths).
* ``recorder`` — ``Recorder``: the live stream into the store, resumable, gaps recorded.
* ``importers`` / ``exporter`` — CSV in (recorder, Binance ``liquidationSnapshot``, candles)
  and out; ``candles`` — candles as mark prices.
* ``downloads`` — candles from the exchange into the store, cached per period.
* ``open_interest`` — 5-minute open interest: its store, ``bot data download-oi`` (cached
  per period), and the bars a backtest feeds the projected levels (never past its clock).
* ``prices`` — ``RecordedMarkPrices``, a mark-price source over recorded prices.
* ``replay`` — recorded events through a heatmap as if live, event by event or in bulk.
"""
