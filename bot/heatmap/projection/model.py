"""``ProjectionModel``: open interest turned into the levels where positions would be liquidated.

Rules, per symbol, bar by bar (bars are 5-minute open-interest intervals with their candle):

1. **Opening.** An increase of open interest ``ΔOI > 0`` (base asset) opens positions worth
   ``ΔOI × P`` at the bar's typical price ``P = (high + low + close) / 3``. The long share is
   the bar's taker-buy share of volume when known, else ``0.5 + 0.5 × (close − open) /
   (high − low)`` (an up bar was bought by takers), clipped to [0, 1]; shorts take the rest.
2. **Leverage.** Each side's notional is spread over a ``LeverageMix`` (by default 5×, 10×,
   25×, 50×, 100× with 15/30/25/20/10 %), each placed at Binance's isolated liquidation price
   (``liquidation.liquidation_prices``) for a position of ``position_notional`` USD (which
   picks the bracket: the crowd is many positions, not one of the whole ``ΔOI``).
3. **Closing.** A decrease ``ΔOI < 0`` shrinks every outstanding level by the same factor
   ``OI_after / OI_before`` (nothing tells which positions closed); open interest gone to
   zero leaves no level.
4. **Consumption.** A level the price trades through is gone: a long level once a later
   bar's low reaches it, a short level once a later bar's high does (also by ``consume`` with
   live prices). A level is never consumed by the bar that opened it.

Outstanding levels are kept on a log-price grid (``bucket_pct``, 0.05 % by default): levels of
one side in one bucket merge, their notional summed and their opening time notional-weighted,
so memory stays bounded whatever the history's length. Long levels whose formula falls to 0
(too little leverage to be liquidated) are dropped. Everything is vectorised per update; the
same bars in the same order always give the same levels (no clock, no randomness).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import numpy.typing as npt

from bot.heatmap.projection.brackets import DEFAULT_BRACKETS, GENERIC_BRACKETS, BracketTable
from bot.heatmap.store import EventColumns

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class OpenInterestBar:
    """One interval: open interest at its end (base asset) and the interval's candle.

    ``taker_buy_ratio`` is taker buy volume ÷ total volume of the interval, when known.
    """

    time_ms: int
    open_interest: float
    open: float
    high: float
    low: float
    close: float
    taker_buy_ratio: float | None = None


@dataclass(frozen=True, slots=True)
class BarColumns:
    """Open-interest bars as parallel arrays in time order (``taker_buy_ratio`` NaN where
    unknown)."""

    time_ms: IntArray
    open_interest: FloatArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    taker_buy_ratio: FloatArray

    def __len__(self) -> int:
        return int(self.time_ms.shape[0])

    @staticmethod
    def of(bars: Sequence[OpenInterestBar]) -> BarColumns:
        """Columns of ``bars``."""
        def column(values: list[float]) -> FloatArray:
            return np.array(values, dtype=np.float64)

        return BarColumns(
            np.array([b.time_ms for b in bars], dtype=np.int64),
            column([b.open_interest for b in bars]), column([b.open for b in bars]),
            column([b.high for b in bars]), column([b.low for b in bars]),
            column([b.close for b in bars]),
            column([np.nan if b.taker_buy_ratio is None else b.taker_buy_ratio for b in bars]),
        )

    def rows(self, start: int, stop: int | None = None) -> BarColumns:
        """The bars from index ``start`` up to (not including) ``stop``."""
        return BarColumns(*(getattr(self, f.name)[start:stop] for f in fields(self)))

    def after(self, time_ms: int) -> BarColumns:
        """The bars strictly newer than ``time_ms``."""
        return self.rows(int(np.searchsorted(self.time_ms, time_ms, side="right")))


@dataclass(frozen=True, slots=True)
class LeverageMix:
    """How new positions spread over leverage: ``weights[i]`` of the notional at
    ``leverages[i]``.

    Raises:
        ValueError: empty, mismatched, a leverage below 1, a negative weight, or weights
            that do not sum to 1.
    """

    leverages: tuple[float, ...] = (5.0, 10.0, 25.0, 50.0, 100.0)
    weights: tuple[float, ...] = (0.15, 0.30, 0.25, 0.20, 0.10)

    def __post_init__(self) -> None:
        if not self.leverages or len(self.leverages) != len(self.weights):
            raise ValueError("leverage mix: one weight per leverage, at least one")
        if any(not 1 <= lev <= 125 for lev in self.leverages):
            raise ValueError(f"leverage mix: leverages must be in [1, 125], got {self.leverages}")
        if any(w < 0 for w in self.weights) or not math.isclose(sum(self.weights), 1.0):
            raise ValueError(f"leverage mix: weights must be >= 0 and sum to 1, got {self.weights}")


DEFAULT_LEVERAGE_MIX = LeverageMix()


@dataclass(frozen=True, slots=True)
class ProjectedLevels:
    """One symbol's outstanding levels as parallel arrays, sorted by price."""

    price: FloatArray
    notional: FloatArray
    is_long: BoolArray
    time_ms: IntArray

    def __len__(self) -> int:
        return int(self.price.shape[0])

    def to_event_columns(self) -> EventColumns:
        """The levels as the clustering's input: each level one event of ``notional / price``
        base units, liquidating its side, dated when its positions opened."""
        return EventColumns(self.time_ms.copy(), self.price.copy(), self.notional / self.price,
                            self.is_long.copy())


