"""The live liquidation heatmap.

Offers ``LiveLiquidationHeatmap`` (the public class), the value types ``Liquidation`` and
``LiquidationCluster``, ``HeatmapHealth``, the ``HeatmapListener`` told of each mark price
and cluster refresh as it happens, and the pure pieces it is built from:
``parse_frame`` (edge parsing), ``LiquidationStore`` (numpy ring buffers) and
``compute_clusters`` (clustering).
"""

from bot.domain import Liquidation, LiquidationCluster
from bot.heatmap.clustering import ClusterParams, compute_clusters
from bot.heatmap.live import HeatmapHealth, HeatmapListener, LiveLiquidationHeatmap
from bot.heatmap.parse import ParsedFrame, parse_force_order, parse_frame
from bot.heatmap.store import EventColumns, LiquidationStore
from bot.heatmap.urls import DEFAULT_WS_BASE_URL, stream_names, stream_url

__all__ = [
    "DEFAULT_WS_BASE_URL",
    "ClusterParams",
    "EventColumns",
    "HeatmapHealth",
    "HeatmapListener",
    "Liquidation",
    "LiquidationCluster",
    "LiquidationStore",
    "LiveLiquidationHeatmap",
    "ParsedFrame",
    "compute_clusters",
    "parse_force_order",
    "parse_frame",
    "stream_names",
    "stream_url",
]
