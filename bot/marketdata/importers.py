"""CSV importers: recorded liquidations and candle prices into the ``HistoryStore``.

Two liquidation formats, told apart by the first line:

* the open-source recorder's (no header; ``s,S,o,f,q,p,ap,X,l,z,T``, the recorder's USD size,
  and, in ``bot data export`` files, a 13th column with the venue — files without it, as the
  recorder wrote them, are Binance's; symbols without their ``USDT`` quote), the format
  ``bot.sim.recorded`` reads;
* Binance's historical ``liquidationSnapshot`` files (header ``time,side,order_type,...``, no
  symbol column: it is in the file name, e.g. ``BTCUSDT-liquidationSnapshot-2023-01-01.csv``,
  or given). Binance publishes every row of these files twice; the store keeps one.

Prices come in as candles (``bot data import-prices``): each candle becomes four mark prices
along a plausible path (``bot.marketdata.candles``: open, the nearer extreme, the farther one,
close) so that stops and targets inside a candle can trigger in a backtest.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from bot.domain import MAX_EPOCH_MS, VENUES, to_epoch_ms
from bot.heatmap.sanity import symbol_problem, value_problem
from bot.marketdata.candles import POINTS_PER_CANDLE, Bar, candle_marks
from bot.marketdata.store import HistoryStore, LiquidationEvent
from bot.sim.recorded import RecordedRowError, restore_symbol
from bot.symbols import to_exchange_id

SNAPSHOT_HEADER = ("time", "side", "order_type", "time_in_force", "original_quantity", "price",
                   "average_price", "order_status", "last_fill_quantity",
                   "accumulated_fill_quantity")
_SNAPSHOT_NAME = re.compile(r"^([A-Z0-9]+)-liquidationSnapshot", re.IGNORECASE)
_SIDES = {"SELL": "long", "BUY": "short"}
_BATCH = 20_000
_RECORDER_FIELDS = 11
_VENUE_COLUMN = 12
# Cached: a file holds a few hundred symbols over hundreds of thousands of rows.
_restored_symbol = lru_cache(maxsize=4096)(restore_symbol)


class HistoryImportError(ValueError):
    """A file that cannot be imported; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: rows read, events new to the store, the format recognised."""

    path: str
    format: str
    rows: int
    inserted: int

    @property
    def repeats(self) -> int:
        """Rows that were already stored (or repeated within the file)."""
        return self.rows - self.inserted


def detect_format(path: Path) -> str:
    """``"snapshot"`` for Binance's liquidationSnapshot CSV, else ``"recorder"``."""
    rows = _csv_lines(path)
    try:
        first = next(rows, (0, []))[1]
    finally:
        rows.close()
    names = tuple(field.strip().lower() for field in first)
    return "snapshot" if names[:2] == SNAPSHOT_HEADER[:2] else "recorder"


def import_liquidations(store: HistoryStore, path: str | Path,
                        symbol: str | None = None) -> ImportResult:
    """Import a recorder or liquidationSnapshot CSV into ``store``.

    Args:
        store: where events go.
        path: the CSV file.
        symbol: the symbol of a liquidationSnapshot file whose name does not carry it.

    Raises:
        HistoryImportError: a malformed row, or a snapshot file of unknown symbol.
    """
    source = Path(path)
    kind = detect_format(source)
    rows = _snapshot_rows(source, symbol) if kind == "snapshot" else recorder_events(source)
    read = inserted = 0
    for batch in _batches(rows):
        read += len(batch)
        inserted += store.add_liquidations(batch)
    return ImportResult(str(source), kind, read, inserted)


def recorder_events(path: str | Path) -> Iterator[LiquidationEvent]:
    """The events of a recorder CSV, in file order, repeats included.

    The same rules as the live stream (``ForceOrder.to_liquidation``): the fill price ``ap``
    (``p`` when 0), the filled quantity ``z`` (``q`` when 0), SELL = a long liquidated.

    Raises:
        HistoryImportError: a malformed row (the message names the file and line).
    """
    for line, fields in _csv_lines(Path(path)):
        if not fields or all(not f.strip() for f in fields):
            continue
        try:
            yield _recorder_event(fields)
        except ValueError as exc:
            raise HistoryImportError(f"{path}:{line}: {exc}") from exc


def _recorder_event(fields: Sequence[str]) -> LiquidationEvent:
    # Floats straight from the text (correctly rounded, so equal to float(Decimal(text))):
    # several times faster than building the simulator's Decimal ForceOrder per row.
    if len(fields) < _RECORDER_FIELDS:
        raise ValueError(f"expected at least {_RECORDER_FIELDS} fields, got {len(fields)}")
    side = _SIDES.get(fields[1])
    if side is None:
        raise ValueError(f"side must be BUY or SELL, got {fields[1]!r}")
    quantity, price, average = float(fields[4]), float(fields[5]), float(fields[6])
    last_fill, filled = float(fields[8]), float(fields[9])  # the last fill is only checked
    if not all(map(math.isfinite, (quantity, price, average, last_fill, filled))):
        raise ValueError("price and quantity must be positive numbers, got a non-finite one")
    fill_price = average if average > 0 else price
    size = filled if filled > 0 else quantity
    if not (fill_price > 0 and size > 0):
        raise ValueError("price and quantity must be positive numbers")
    return _plausible(LiquidationEvent(_restored_symbol(fields[0]), side, int(fields[10]),
                                       fill_price, size, _venue(fields)))


def _venue(fields: Sequence[str]) -> str:
    """The venue column (the 13th) of a recorder row; Binance when absent or blank."""
    if len(fields) <= _VENUE_COLUMN or not fields[_VENUE_COLUMN].strip():
        return "binance"
    venue = fields[_VENUE_COLUMN].strip().lower()
    if venue not in VENUES:
        raise ValueError(f"venue must be one of {', '.join(VENUES)}, got {venue!r:.40}")
    return venue


