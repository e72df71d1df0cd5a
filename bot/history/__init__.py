"""Market-data history: record, import, export, replay and backtest.

Modules (imported directly; this package imports only its table models so that the journal's
metadata can include them without pulling in the trading machinery):

* ``models`` — the tables: recorded liquidations, mark prices, recording sessions and gaps,
  downloaded candle periods.
* ``store`` — ``HistoryStore``: batched, de-duplicated writes and time-range reads.
* ``recorder`` — ``Recorder``: the live stream into the store, resumable, gaps recorded.
* ``importers`` / ``exporter`` — CSV in (recorder, Binance ``liquidationSnapshot``, candles)
  and out; ``candles`` — candles as mark prices.
* ``downloads`` — candles from the exchange into the store, cached per period.
* ``clock`` — ``ManualClock``, the simulated clock.
* ``replay`` — recorded events through a heatmap as if live.
* ``prices`` — ``RecordedMarkPrices``, a ``MarkPriceSource`` over recorded prices.
* ``backtest`` / ``grid`` / ``report`` / ``png`` — the backtest engine, parameter grids, the
  report and its equity-curve PNG.
"""

from bot.history.models import (
    PriceDownloadRow,
    RecordedLiquidationRow,
    RecordedMarkPriceRow,
    RecordingGapRow,
    RecordingSessionRow,
)

__all__ = [
    "PriceDownloadRow",
    "RecordedLiquidationRow",
    "RecordedMarkPriceRow",
    "RecordingGapRow",
    "RecordingSessionRow",
]
