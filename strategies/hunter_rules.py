"""The liquidation hunter's rules as pure functions, so each can be table-tested alone.

Units: every ``*_pct`` is a percentage (``3.5`` means 3.5 %), every price is quote currency
per base unit. Distances are always measured from the price given by the caller to the
cluster's ``price_level``; the cluster's own ``distance_from_price`` is never used because it
may be ``None`` (no price known to the heatmap) or computed against an older price.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from bot.domain import LiquidationCluster, PositionSide
from strategies.base import OpenPosition

ClusterSourceName = Literal["realized", "projected", "both"]
CLUSTER_SOURCES: tuple[ClusterSourceName, ...] = ("realized", "projected", "both")

# Percent comparisons are made with this slack so that a cluster exactly "10 %" away is not
# refused because binary floating point puts it at 10.000000000000002 %.
_PCT_TOLERANCE = 1e-9


class ExitReason(StrEnum):
    """Why the hunter closes a position (the ``ExitIntent.reason`` journalled)."""

    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    REACHED_CLUSTER = "reached_cluster"


@dataclass(frozen=True, slots=True)
class HunterParams:
    """The hunter's thresholds; the defaults are the seed guide's values.

    Attributes:
        min_strength: A cluster needs at least this strength (0..1) to be a candidate.
        max_distance_pct: A candidate lies at most this many percent from the price.
        optimal_distance_pct: Distance (percent) scoring 1; the score reaches 0 at 0 and at
            twice this distance.
        strength_weight: Weight of the cluster's strength in the candidate score.
        distance_weight: Weight of the distance score in the candidate score.
        stop_loss_pct: Stop this many percent against the entry.
        take_profit_pct: Take profit at most this many percent in favour of the entry.
        target_buffer_pct: Take profit no later than this many percent before the cluster.
        exit_near_cluster_pct: Close once the price is within this many percent of the cluster.
        min_reward_pct: No entry whose take profit lies less than this many percent from the
            entry (not a seed rule: a target inside the round-trip fees and slippage is a
            sure loss even when it is hit).
        min_reward_risk: No entry whose take-profit distance is less than this multiple of
            its stop distance (``0`` turns the gate off). A 3 % stop beside a 0.7 % target
            needs over 80 % winners to break even.
        cluster_source: What the hunter trades toward: ``realized`` clusters (the seed's),
            ``projected`` levels, or ``both`` (see :func:`combine_layers`).
        coincidence_pct: With ``both``, a projected level and a realised cluster of the same
            side whose price levels are at most this many percent apart coincide.
    """

    min_strength: float = 0.6
    max_distance_pct: float = 10.0
    optimal_distance_pct: float = 3.5
    strength_weight: float = 0.7
    distance_weight: float = 0.3
    stop_loss_pct: float = 3.0
    take_profit_pct: float = 5.0
    target_buffer_pct: float = 0.5
    exit_near_cluster_pct: float = 0.5
    min_reward_pct: float = 0.3
    min_reward_risk: float = 1.0
    cluster_source: ClusterSourceName = "realized"
    coincidence_pct: float = 0.5

    def __post_init__(self) -> None:
        _check_range("min_reward_pct", self.min_reward_pct, low=0.0)
        _check_range("min_reward_risk", self.min_reward_risk, low=0.0)
        _check_range("coincidence_pct", self.coincidence_pct, low=0.0)
        if self.cluster_source not in CLUSTER_SOURCES:
            raise ValueError(f"cluster_source: expected one of {', '.join(CLUSTER_SOURCES)}, "
                             f"got {self.cluster_source!r}")
        _check_range("min_strength", self.min_strength, low=0.0, high=1.0)
        _check_range("max_distance_pct", self.max_distance_pct, low=0.0, strict_low=True)
        _check_range("optimal_distance_pct", self.optimal_distance_pct, low=0.0, strict_low=True)
        _check_range("strength_weight", self.strength_weight, low=0.0)
        _check_range("distance_weight", self.distance_weight, low=0.0)
        if self.strength_weight + self.distance_weight == 0:
            raise ValueError("strength_weight and distance_weight: at least one must be > 0")
        # A stop 100 % away would put a long's stop at price 0, a buffer of 100 % the target.
        _check_range(
            "stop_loss_pct",
            self.stop_loss_pct,
            low=0.0,
            high=100.0,
            strict_low=True,
            strict_high=True,
        )
        _check_range("take_profit_pct", self.take_profit_pct, low=0.0, strict_low=True)
        _check_range(
            "target_buffer_pct", self.target_buffer_pct, low=0.0, high=100.0, strict_high=True
        )
        _check_range("exit_near_cluster_pct", self.exit_near_cluster_pct, low=0.0)


def _check_range(
    name: str,
    value: float,
    *,
    low: float,
    high: float = math.inf,
    strict_low: bool = False,
    strict_high: bool = False,
) -> None:
    too_low = value <= low if strict_low else value < low
    too_high = value >= high if strict_high else value > high
    if not math.isfinite(value) or too_low or too_high:
        bound = f"{'>' if strict_low else '>='} {low}"
        if not math.isinf(high):
            bound += f" and {'<' if strict_high else '<='} {high}"
        raise ValueError(f"{name}: expected a finite number {bound}, got {value!r}")


@dataclass(frozen=True, slots=True)
class Target:
    """The cluster chosen to trade toward, with the numbers that chose it.

    Attributes:
        cluster: The target cluster, as the heatmap returned it.
        direction: ``1`` long (cluster above), ``-1`` short (cluster below).
        distance_pct: Unsigned distance from the price to the cluster, in percent.
        score: The candidate score that won (see :func:`candidate_score`).
        strength: The signal strength (see :func:`signal_strength`).
    """

    cluster: LiquidationCluster
    direction: int
    distance_pct: float
    score: float
    strength: float

    @property
    def side(self) -> PositionSide:
        """The position side that trades toward the cluster."""
        return PositionSide.LONG if self.direction > 0 else PositionSide.SHORT


@dataclass(frozen=True, slots=True)
class ExitLevels:
    """Stop and take-profit prices for one entry."""

    stop_price: float
    take_profit_price: float


def distance_pct(price_level: float, current_price: float) -> float:
    """Unsigned distance from ``current_price`` to ``price_level`` in percent.

    ``|price_level − current_price| / current_price × 100``. Written as a difference over the
    price (not ``level / price − 1``) because it is exact for round numbers: 110 vs 100 gives
    exactly 10.0.
    """
    return abs(price_level - current_price) / current_price * 100.0


def trade_direction(cluster: LiquidationCluster, current_price: float) -> int:
    """Which way a trade toward ``cluster`` would go, or 0 if it lies on the wrong side.

    Short liquidations above the price pull it up: ``1`` (long). Long liquidations below the
    price pull it down: ``-1`` (short). Anything else (long liquidations above, short ones
    below, or a cluster exactly at the price) is not tradable: ``0``.
    """
    if cluster.side == "short" and cluster.price_level > current_price:
        return 1
    if cluster.side == "long" and cluster.price_level < current_price:
        return -1
    return 0


def is_candidate(cluster: LiquidationCluster, current_price: float, params: HunterParams) -> bool:
    """True when ``cluster`` may be traded: strong enough, tradable side, near enough.

    Conditions: ``cluster.strength ≥ min_strength``, :func:`trade_direction` is not 0, and
    :func:`distance_pct` ``≤ max_distance_pct``.
    """
    if cluster.strength < params.min_strength:
        return False
    if trade_direction(cluster, current_price) == 0:
        return False
    distance = distance_pct(cluster.price_level, current_price)
    return distance <= params.max_distance_pct + _PCT_TOLERANCE


def distance_score(distance: float, optimal_distance_pct: float) -> float:
    """Score a distance (percent): 1 at the optimum, falling linearly to 0 at 0 and 2×optimum.

    ``max(0, 1 − |distance − optimal| / optimal)``: with the default optimum of 3.5 % it is 0 at
    0 %, 1 at 3.5 %, 0 at 7 % and 0 beyond.
    """
    return max(0.0, 1.0 - abs(distance - optimal_distance_pct) / optimal_distance_pct)


def candidate_score(strength: float, dist_score: float, params: HunterParams) -> float:
    """Rank a candidate: ``strength_weight × strength + distance_weight × distance_score``.

    With the defaults, ``0.7 × strength + 0.3 × distance_score``.
    """
    return params.strength_weight * strength + params.distance_weight * dist_score


def signal_strength(cluster_strength: float, distance: float, max_distance_pct: float) -> float:
    """The signal's strength: ``cluster_strength × (1 − distance / max_distance)``.

    Clamped to [0, 1] so that a distance beyond the maximum, or a cluster strength outside
    0..1 from a misbehaving source, still gives a strength in range.
    """
    raw = cluster_strength * (1.0 - distance / max_distance_pct)
    return min(1.0, max(0.0, raw))


def select_target(
    clusters: Sequence[LiquidationCluster], current_price: float, params: HunterParams
) -> Target | None:
    """Pick the candidate with the highest :func:`candidate_score`, or ``None``.

    Ties go to the cluster listed first (the heatmap lists the strongest first).

    Args:
        clusters: The symbol's clusters as the heatmap returned them.
        current_price: The price distances are measured from (> 0).
        params: The thresholds.
    """
    best: Target | None = None
    for cluster in clusters:
        if not is_candidate(cluster, current_price, params):
            continue
        distance = distance_pct(cluster.price_level, current_price)
        score = candidate_score(
            cluster.strength, distance_score(distance, params.optimal_distance_pct), params
        )
        if best is None or score > best.score:
            best = Target(
                cluster=cluster,
                direction=trade_direction(cluster, current_price),
                distance_pct=distance,
                score=score,
                strength=signal_strength(cluster.strength, distance, params.max_distance_pct),
            )
    return best


def exit_levels(
    side: PositionSide, entry_price: float, cluster_price: float, params: HunterParams
) -> ExitLevels:
    """Stop and take-profit prices for an entry toward a cluster.

    Stop: ``stop_loss_pct`` against the entry, ``entry × (1 − sign × stop_loss_pct / 100)``.
    Take profit: whichever is nearer to the entry of ``take_profit_pct`` in favour,
    ``entry × (1 + sign × take_profit_pct / 100)``, and ``target_buffer_pct`` before the
    cluster on the entry's side, ``cluster × (1 − sign × target_buffer_pct / 100)``; ``sign`` is
    +1 for long and −1 for short.

    Args:
        side: The position's side.
        entry_price: The (expected) entry price.
        cluster_price: The target cluster's price level.
        params: The thresholds.
    """
    sign = side.sign
    stop = entry_price * (1.0 - sign * params.stop_loss_pct / 100.0)
    fixed = entry_price * (1.0 + sign * params.take_profit_pct / 100.0)
    before_cluster = cluster_price * (1.0 - sign * params.target_buffer_pct / 100.0)
    take_profit = min(fixed, before_cluster) if sign > 0 else max(fixed, before_cluster)
    return ExitLevels(stop_price=stop, take_profit_price=take_profit)


def reward_risk_refusal(levels: ExitLevels, entry_price: float,
                        params: HunterParams) -> str | None:
    """Why an entry with these exits is not worth its risk, or ``None`` when it is.

    Refused when ``min_reward_risk`` is set (above 0) and take-profit distance ÷ stop
    distance is below it. The text is what the journal records as the refusal reason.
    """
    if params.min_reward_risk <= 0:
        return None
    reward_pct = abs(levels.take_profit_price / entry_price - 1.0) * 100.0
    risk_pct = abs(entry_price - levels.stop_price) / entry_price * 100.0
    ratio = reward_pct / risk_pct if risk_pct > 0 else math.inf
    if ratio < params.min_reward_risk - _PCT_TOLERANCE:
        return (f"min_reward_risk: take profit {reward_pct:.2f} % away against a stop "
                f"{risk_pct:.2f} % away is {ratio:.2f}, below {params.min_reward_risk:g}")
    return None


def combine_layers(realized: Sequence[LiquidationCluster],
                   projected: Sequence[LiquidationCluster],
                   params: HunterParams) -> list[LiquidationCluster]:
    """The clusters the hunter chooses among, by ``params.cluster_source``.

    ``realized`` or ``projected``: that layer as given. ``both``: every cluster of either
    layer, where a realised cluster and a projected level of the same side within
    ``coincidence_pct`` of each other coincide: liquidations already happened where more are
    waiting, so both are worth more. Each coinciding one takes the strength
    ``1 − (1 − s_r)(1 − s_p)`` with ``s_r`` and ``s_p`` the strongest partner strengths on
    either side (the chance that at least one of two independent pulls holds: never below
    either, never above 1). Strongest first.
    """
    if params.cluster_source == "realized":
        return list(realized)
    if params.cluster_source == "projected":
        return list(projected)
    boosted = [_boosted(c, projected, params.coincidence_pct) for c in realized]
    boosted += [_boosted(c, realized, params.coincidence_pct) for c in projected]
    return sorted(boosted, key=lambda c: -c.strength)


def _boosted(cluster: LiquidationCluster, others: Sequence[LiquidationCluster],
             coincidence_pct: float) -> LiquidationCluster:
    partners = [o.strength for o in others if o.side == cluster.side and distance_pct(
        o.price_level, cluster.price_level) <= coincidence_pct + _PCT_TOLERANCE]
    if not partners:
        return cluster
    strength = 1.0 - (1.0 - cluster.strength) * (1.0 - max(partners))
    return replace(cluster, strength=min(1.0, max(cluster.strength, strength)))


def entry_exits_at_once(
    target: Target, levels: ExitLevels, entry_price: float, params: HunterParams
) -> bool:
    """True when an entry toward ``target`` would be closed as soon as it opened.

    That is the case when the cluster is already within ``exit_near_cluster_pct`` of the price
    (the reached-cluster exit fires at once), or when the take profit does not lie strictly in
    the position's favour (the cluster is closer than ``target_buffer_pct`` and the level
    "before the cluster" is at or behind the entry), or when the take profit is nearer than
    ``min_reward_pct``.
    """
    if target.distance_pct <= params.exit_near_cluster_pct + _PCT_TOLERANCE:
        return True
    reward_pct = target.direction * (levels.take_profit_price / entry_price - 1.0) * 100.0
    return reward_pct <= 0 or reward_pct < params.min_reward_pct - _PCT_TOLERANCE


def exit_reason(
    position: OpenPosition, mark_price: float, params: HunterParams
) -> ExitReason | None:
    """Why ``position`` should close at ``mark_price``, or ``None`` to hold it.

    Checked in this order, the first that holds wins: the stop is touched or crossed
    (``stop_loss``); the price is within ``exit_near_cluster_pct`` of the target cluster
    (``reached_cluster``, checked before take profit because it names the hunt's own end and,
    near the cluster, the take profit is usually crossed as well); the take profit is touched
    or crossed (``take_profit``).
    """
    sign = position.side.sign
    if sign * (mark_price - position.stop_price) <= 0:
        return ExitReason.STOP_LOSS
    if position.target_cluster_price is not None:
        distance = distance_pct(position.target_cluster_price, mark_price)
        if distance <= params.exit_near_cluster_pct + _PCT_TOLERANCE:
            return ExitReason.REACHED_CLUSTER
    if sign * (mark_price - position.take_profit_price) >= 0:
        return ExitReason.TAKE_PROFIT
    return None