@dataclass(slots=True)
class _SymbolState:
    """Outstanding levels of one symbol on the bucket grid, and the last bar seen."""

    bucket: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    is_long: BoolArray = field(default_factory=lambda: np.empty(0, np.bool_))
    notional: FloatArray = field(default_factory=lambda: np.empty(0, np.float64))
    weighted_time: FloatArray = field(default_factory=lambda: np.empty(0, np.float64))
    last_time_ms: int | None = None
    last_open_interest: float | None = None


class ProjectionModel:
    """Projected liquidation levels per symbol, fed open-interest bars in time order.

    Args:
        mix: how new positions spread over leverage.
        brackets: bracket tables by symbol (Binance ids); others use ``fallback_brackets``.
        fallback_brackets: the table of any symbol without its own.
        position_notional: USD size of one typical position (picks its bracket).
        bucket_pct: width of the price grid levels merge on, in percent.
    """

    def __init__(self, *, mix: LeverageMix = DEFAULT_LEVERAGE_MIX,
                 brackets: Mapping[str, BracketTable] = DEFAULT_BRACKETS,
                 fallback_brackets: BracketTable = GENERIC_BRACKETS,
                 position_notional: float = 10_000.0, bucket_pct: float = 0.05) -> None:
        """Validate the settings; no symbol is known yet."""
        if not position_notional > 0 or not 0 < bucket_pct < 10:
            raise ValueError("position_notional must be > 0 and bucket_pct in (0, 10)")
        self._mix = mix
        self._leverage = np.array(mix.leverages, dtype=np.float64)
        self._weight = np.array(mix.weights, dtype=np.float64)
        self._brackets = dict(brackets)
        self._fallback = fallback_brackets
        self._position_notional = position_notional
        self._log_step = math.log1p(bucket_pct / 100)
        self._states: dict[str, _SymbolState] = {}

    def symbols(self) -> list[str]:
        """Symbols with any bar seen, sorted."""
        return sorted(self._states)

    def last_time_ms(self, symbol: str) -> int | None:
        """Time of the newest bar applied for ``symbol`` (``None`` before any)."""
        state = self._states.get(symbol)
        return None if state is None else state.last_time_ms

    def update(self, symbol: str, bars: Sequence[OpenInterestBar]) -> int:
        """Apply the bars of ``symbol`` newer than the last one applied; returns how many.

        Bars must be in time order; older or repeated ones are skipped, so feeding an
        overlapping window again changes nothing. The very first bar of a symbol only sets
        the open-interest baseline.
        """
        return self.update_columns(symbol, BarColumns.of(bars))

    def update_columns(self, symbol: str, bars: BarColumns) -> int:
        """``update`` with the bars already as columns (the bulk paths: warm start, backtest)."""
        state = self._states.setdefault(symbol, _SymbolState())
        if state.last_time_ms is not None:
            bars = bars.after(state.last_time_ms)
        count = len(bars)
        if not count:
            return 0
        previous = state.last_open_interest
        applied = bars
        if previous is None:
            previous = float(bars.open_interest[0])
            applied = bars.rows(1)
        if len(applied):
            self._apply(symbol, state, applied, previous)
        state.last_time_ms = int(bars.time_ms[-1])
        state.last_open_interest = float(bars.open_interest[-1])
        return count

    def consume(self, symbol: str, low: float, high: float | None = None) -> int:
        """Remove the levels a price range has traded through (a live mark: ``low == high``);
        returns how many went."""
        state = self._states.get(symbol)
        if state is None or not state.bucket.shape[0]:
            return 0
        top = low if high is None else high
        price = self._price(state.bucket)
        keep = np.where(state.is_long, price < low, price > top)
        _keep(state, keep)
        return int(keep.shape[0] - np.count_nonzero(keep))

    def levels(self, symbol: str) -> ProjectedLevels:
        """The outstanding levels of ``symbol``, sorted by price (empty when unknown)."""
        state = self._states.get(symbol)
        if state is None or not state.bucket.shape[0]:
            return ProjectedLevels(np.empty(0), np.empty(0), np.empty(0, np.bool_),
                                   np.empty(0, np.int64))
        price = self._price(state.bucket)
        order = np.argsort(price, kind="stable")
        time_ms = np.rint(state.weighted_time[order] / state.notional[order]).astype(np.int64)
        return ProjectedLevels(price[order], state.notional[order].copy(),
                               state.is_long[order].copy(), time_ms)

    def _apply(self, symbol: str, state: _SymbolState, bars: BarColumns,
               previous: float) -> None:
        """One vectorised step over ``bars`` (all newer than the state)."""
        oi = bars.open_interest
        before = np.concatenate(([previous], oi[:-1]))
        delta = oi - before
        shrink = np.where(delta < 0, np.clip(oi, 0.0, None) / np.maximum(before, 1e-300), 1.0)
        survive = np.cumprod(shrink[::-1])[::-1]  # survive[i]: product over bars i..end
        after = np.append(survive[1:], 1.0)  # what a level opened at bar i keeps at the end
        suffix_low = np.append(np.minimum.accumulate(bars.low[::-1])[::-1][1:], np.inf)
        suffix_high = np.append(np.maximum.accumulate(bars.high[::-1])[::-1][1:], -np.inf)
        # Levels already outstanding: every bar of this step can consume and shrink them.
        if state.bucket.shape[0]:
            price = self._price(state.bucket)
            keep = np.where(state.is_long, price < bars.low.min(),
                            price > bars.high.max())
            _keep(state, keep)
            state.notional *= survive[0]
            state.weighted_time *= survive[0]
            # Open interest gone to zero leaves nothing at risk: drop the emptied levels, as
            # new levels of no notional are never added (and their time would be 0 / 0).
            if survive[0] < 1.0:
                _keep(state, state.notional > 0)
        self._open(symbol, state, bars, delta, after, suffix_low, suffix_high)

    def _open(self, symbol: str, state: _SymbolState, bars: BarColumns,
              delta: FloatArray, after: FloatArray, suffix_low: FloatArray,
              suffix_high: FloatArray) -> None:
        """Add the levels the open-interest increases of this step opened.

        Arrays are (rising bars × leverage tiers); every position is ``position_notional``
        USD, so one bracket (one MMR and ``cum``) serves them all.
        """
        rising = np.flatnonzero(delta > 0)
        if not rising.shape[0]:
            return
        typical = (bars.high[rising] + bars.low[rising] + bars.close[rising]) / 3
        opened = delta[rising] * after[rising]
        long_share = _long_share(bars, rising)
        bracket = self._brackets.get(symbol, self._fallback).for_notional(
            self._position_notional)
        mmr, per_unit = bracket.maint_margin_ratio, bracket.cum / self._position_notional
        inverse = 1.0 / self._leverage
        # liquidation.liquidation_prices with Q = position_notional / EP: cum/Q = cum·EP/N
        parts = [
            self._side_levels(True, typical, (1.0 - inverse) - per_unit, 1.0 - mmr,
                              opened, long_share, suffix_low[rising], bars.time_ms[rising]),
            self._side_levels(False, typical, (1.0 + inverse) + per_unit, 1.0 + mmr,
                              opened, 1.0 - long_share, suffix_high[rising],
                              bars.time_ms[rising])]
        self._merge(state, *(np.concatenate(column) for column in zip(*parts, strict=True)))

    def _side_levels(self, is_long: bool, typical: FloatArray, factor: FloatArray,
                     divisor: float, opened: FloatArray, share: FloatArray,
                     reach: FloatArray, time_ms: IntArray,
                     ) -> tuple[IntArray, BoolArray, FloatArray, FloatArray]:
        """One side's surviving new levels as (bucket, side, notional, notional × time), in
        (bar, tier) order; ``typical · factor / divisor`` is each tier's exact price and
        ``reach`` the lowest low (longs) or highest high (shorts) after each bar."""
        slack = np.exp(self._log_step)
        # A bar none of whose tiers can outlive the later prices is skipped before the
        # (bar × tier) arrays are built. The test uses the tier nearest to surviving (the
        # lowest price for longs, the highest for shorts): rounding is monotonic, so when
        # that tier fails every tier does, and the survivors are exactly those of the full
        # arrays (the same operations on the same elements, in the same order).
        if divisor > 0:
            edge = typical * (factor.min() if is_long else factor.max()) / divisor
            hopeful = ~(typical > 0) | (edge < reach * slack if is_long
                                        else edge * slack > reach)
            rows = np.flatnonzero(hopeful)
            typical, opened, share = typical[rows], opened[rows], share[rows]
            reach, time_ms = reach[rows], time_ms[rows]
        exact = typical[:, None] * factor / divisor
        # Judged on the grid price, as held levels are, so that one batch of bars and the
        # same bars one at a time leave the same levels; the loose test on the exact price
        # first keeps the logarithms to the few that may survive.
        reach_2d = reach[:, None]
        near = (exact > 0) & (exact < reach_2d * slack if is_long else exact * slack > reach_2d)
        flat = np.flatnonzero(near)
        row, tier = np.divmod(flat, exact.shape[1])
        # Notional only where a level may survive: the same products, element by element,
        # as over the whole (bar × tier) array.
        notional = (opened[row] * typical[row] * self._weight[tier]) * share[row]
        bucket = self._bucket(exact.reshape(-1)[flat])
        price = self._price(bucket)
        alive = np.flatnonzero((notional > 0) & (price < reach[row] if is_long
                                                 else price > reach[row]))
        kept = notional[alive]
        return (bucket[alive], np.full(kept.shape[0], is_long), kept,
                kept * time_ms[row[alive]])

    def _merge(self, state: _SymbolState, bucket: IntArray, is_long: BoolArray,
               notional: FloatArray, weighted_time: FloatArray) -> None:
        """Fold new levels into the state, one entry per (bucket, side)."""
        keys = np.concatenate((state.bucket * 2 + state.is_long, bucket * 2 + is_long))
        if not keys.shape[0]:
            return
        lowest = int(keys.min())
        span = int(keys.max()) - lowest + 1
        if span <= 4 * keys.shape[0] + 4096:
            # Keys of one symbol span a narrow price range: counting over that range finds
            # the distinct keys without np.unique's sort. Both ways bincount adds each key's
            # values in input order, so the sums are the same to the bit.
            inverse = keys - lowest
            present = np.flatnonzero(np.bincount(inverse, minlength=span))
            unique = present + lowest
        else:
            unique, inverse = np.unique(keys, return_inverse=True)
            present = None
        # bincount with weights sums as float64 (numpy's stubs say intp)
        notional_sum = np.bincount(inverse, np.concatenate((state.notional, notional)))
        time_sum = np.bincount(inverse, np.concatenate((state.weighted_time, weighted_time)))
        if present is not None:
            notional_sum, time_sum = notional_sum[present], time_sum[present]
        state.notional = np.asarray(notional_sum, np.float64)
        state.weighted_time = np.asarray(time_sum, np.float64)
        state.bucket = unique // 2
        state.is_long = (unique % 2).astype(np.bool_)

    def _bucket(self, price: FloatArray) -> IntArray:
        return np.floor(np.log(price) / self._log_step).astype(np.int64)

    def _price(self, bucket: IntArray) -> FloatArray:
        """A bucket's representative price: its geometric middle."""
        if bucket.shape[0] > 64:
            lowest = int(bucket.min())
            span = int(bucket.max()) - lowest + 1
            if span < bucket.shape[0]:
                # Many levels share few buckets: one exponential per bucket of the range.
                grid = np.arange(lowest, lowest + span, dtype=np.int64)
                return self._price(grid)[bucket - lowest]
        return np.exp((bucket.astype(np.float64) + 0.5) * self._log_step)


def _long_share(bars: BarColumns, rows: IntArray) -> FloatArray:
    """The share of new open interest taken by longs (rule 1 of the module docstring)."""
    span = bars.high[rows] - bars.low[rows]
    body = bars.close[rows] - bars.open[rows]
    by_candle = 0.5 + 0.5 * np.divide(body, span, out=np.zeros_like(body), where=span > 0)
    ratio = bars.taker_buy_ratio[rows]
    return np.clip(np.where(np.isnan(ratio), by_candle, ratio), 0.0, 1.0)


def _keep(state: _SymbolState, keep: BoolArray) -> None:
    state.bucket = state.bucket[keep]
    state.is_long = state.is_long[keep]
    state.notional = state.notional[keep]
    state.weighted_time = state.weighted_time[keep]
