"""Helpers for the REST simulator tests: a real ccxt client pointed at the simulator."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import ccxt

from bot.sim import MarketConfig, SimExchange
from bot.sim.rest import sign

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
SOL = "SOL/USDT:USDT"

QUIET = MarketConfig(
    volatility_scale=0, jumps_per_hour=0, positions_per_second=0, initial_positions=0
)
"""A market whose prices move only when a test moves them."""


def make_client(rest_url: str, api_key: str, api_secret: str, **options: Any) -> Any:
    """A ``ccxt.binanceusdm`` using the simulator at ``rest_url`` for every REST call.

    Every ``urls['api']`` entry keeps its path prefix (``/fapi/v1``, ``/fapi/v3``, ...) and
    gets the simulator's scheme and host. ccxt applies its USDⓈ-M error codes only on
    Binance's own hosts, so they are merged into the general table (``-2019`` must map to
    InsufficientFunds here as it does against Binance).
    """
    client = ccxt.binanceusdm(
        {
            "apiKey": api_key,
            "secret": api_secret,
            "enableRateLimit": False,
            "timeout": 5_000,
            "options": {
                "fetchCurrencies": False,
                "adjustForTimeDifference": False,
                **options,
            },
        }
    )
    base = urlsplit(rest_url)
    api = client.urls["api"]
    for name, url in list(api.items()):
        if isinstance(url, str):
            parts = urlsplit(url)
            api[name] = urlunsplit((base.scheme, base.netloc, parts.path, "", ""))
    linear = client.exceptions.get("linear", {}).get("exact")
    if linear:
        client.exceptions["exact"].update(linear)
    return client


def move(sim: SimExchange, symbol: str, price: float) -> None:
    """Set ``symbol``'s price and let the REST half react at once (triggers, fills,
    liquidations), as the exchange's loop would on its next tick."""
    sim.market.set_price(symbol, price)
    sim.rest.on_mark_prices()


def signed_query(params: dict[str, str], secret: str) -> str:
    """A query string signed the way Binance wants (signature last)."""
    query = urlencode(params)
    return f"{query}&signature={sign(query, secret)}"
