"""Binance USDⓈ-M market-stream URLs for the heatmap's connection."""

from __future__ import annotations

from collections.abc import Sequence

from bot.symbols import to_exchange_id

DEFAULT_WS_BASE_URL = "wss://fstream.binance.com/market"
"""Binance moved forceOrder and markPrice under ``/market`` in 2026; old paths carry no data."""

ALL_LIQUIDATIONS = "!forceOrder@arr"
ALL_MARK_PRICES = "!markPrice@arr@1s"


def stream_names(symbols: Sequence[str] | None) -> list[str]:
    """Stream names for ``symbols``: liquidations plus the 1 s mark price of each.

    ``None`` or an empty list means every symbol (the two all-market streams).
    """
    if not symbols:
        return [ALL_LIQUIDATIONS, ALL_MARK_PRICES]
    names: list[str] = []
    for symbol in dict.fromkeys(to_exchange_id(s).lower() for s in symbols):
        names += [f"{symbol}@forceOrder", f"{symbol}@markPrice@1s"]
    return names


def stream_url(ws_base_url: str, names: Sequence[str]) -> str:
    """URL carrying ``names``: raw ``/ws/<stream>`` for one, combined ``/stream?streams=`` else."""
    base = ws_base_url.rstrip("/")
    if len(names) == 1:
        return f"{base}/ws/{names[0]}"
    return f"{base}/stream?streams={'/'.join(names)}"
