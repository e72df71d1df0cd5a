"""Trading strategies: pure decisions from market snapshots to intents.

Offers the base class ``Strategy`` with its views ``MarketSnapshot`` and ``OpenPosition``,
and ``LiquidationHunter``, which trades toward liquidation clusters (its rules are the pure
functions of ``strategies.hunter_rules``).
"""

from strategies.base import Intent, MarketSnapshot, OpenPosition, Strategy
from strategies.hunter_rules import ExitReason, HunterParams, Target
from strategies.liquidation_hunter import (
    ClusterSource,
    LiquidationHunter,
    NoDataSourceError,
    StreamingClusterSource,
)

__all__ = [
    "ClusterSource",
    "ExitReason",
    "HunterParams",
    "Intent",
    "LiquidationHunter",
    "MarketSnapshot",
    "NoDataSourceError",
    "OpenPosition",
    "Strategy",
    "StreamingClusterSource",
    "Target",
]
