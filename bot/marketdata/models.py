"""Tables of the market-data history: recorded liquidations, mark prices, recording gaps,
and the periods of downloaded candles.

They live on the journal's ``Base.metadata`` (so Alembic manages them with the journal) and
store times as integer milliseconds since the epoch, UTC, as Binance sends them: millions of
mark-price rows are read back per backtest, and an integer column is several times cheaper to
load than a datetime one. Convert with ``bot.domain.from_epoch_ms`` / ``to_epoch_ms``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.journal.base import Base

_SYMBOL = 32


class RecordedLiquidationRow(Base):
    """One liquidation as a venue's stream reported it; an exact repeat is stored once.

    ``side`` is the liquidated position (``long`` for a forceOrder ``SELL``), ``price`` the
    fill price (``ap``, or ``p`` when 0), ``quantity`` the filled quantity in the base asset
    (``z``, or ``q``). ``venue`` is one of ``bot.domain.VENUES``; rows recorded before venues
    existed are Binance's. The venue is part of an event's identity (the unique key).
    """

    __tablename__ = "recorded_liquidations"
    __table_args__ = (
        UniqueConstraint("symbol", "side", "time_ms", "price", "quantity", "venue"),
        CheckConstraint("side IN ('long', 'short')", name="side"),
        Index("ix_recorded_liquidations_time_ms", "time_ms"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(_SYMBOL))
    side: Mapped[str] = mapped_column(String(8))
    time_ms: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[float] = mapped_column(Float)
    quantity: Mapped[float] = mapped_column(Float)
    venue: Mapped[str] = mapped_column(String(16), default="binance", server_default="binance")


class RecordedMarkPriceRow(Base):
    """One mark price of one symbol at one moment (the 1 s stream, or imported candles)."""

    __tablename__ = "recorded_mark_prices"

    symbol: Mapped[str] = mapped_column(String(_SYMBOL), primary_key=True)
    time_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    price: Mapped[float] = mapped_column(Float)


class RecordingSessionRow(Base):
    """One run of the recorder: when it started and when it was last known alive.

    ``last_alive_ms`` moves forward with every committed batch, so after a crash the next run
    knows exactly where the recording stopped and records the gap.
    """

    __tablename__ = "recording_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_ms: Mapped[int] = mapped_column(BigInteger)
    last_alive_ms: Mapped[int] = mapped_column(BigInteger)
    ended_ms: Mapped[int | None] = mapped_column(BigInteger)
    symbols: Mapped[str] = mapped_column(String(4000))


class RecordingGapRow(Base):
    """A period with no recording (the recorder was down, or the stream was)."""

    __tablename__ = "recording_gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    end_ms: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))


class PriceDownloadRow(Base):
    """A period whose candles were downloaded: bars of ``timeframe`` opening in
    ``[start_ms, end_ms)``, stored as mark prices (``bot data download-prices``).

    Kept because the stored prices cannot tell it: a period the exchange had no candles for
    (before a listing, an outage) holds no rows yet must not be asked for again, and
    four-point candles are indistinguishable from recorded marks. Touching ranges of one
    symbol and timeframe are merged, so the table stays a handful of rows.
    """

    __tablename__ = "price_downloads"
    __table_args__ = (Index("ix_price_downloads_symbol_timeframe", "symbol", "timeframe"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(_SYMBOL))
    timeframe: Mapped[str] = mapped_column(String(8))
    start_ms: Mapped[int] = mapped_column(BigInteger)
    end_ms: Mapped[int] = mapped_column(BigInteger)


class RecordedOpenInterestRow(Base):
    """Open interest of one symbol at one moment (Binance ``openInterestHist``, 5-minute).

    ``amount`` in base-asset units, ``value`` in USDT (``None`` when unknown). The periods
    already downloaded are kept in ``price_downloads`` under the timeframe ``oi-5m``.
    """

    __tablename__ = "recorded_open_interest"

    symbol: Mapped[str] = mapped_column(String(_SYMBOL), primary_key=True)
    time_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    amount: Mapped[float] = mapped_column(Float)
    value: Mapped[float | None] = mapped_column(Float)
