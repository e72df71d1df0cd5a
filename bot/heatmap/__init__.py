"""The live liquidation heatmap.

Offers ``LiveLiquidationHeatmap`` (the public class), the value types ``Liquidation`` and
``LiquidationCluster``, ``HeatmapHealth``, the ``HeatmapListener`` told of each mark price
and cluster refresh as it happens, and the pure pieces it is built from:
``parse_frame`` (edge parsing), ``LiquidationStore`` (numpy ring buffers) and
``compute_clusters`` (clustering); the venues' sources live in ``bot.heatmap.sources``.
With ``projected=True`` the heatmap also keeps projected liquidation levels
(``get_projected_levels``): ``projection`` is the pure model (open interest × leverage tiers
at Binance's liquidation prices), ``projected`` the layer and its background refresher.
"""

from bot.domain import Liquidation, LiquidationCluster
from bot.heatmap.clustering import ClusterParams, compute_clusters
from bot.heatmap.live import HeatmapHealth, HeatmapListener, LiveLiquidationHeatmap, VenueHealth
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
    "VenueHealth",
    "compute_clusters",
    "parse_force_order",
    "parse_frame",
    "stream_names",
    "stream_url",
]
