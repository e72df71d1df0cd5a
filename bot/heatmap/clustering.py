"""Pure clustering of one symbol's liquidations into price clusters (no I/O, no clock).

Algorithm (all numpy, vectorised over events; the only Python loop runs over clusters):

1. Sort events by price. Each event gets a time-decay weight
   ``w = exp(-age_minutes / time_decay_minutes)`` (age measured from the ``now`` argument,
   never negative).
2. Split the sorted prices wherever two neighbours are further apart than the window
   (``high / low - 1 > cluster_window_pct``): no cluster can straddle such a gap. Segments
   with fewer than ``min_cluster_size`` events are dropped at once.
3. A segment that spans more than the window is cut into chunks: starting from its lowest
   price, the chunk may reach up to ``low × (1 + cluster_window_pct)``; if the segment goes
   on beyond that, the chunk ends at the widest gap inside its reach, so cuts fall where
   liquidations are sparsest rather than through a dense level. Every chunk therefore
   satisfies ``max(price) / min(price) - 1 <= cluster_window_pct`` and each event belongs to
   exactly one chunk. Chunks with fewer than ``min_cluster_size`` members are dropped.
4. Per cluster: ``price_level`` = mean member price weighted by notional × w;
   ``total_notional`` = Σ price × quantity (not decayed); ``long_notional`` and
   ``short_notional`` = decayed notional per liquidated side; ``side`` = the side with more
   decayed notional (ties go to the side with more raw notional, then ``long``).

Strength, in [0, 1]::

    count_score    = 1 - exp(-Σw / min_cluster_size)        # decayed member count
    notional_score = Σ(notional × w) / max over the symbol's clusters of the same sum
    strength       = 0.5 × count_score + 0.5 × notional_score

More members, more notional, or more recent members never make a cluster weaker: each term
grows with them. The notional term is relative to the symbol's biggest cluster so that
strengths compare across symbols whose sizes differ by orders of magnitude.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from bot.domain import LiquidationCluster, to_epoch_ms
from bot.heatmap.store import EventColumns

_MS_PER_MINUTE = 60_000.0

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Clustering settings; ranges as in the contract (checked on construction)."""

    cluster_window_pct: float = 0.02
    min_cluster_size: int = 5
    time_decay_minutes: float = 60.0

    def __post_init__(self) -> None:
        window, size = self.cluster_window_pct, self.min_cluster_size
        if not 0 < window <= 1:
            raise ValueError(f"cluster_window_pct: expected a fraction in (0, 1], got {window!r}")
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ValueError(
                f"min_cluster_size: expected a whole number >= 1, got {self.min_cluster_size!r}"
            )
        if not self.time_decay_minutes > 0:
            raise ValueError(
                f"time_decay_minutes: expected a positive number, got {self.time_decay_minutes!r}"
            )


def compute_clusters(
    symbol: str,
    events: EventColumns,
    *,
    now: datetime,
    current_price: float | None,
    params: ClusterParams,
    order: IntArray | None = None,
) -> list[LiquidationCluster]:
    """Cluster one symbol's events; return clusters strongest first.

    Args:
        symbol: Binance id the events belong to (copied into each cluster).
        events: the symbol's events, in any order.
        now: the moment of the computation (ages and ``last_updated`` derive from it).
        current_price: the mark price for ``distance_from_price``, or None if unknown.
        params: window, minimum size and decay.
        order: the permutation that sorts ``events.price`` (see ``price_order``), if the
            caller already has it; computed here otherwise.
    """
    if len(events) < params.min_cluster_size:
        return []
    if order is None:
        order = price_order(events.price)
    price = events.price[order]
    time_ms = events.time_ms[order]
    # Events stamped after `now` (clock skew) count as brand new, never as heavier than new.
    # float32 exp is 4x faster here and its 7 digits are plenty for a weight.
    age_ms = np.minimum(time_ms - to_epoch_ms(now), 0).astype(np.float32)
    weight = np.exp(age_ms * np.float32(1.0 / (_MS_PER_MINUTE * params.time_decay_minutes)))
    chunks = _kept_chunks(price, params.cluster_window_pct, params.min_cluster_size)
    if chunks.size == 0:
        return []
    return _summarise(
        symbol, chunks, price, events.quantity[order], weight,
        events.is_long[order], time_ms, now, current_price, params,
    )


def price_order(price: FloatArray, hint: IntArray | None = None) -> IntArray:
    """Return the permutation that sorts ``price`` ascending.

    ``hint`` is the permutation returned for the same buffer last time (slots keep their
    places; a grown buffer only appends slots). Between two refreshes only a few slots change,
    so the hinted input is nearly sorted and a stable sort finishes in close to linear time
    (about 4x faster than sorting from scratch at 10,000 events).
    """
    n = price.shape[0]
    if hint is None or hint.shape[0] > n:
        return np.argsort(price).astype(np.intp)
    if hint.shape[0] < n:
        hint = np.concatenate((hint, np.arange(hint.shape[0], n, dtype=np.intp)))
    return hint[np.argsort(price[hint], kind="stable")]


