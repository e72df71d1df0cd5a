"""Liquidation sources, one per venue, behind one small interface (``VenueSource``).

Offers ``VenueSource`` (URL, subscribe frames, heartbeat, prepare, parse one frame into
``Liquidation``s), its implementations ``BinanceSource`` (forceOrder + mark price),
``BybitSource`` (``allLiquidation``) and ``OkxSource`` (``liquidation-orders`` with contract
sizes), ``venue_stream`` (a venue's self-healing connection), the pure parsers
``parse_bybit_frame`` / ``parse_okx_frame`` / ``contract_values``, and ``build_sources``
which turns ``heatmap.sources`` names into sources.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import VENUES
from bot.heatmap.sources.base import VenueSource, keepalive_interval, venue_stream
from bot.heatmap.sources.binance import BinanceSource
from bot.heatmap.sources.bybit import DEFAULT_BYBIT_WS_URL, BybitSource, parse_bybit_frame
from bot.heatmap.sources.okx import (
    DEFAULT_OKX_REST_URL,
    DEFAULT_OKX_WS_URL,
    OkxSource,
    contract_values,
    okx_symbol,
    parse_okx_frame,
)


def build_sources(names: Sequence[str], *, ws_base_url: str, bybit_ws_url: str,
                  okx_ws_url: str, okx_rest_url: str) -> list[VenueSource]:
    """One source per venue named (each once, in the order given).

    Raises:
        ValueError: a name that is not one of ``bot.domain.VENUES``, or no name at all.
    """
    unique = list(dict.fromkeys(names))
    unknown = [name for name in unique if name not in VENUES]
    if unknown or not unique:
        raise ValueError(f"sources: expected some of {', '.join(VENUES)}, got {list(names)!r}")
    made: dict[str, VenueSource] = {
        "binance": BinanceSource(ws_base_url),
        "bybit": BybitSource(bybit_ws_url),
        "okx": OkxSource(okx_ws_url, okx_rest_url),
    }
    return [made[name] for name in unique]


__all__ = [
    "DEFAULT_BYBIT_WS_URL",
    "DEFAULT_OKX_REST_URL",
    "DEFAULT_OKX_WS_URL",
    "BinanceSource",
    "BybitSource",
    "OkxSource",
    "VenueSource",
    "build_sources",
    "contract_values",
    "keepalive_interval",
    "okx_symbol",
    "parse_bybit_frame",
    "parse_okx_frame",
    "venue_stream",
]
