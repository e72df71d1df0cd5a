"""Per-symbol ring buffers of liquidations in numpy arrays, with exact-repeat de-duplication.

Each symbol gets its own ``SymbolBuffer``: parallel numpy columns (trade time in ms, price,
quantity, long/short flag) holding the newest ``capacity`` events, the oldest dropped first.
Columns start small and double up to ``capacity``, so a quiet symbol costs little memory.

De-duplication: Binance events carry no id, and recorders and reconnects deliver the same
event twice, so an exact repeat (symbol, side, time, price, quantity) of an event still held is
refused; the venue is part of the identity (two venues never report one event). The index is
an open-addressing hash table of slot numbers in a compact ``array('i')`` (4 bytes per slot,
load ≤ 0.5), not a Python set of tuples, to keep a full 10,000-event buffer under 0.5 MB.
Each slot remembers where its entry sits in the table, so an evicted event is forgotten in
O(1); it leaves a tombstone that a periodic rebuild sweeps.

Thread safety: one writer and any number of readers; a per-buffer lock guards writes and
snapshots, and snapshots are copies, so readers never see a half-written event.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bot.domain import VENUES, Liquidation, to_epoch_ms

if TYPE_CHECKING:
    from bot.heatmap.parse import Row

_EMPTY = -1
_TOMBSTONE = -2
_INITIAL_CAPACITY = 256
_VENUE_CODE = {name: code for code, name in enumerate(VENUES)}


def venue_code(venue: str) -> int:
    """The storage code of ``venue`` (its index in ``bot.domain.VENUES``)."""
    return _VENUE_CODE[venue]


@dataclass(frozen=True, slots=True)
class EventColumns:
    """A copy of one symbol's held events as parallel numpy arrays (unordered).

    ``venue`` holds each event's venue code (``venue_code``); ``None`` means every event is
    Binance's (code 0), so callers that know one venue only need not build the column.
    """

    time_ms: npt.NDArray[np.int64]
    price: npt.NDArray[np.float64]
    quantity: npt.NDArray[np.float64]
    is_long: npt.NDArray[np.bool_]
    venue: npt.NDArray[np.uint8] | None = None

    def venues(self) -> npt.NDArray[np.uint8]:
        """The venue codes, zeros (Binance) when the column was not given."""
        if self.venue is None:
            return np.zeros(self.price.shape[0], np.uint8)
        return self.venue

    def __len__(self) -> int:
        return int(self.price.shape[0])

    @staticmethod
    def empty() -> EventColumns:
        """Columns with no events."""
        return EventColumns(
            np.empty(0, np.int64), np.empty(0, np.float64), np.empty(0, np.float64),
            np.empty(0, np.bool_),
        )


class SymbolBuffer:
    """Ring buffer of one symbol's newest ``capacity`` liquidations."""

    def __init__(self, capacity: int) -> None:
        """Create an empty buffer that will hold at most ``capacity`` events."""
        if capacity < 1:
            raise ValueError(f"buffer_size must be at least 1, got {capacity}")
        self._capacity = capacity
        self._lock = threading.Lock()
        self._size = 0
        self._next = 0  # slot written next once the ring is full
        self._version = 0
        self._table_stale = False
        self._allocate(min(capacity, _INITIAL_CAPACITY))

    @property
    def version(self) -> int:
        """Increases with every stored event; lets readers skip unchanged buffers."""
        return self._version

    def __len__(self) -> int:
        return self._size

    def add(self, time_ms: int, price: float, quantity: float, is_long: bool,
            venue: int = 0) -> bool:
        """Store one event; return False (and store nothing) when it is an exact repeat."""
        return self.add_rows((("", is_long, price, quantity, time_ms),), venue) == 1

    def add_rows(self, rows: Iterable[Row], venue: int = 0) -> int:
        """Store parsed rows of ``venue`` (their symbol is not read) in order, as ``add`` per
        row under one lock; returns how many were new (the rest repeated held events)."""
        stored = 0
        with self._lock:
            if self._table_stale:
                self._rebuild_table()
            # Locals: this loop runs once per streamed event.
            times, prices, quantities, longs, venues = self._views
            table, home = self._table, self._home
            for _, is_long, price, quantity, time_ms in rows:
                key_hash = hash((time_ms, price, quantity, is_long, venue))
                # Most events land on an empty bucket: skip the probe loop's call then.
                if (
                    table[key_hash & self._mask] != _EMPTY
                    and self._find(key_hash, time_ms, price, quantity, is_long, venue) >= 0
                ):
                    continue
                slot = self._size
                if slot == self._allocated and slot < self._capacity:
                    self._grow()
                    times, prices, quantities, longs, venues = self._views
                    table, home = self._table, self._home
                if slot < self._allocated:
                    self._size = slot + 1
                else:
                    slot = self._next
                    self._next = (slot + 1) % self._capacity
                    table[home[slot]] = _TOMBSTONE
                times[slot] = time_ms
                prices[slot] = price
                quantities[slot] = quantity
                longs[slot] = is_long
                venues[slot] = venue
                self._insert(key_hash, slot)
                # Tombstones lengthen probes; sweep them once the table is 3/4 used.
                if self._used * 4 > 3 * len(table):
                    self._rebuild_table()
                    table = self._table
                stored += 1
            self._version += stored
        return stored

    def add_many(self, events: EventColumns) -> int:
        """Store a batch (replays, imports) with array operations; returns how many were new.

        Same result as calling ``add`` for each event in order: exact repeats of held events
        or of earlier events of the batch are dropped, and when more remain than the buffer
        holds the oldest are dropped first. The de-duplication index is rebuilt once at the
        end rather than per event.
        """
        with self._lock:
            fresh = self._unseen(events)
            count = int(fresh.shape[0])
            if count == 0:
                return 0
            fresh = fresh[-self._capacity:]
            while self._allocated < min(self._capacity, self._size + fresh.shape[0]):
                self._grow()
            slots = self._next_slots(fresh.shape[0])
            for column, source in ((self._time, events.time_ms), (self._price, events.price),
                                   (self._quantity, events.quantity),
                                   (self._is_long, events.is_long),
                                   (self._venue, events.venues())):
                column[slots] = source[fresh]
            # The index is rebuilt when a single add next needs it: a run of batches (a
            # replay) de-duplicates with array operations and never pays for it.
            self._table_stale = True
            self._version += count
            return count

    def _unseen(self, events: EventColumns) -> npt.NDArray[np.intp]:
        """Indices (in batch order) of events neither held nor repeated earlier in the batch."""
        batch = _key_rows(events.time_ms, events.price, events.quantity, events.is_long,
                          events.venues())
        # return_index gives each distinct key's first occurrence: later repeats drop out.
        _, first = np.unique(batch, return_index=True)
        first.sort()
        size = self._size
        if size:
            held = _key_rows(self._time[:size], self._price[:size], self._quantity[:size],
                             self._is_long[:size], self._venue[:size])
            first = first[~np.isin(batch[first], held)]
        return first.astype(np.intp)

    def _next_slots(self, count: int) -> npt.NDArray[np.intp]:
        """Slots for ``count`` new events: free ones first, then the ring's oldest."""
        free = min(count, self._allocated - self._size)
        slots = np.arange(self._size, self._size + free, dtype=np.intp)
        self._size += free
        rest = count - free
        if rest:
            ring = (self._next + np.arange(rest, dtype=np.intp)) % self._capacity
            self._next = int((self._next + rest) % self._capacity)
            slots = np.concatenate((slots, ring))
        return slots

    def snapshot(self) -> EventColumns:
        """Copy the held events (in storage order, not time order)."""
        with self._lock:
            size = self._size
            return EventColumns(
                self._time[:size].copy(), self._price[:size].copy(),
                self._quantity[:size].copy(), self._is_long[:size].copy(),
                self._venue[:size].copy(),
            )

    def nbytes(self) -> int:
        """Bytes held by the columns and the de-duplication index."""
        columns = self._time.nbytes + self._price.nbytes
        columns += self._quantity.nbytes + self._is_long.nbytes + self._venue.nbytes
        index = self._table.itemsize * len(self._table) + self._home.itemsize * len(self._home)
        return columns + index

    # -- storage ---------------------------------------------------------------------------

    def _allocate(self, allocated: int) -> None:
        self._allocated = allocated
        self._time = np.zeros(allocated, np.int64)
        self._price = np.zeros(allocated, np.float64)
        self._quantity = np.zeros(allocated, np.float64)
        self._is_long = np.zeros(allocated, np.bool_)
        self._venue = np.zeros(allocated, np.uint8)
        self._home = array("i", [0]) * allocated  # table index of each slot's entry
        # Memoryviews of the columns for per-event reads and writes: a view's item access is
        # a few times cheaper than a numpy scalar's, and it writes into the same memory.
        self._views = tuple(_view(column) for column in (
            self._time, self._price, self._quantity, self._is_long, self._venue))
        self._reset_table()

    def _grow(self) -> None:
        # Only reached before the ring first wraps, so slots 0..size-1 stay in place.
        allocated = min(self._capacity, self._allocated * 2)
        old: tuple[npt.NDArray[np.generic], ...] = (
            self._time, self._price, self._quantity, self._is_long, self._venue)
        size = self._size
        self._allocate(allocated)
        new: tuple[npt.NDArray[np.generic], ...] = (
            self._time, self._price, self._quantity, self._is_long, self._venue)
        for new_column, old_column in zip(new, old, strict=True):
            new_column[:size] = old_column[:size]
        self._rebuild_table()

    # -- de-duplication index --------------------------------------------------------------

    def _reset_table(self) -> None:
        table_size = 16
        while table_size < 2 * self._allocated:
            table_size *= 2
        self._mask = table_size - 1
        self._table = array("i", [_EMPTY]) * table_size
        self._used = 0  # live entries plus tombstones

    def _rebuild_table(self) -> None:
        self._table_stale = False
        self._reset_table()
        times = self._time.tolist()
        prices = self._price.tolist()
        quantities = self._quantity.tolist()
        longs = self._is_long.tolist()
        venues = self._venue.tolist()
        for slot in range(self._size):
            key = (times[slot], prices[slot], quantities[slot], longs[slot], venues[slot])
            self._insert(hash(key), slot)

    def _find(self, key_hash: int, time_ms: int, price: float, qty: float, is_long: bool,
              venue: int) -> int:
        table, mask = self._table, self._mask
        times, prices, quantities, longs, venues = self._views
        index = key_hash & mask
        while True:
            slot = table[index]
            if slot == _EMPTY:
                return -1
            if (
                slot >= 0
                and times[slot] == time_ms
                and prices[slot] == price
                and quantities[slot] == qty
                and longs[slot] == is_long
                and venues[slot] == venue
            ):
                return slot
            index = (index + 1) & mask

    def _insert(self, key_hash: int, slot: int) -> None:
        table, mask = self._table, self._mask
        index = key_hash & mask
        while table[index] >= 0:
            index = (index + 1) & mask
        if table[index] == _EMPTY:
            self._used += 1
        table[index] = slot
        self._home[slot] = index