def _kept_chunks(price: FloatArray, window: float, min_size: int) -> IntArray:
    """``[start, end)`` index pairs (shape k × 2) of chunks with at least ``min_size`` members."""
    bounds = _bounds(price, window)
    keep = np.diff(bounds) >= min_size
    return np.stack([bounds[:-1][keep], bounds[1:][keep]], axis=1).astype(np.intp)


def _bounds(price: FloatArray, window: float) -> IntArray:
    """All chunk boundaries over sorted ``price``: 0, ..., n (every event in one chunk)."""
    n = price.shape[0]
    ratio = price[1:] / price[:-1] - 1.0
    breaks = np.flatnonzero(ratio > window) + 1
    seg_bounds = np.concatenate(([0], breaks, [n])).astype(np.intp)
    span = price[seg_bounds[1:] - 1] / price[seg_bounds[:-1]] - 1.0
    wide = np.flatnonzero(span > window)
    if wide.size == 0:
        return seg_bounds
    cuts: list[int] = []
    for segment in wide.tolist():
        cuts.extend(_cut_segment(price, ratio, int(seg_bounds[segment]),
                                 int(seg_bounds[segment + 1]), window))
    # Cuts lie strictly inside segments, so they never repeat a segment bound.
    return np.sort(np.concatenate((seg_bounds, np.asarray(cuts, np.intp))))


def _cut_segment(
    price: FloatArray, ratio: FloatArray, lo: int, hi: int, window: float
) -> list[int]:
    """Interior cut points of segment [lo, hi) so every chunk spans at most ``window``."""
    cuts: list[int] = []
    start = lo
    while start < hi:
        reach = int(price[start:hi].searchsorted(price[start] * (1.0 + window), "right"))
        end = start + max(reach, 1)
        # Float rounding of price × (1 + window) can admit a point the span rule refuses.
        while end - start > 1 and price[end - 1] / price[start] - 1.0 > window:
            end -= 1
        if end >= hi:
            break
        # Cut at the widest gap among (start, end]: ratio[k - 1] is the gap before index k.
        cut = start + 1 + int(ratio[start:end].argmax())
        cuts.append(cut)
        start = cut
    return cuts


def _summarise(
    symbol: str,
    chunks: IntArray,
    price: FloatArray,
    quantity: FloatArray,
    weight: FloatArray,
    is_long: npt.NDArray[np.bool_],
    time_ms: npt.NDArray[np.int64],
    now: datetime,
    current_price: float | None,
    params: ClusterParams,
) -> list[LiquidationCluster]:
    starts, ends = chunks[:, 0], chunks[:, 1]
    # reduceat over [start, end) pairs: interleave so odd slots are the gaps we discard.
    idx = chunks.ravel()
    if idx[-1] == price.shape[0]:
        idx = idx[:-1]

    def sums(values: FloatArray) -> FloatArray:
        return np.add.reduceat(values, idx)[::2]

    notional = price * quantity
    decayed = notional * weight
    decayed_long = np.where(is_long, decayed, 0.0)
    total_notional = sums(notional)
    decayed_sum = sums(decayed)
    long_sum = sums(decayed_long)
    short_sum = decayed_sum - long_sum
    raw_long = sums(np.where(is_long, notional, 0.0))
    weight_sum = sums(weight)
    weighted_price = sums(decayed * price)
    plain_price = sums(notional * price)
    newest = np.maximum.reduceat(time_ms, idx)[::2]

    level = np.where(
        decayed_sum > 0, weighted_price / np.where(decayed_sum > 0, decayed_sum, 1.0),
        plain_price / total_notional,
    )
    level = np.clip(level, price[starts], price[ends - 1])
    top = float(decayed_sum.max())
    notional_score = decayed_sum / top if top > 0 else np.zeros_like(decayed_sum)
    count_score = 1.0 - np.exp(-weight_sum / params.min_cluster_size)
    strength = np.clip(0.5 * count_score + 0.5 * notional_score, 0.0, 1.0)
    is_long_side = (long_sum > short_sum) | (
        (long_sum == short_sum) & (raw_long >= total_notional - raw_long)
    )

    ranking = np.lexsort((-total_notional, -strength))
    # Columns as Python lists: per-element numpy scalar access costs more than the math.
    cols = [
        a[ranking].tolist()
        for a in (level, is_long_side, ends - starts, total_notional, strength,
                  price[starts], price[ends - 1], long_sum, short_sum)
    ]
    # datetime64 → naive datetime in C, then tag UTC: 5x cheaper than timedelta arithmetic.
    newest_naive = newest[ranking].astype("datetime64[ms]").tolist()
    # Positional arguments in field order: this is the refresh hot path (see the benchmark).
    return [
        LiquidationCluster(
            symbol, lvl, "long" if long_side else "short", count, notional_i, strength_i,
            distance_pct(lvl, current_price), now, low, high, long_i, short_i,
            newest_i.replace(tzinfo=UTC),
        )
        for lvl, long_side, count, notional_i, strength_i, low, high, long_i, short_i, newest_i
        in zip(*cols, newest_naive, strict=True)
    ]


def distance_pct(price_level: float, current_price: float | None) -> float | None:
    """Signed distance in percent, ``(price_level / current_price - 1) * 100``; None if unknown."""
    if current_price is None or not current_price > 0:
        return None
    return (price_level / current_price - 1.0) * 100.0
