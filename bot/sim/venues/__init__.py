"""Simulated Bybit and OKX public liquidation streams beside the Binance half.

Offers ``VenueWsServer`` (one venue's WebSocket + REST on 127.0.0.1, with ``Faults``, an
idle-close rule and delivered totals), the dialects ``BybitDialect`` (``allLiquidation``)
and ``OkxDialect`` (``liquidation-orders`` and ``/api/v5/public/instruments``), and
``venue_server`` to build one by name.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from bot.clock import Clock
from bot.sim.faults import Faults
from bot.sim.venues.bybit import IDLE_LIMIT_SECONDS as BYBIT_IDLE_LIMIT
from bot.sim.venues.bybit import BybitDialect
from bot.sim.venues.dialect import Dialect, Subscriptions
from bot.sim.venues.okx import IDLE_LIMIT_SECONDS as OKX_IDLE_LIMIT
from bot.sim.venues.okx import OkxDialect, contract_value
from bot.sim.venues.server import Delivered, VenueStats, VenueWsServer

SIM_VENUES = ("bybit", "okx")
"""The venues the simulator speaks besides Binance."""


def venue_server(name: str, *, symbols: Iterable[str], clock: Clock, rng: random.Random,
                 faults: Faults | None = None, idle_limit: float | None = None,
                 host: str = "127.0.0.1") -> VenueWsServer:
    """A ``VenueWsServer`` for ``name`` (``bybit`` or ``okx``), idle limit as the venue's.

    Raises:
        ValueError: ``name`` is not one of ``SIM_VENUES``.
    """
    if name == "bybit":
        dialect: Dialect = BybitDialect()
        default_idle = BYBIT_IDLE_LIMIT
    elif name == "okx":
        dialect = OkxDialect(symbols)
        default_idle = OKX_IDLE_LIMIT
    else:
        raise ValueError(f"the simulator speaks {', '.join(SIM_VENUES)} besides binance, "
                         f"not {name!r}")
    return VenueWsServer(dialect, clock=clock, rng=rng, faults=faults,
                         idle_limit=idle_limit if idle_limit is not None else default_idle,
                         host=host)


__all__ = [
    "BYBIT_IDLE_LIMIT",
    "OKX_IDLE_LIMIT",
    "SIM_VENUES",
    "BybitDialect",
    "Delivered",
    "Dialect",
    "OkxDialect",
    "Subscriptions",
    "VenueStats",
    "VenueWsServer",
    "contract_value",
    "venue_server",
]
