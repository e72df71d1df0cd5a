"""Binance USDⓈ-M ``forceOrder`` (with the 1 s mark price) as a ``VenueSource``."""

from __future__ import annotations

from collections.abc import Sequence

from bot.heatmap.parse import ParsedFrame, parse_frame
from bot.heatmap.stream import Heartbeat
from bot.heatmap.urls import stream_names, stream_url


class BinanceSource:
    """Binance's market streams: everything rides in the URL; the server pings."""

    name = "binance"

    def __init__(self, ws_base_url: str) -> None:
        """Use ``ws_base_url`` (``wss://fstream.binance.com/market`` or a simulator's)."""
        self._base = ws_base_url

    def url(self, symbols: Sequence[str]) -> str:
        """Raw or combined stream URL of the symbols' liquidations and mark prices."""
        return stream_url(self._base, stream_names(list(symbols) or None))

    def subscribe_frames(self, symbols: Sequence[str]) -> list[str]:
        """None: the URL names the streams."""
        return []

    def heartbeat(self, silence_timeout: float) -> Heartbeat | None:
        """None: Binance pings and websocket-client answers."""
        return None

    def prepare(self) -> None:
        """Nothing to fetch."""

    def parse(self, raw: str | bytes) -> ParsedFrame:
        """``bot.heatmap.parse.parse_frame``."""
        return parse_frame(raw)