def _view(column: npt.NDArray[Any]) -> Any:
    """A memoryview of ``column`` (typed Any: typeshed types a view's items as int only)."""
    return column.data


def _key_rows(
    time_ms: npt.NDArray[np.int64], price: npt.NDArray[np.float64],
    quantity: npt.NDArray[np.float64], is_long: npt.NDArray[np.bool_],
    venue: npt.NDArray[np.uint8],
) -> npt.NDArray[np.void]:
    """Each event's exact identity as one opaque 26-byte value (for unique / isin)."""
    rows = np.empty(time_ms.shape[0], dtype=_KEY_DTYPE)
    rows["t"], rows["p"], rows["q"], rows["l"] = time_ms, price, quantity, is_long
    rows["v"] = venue
    return rows.view(np.dtype((np.void, _KEY_DTYPE.itemsize)))


_KEY_DTYPE = np.dtype([("t", "<i8"), ("p", "<f8"), ("q", "<f8"), ("l", "?"), ("v", "u1")])


class LiquidationStore:
    """All symbols' buffers; symbols are Binance ids such as ``BTCUSDT``."""

    def __init__(self, buffer_size: int) -> None:
        """Create an empty store keeping ``buffer_size`` events per symbol."""
        if buffer_size < 1:
            raise ValueError(f"buffer_size must be at least 1, got {buffer_size}")
        self._buffer_size = buffer_size
        self._buffers: dict[str, SymbolBuffer] = {}
        self._lock = threading.Lock()

    def add(self, liquidation: Liquidation) -> bool:
        """Store one liquidation; False when it repeats an event already held."""
        return self._buffer_of(liquidation.symbol).add(
            to_epoch_ms(liquidation.timestamp), liquidation.price, liquidation.quantity,
            liquidation.side == "long", _VENUE_CODE[liquidation.venue],
        )

    def add_rows(self, rows: Sequence[Row], venue: str) -> int:
        """Store one frame's parsed rows of ``venue``, in order; returns how many were new.

        One ``SymbolBuffer.add_rows`` call per symbol of the frame (usually one).
        """
        code = _VENUE_CODE[venue]
        first = rows[0][0]
        if len(rows) == 1 or all(row[0] == first for row in rows):
            return self._buffer_of(first).add_rows(rows, code)
        by_symbol: dict[str, list[Row]] = {}
        for row in rows:
            by_symbol.setdefault(row[0], []).append(row)
        return sum(self._buffer_of(symbol).add_rows(group, code)
                   for symbol, group in by_symbol.items())

    def add_many(self, symbol: str, events: EventColumns) -> int:
        """Store a batch of one symbol's events; returns how many were new."""
        return self._buffer_of(symbol).add_many(events)

    def _buffer_of(self, symbol: str) -> SymbolBuffer:
        buffer = self._buffers.get(symbol)
        if buffer is None:
            with self._lock:
                buffer = self._buffers.setdefault(symbol, SymbolBuffer(self._buffer_size))
        return buffer

    def buffer(self, symbol: str) -> SymbolBuffer | None:
        """The buffer of ``symbol`` (Binance id), or None if nothing was stored for it."""
        return self._buffers.get(symbol)

    def symbols(self) -> list[str]:
        """Symbols with at least one stored event."""
        return list(self._buffers)

    def snapshot(self, symbol: str) -> EventColumns:
        """Copy of one symbol's events; empty columns for an unknown symbol."""
        buffer = self._buffers.get(symbol)
        return buffer.snapshot() if buffer is not None else EventColumns.empty()

    def nbytes(self) -> int:
        """Bytes held by all buffers."""
        return sum(buffer.nbytes() for buffer in list(self._buffers.values()))