def _plausible(event: LiquidationEvent) -> LiquidationEvent:
    """``event`` if it passes the stream's sanity rules (``bot.heatmap.sanity``), else raise."""
    problem = symbol_problem(event.symbol) or value_problem(event.price, event.quantity)
    if problem is not None:
        raise ValueError(f"{problem.replace('_', ' ')}: {event.symbol!r:.40} "
                         f"price {event.price!r} quantity {event.quantity!r}")
    if not 0 < event.time_ms < MAX_EPOCH_MS:
        raise ValueError(f"time out of range (1970..2100): {event.time_ms} ms")
    return event


def _snapshot_rows(path: Path, symbol: str | None) -> Iterator[LiquidationEvent]:
    name = symbol or _symbol_from_name(path)
    if name is None:
        raise HistoryImportError(f"{path}: a liquidationSnapshot file has no symbol column; "
                                 "name the file SYMBOL-liquidationSnapshot-DATE.csv or pass "
                                 "--symbol")
    try:
        exchange_id = to_exchange_id(name)
    except ValueError as exc:
        raise HistoryImportError(f"{path}: symbol {name!r:.40}: {exc}") from None
    if symbol_problem(exchange_id) is not None:
        raise HistoryImportError(f"{path}: expected a symbol such as BTCUSDT, got {name!r:.40}")
    for line, fields in _csv_lines(path):
        if line == 1 or not fields:
            continue  # the header, or a blank line
        try:
            yield _snapshot_event(exchange_id, fields)
        except (ValueError, IndexError) as exc:
            raise HistoryImportError(f"{path}:{line}: {exc}") from exc


def _snapshot_event(symbol: str, fields: Sequence[str]) -> LiquidationEvent:
    side = _SIDES.get(fields[1].strip().upper())
    if side is None:
        raise ValueError(f"side must be BUY or SELL, got {fields[1]!r}")
    original_qty, price, average = float(fields[4]), float(fields[5]), float(fields[6])
    filled = float(fields[9])
    # The stream's rule: the fill price and filled quantity, falling back to the order's own.
    fill_price = average if average > 0 else price
    quantity = filled if filled > 0 else original_qty
    if not (fill_price > 0 and quantity > 0):
        raise ValueError("price and quantity must be positive")
    return _plausible(LiquidationEvent(symbol, side, _parse_time_ms(fields[0]), fill_price,
                                       quantity))


def _symbol_from_name(path: Path) -> str | None:
    match = _SNAPSHOT_NAME.match(path.name)
    return match.group(1).upper() if match else None


def import_candles(store: HistoryStore, path: str | Path, symbol: str) -> ImportResult:
    """Import a candle CSV (``time,open,high,low,close[,...]``, header optional) as mark prices.

    ``time`` is the candle's open time, in epoch milliseconds or ISO 8601 (UTC if no zone).
    Each candle becomes four mark prices: open at its start, then the extreme nearer the
    open, the farther one, and the close just before the next candle.

    Raises:
        HistoryImportError: a malformed row.
    """
    source = Path(path)
    candles = sorted(_candle_rows(source))
    points = candle_marks(to_exchange_id(symbol), candles, _interval_ms(candles))
    inserted = 0
    for index in range(0, len(points), _BATCH):
        inserted += store.add_mark_prices(points[index:index + _BATCH])
    return ImportResult(str(source), "candles", len(candles), inserted // POINTS_PER_CANDLE)


def _candle_rows(path: Path) -> Iterator[Bar]:
    for line, fields in _csv_lines(path):
        if not fields or (line == 1 and not _is_number(fields[1] if len(fields) > 1 else "")):
            continue  # blank line or header
        try:
            start = _parse_time_ms(fields[0])
            open_, high, low, close = (float(f) for f in fields[1:5])
        except (ValueError, IndexError) as exc:
            raise HistoryImportError(f"{path}:{line}: {exc}") from exc
        if not 0 < low <= min(open_, close) <= max(open_, close) <= high:
            raise HistoryImportError(f"{path}:{line}: inconsistent candle {fields[:5]!r}")
        yield Bar(start, open_, high, low, close)


def _csv_lines(path: Path) -> Generator[tuple[int, list[str]], None, None]:
    """(line number, fields) of each row of ``path``; an unreadable file is an import error."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            yield from enumerate(csv.reader(handle), start=1)
    except UnicodeDecodeError as exc:
        raise HistoryImportError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); "
                                 "expected a CSV file") from None
    except csv.Error as exc:
        raise HistoryImportError(f"{path}: not a CSV file ({exc})") from None
    except OSError as exc:
        raise HistoryImportError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _interval_ms(candles: Sequence[Bar]) -> int:
    steps = [b[0] - a[0] for a, b in itertools.pairwise(candles) if b[0] > a[0]]
    return min(steps) if steps else 60_000


def _parse_time_ms(text: str) -> int:
    value = text.strip()
    if value.isdigit():
        number = int(value)
        # Binance's newer dumps use microseconds; milliseconds have 13 digits until 2286.
        return number // 1000 if number > 10**14 else number
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _ms(moment)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _ms(moment: datetime) -> int:
    return to_epoch_ms(moment)


def _batches(rows: Iterator[LiquidationEvent]) -> Iterator[list[LiquidationEvent]]:
    batch: list[LiquidationEvent] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


__all__ = ["HistoryImportError", "ImportResult", "RecordedRowError", "detect_format",
           "import_candles", "import_liquidations", "recorder_events"]
