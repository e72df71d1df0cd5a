"""The simulated Binance USDⓈ-M exchange, for tests and offline runs (WebSocket + REST).

What it offers:

* ``SimExchange`` — the composition: a synthetic (or replayed) market driving a real
  WebSocket server on 127.0.0.1 that speaks Binance's market-stream protocol
  (``/market/ws/...``, ``/market/stream?streams=...``, control messages, forceOrder and
  markPrice payloads, the 1 s liquidation throttle), and a REST API ccxt ``binanceusdm``
  trades against (``bot.sim.rest``). ``describe()`` gives ``rest_url``, ``ws_url``,
  ``api_key`` and ``api_secret``.
* ``SimMarket`` / ``MarketConfig`` / ``SymbolSpec`` — the pure, seeded market: price paths,
  leveraged positions, liquidations; the price state a REST simulator can share.
* ``SimWsServer`` — the WebSocket server alone, with ``publish_*`` methods for tests,
  ``Faults`` injection (closes, malformed frames, stalls, delays) and counters.
* ``SimRestServer`` / ``AccountConfig`` / ``Credentials`` / ``RestFaults`` /
  ``AfterAccept`` — the REST half alone, its account settings, accepted credentials and
  switchable faults (see ``bot.sim.rest``).
* ``read_recorder_csv`` / ``ForceOrder`` / ``force_order_event`` — recorded liquidations
  as typed rows and as Binance events; ``ReplayConfig`` replays such a file.
* ``bot.sim.ground_truth`` — the market stepped on a made-up clock into 5-minute open
  interest and candles, and the share of its positions' at-risk notional near given
  levels (how close projected liquidation levels come to the real ones).
"""

from bot.clock import Clock, utc_now
from bot.sim.events import (
    ForceOrder,
    MarkPriceUpdate,
    force_order_event,
    force_order_json,
)
from bot.sim.exchange import SimExchange
from bot.sim.faults import Faults, MalformedKind, corrupt_frame
from bot.sim.market import DEFAULT_SYMBOLS, MarketConfig, MarketUpdate, SimMarket, SymbolSpec
from bot.sim.recorded import RecordedRowError, read_recorder_csv, restore_symbol
from bot.sim.replay import Replay, ReplayConfig
from bot.sim.rest import AccountConfig, AfterAccept, Credentials, RestFaults, SimRestServer
from bot.sim.server import SimWsServer
from bot.sim.session import ConnectionInfo, ServerStats
from bot.sim.throttle import LiquidationThrottle

__all__ = [
    "DEFAULT_SYMBOLS",
    "AccountConfig",
    "AfterAccept",
    "Clock",
    "ConnectionInfo",
    "Credentials",
    "Faults",
    "ForceOrder",
    "LiquidationThrottle",
    "MalformedKind",
    "MarkPriceUpdate",
    "MarketConfig",
    "MarketUpdate",
    "RecordedRowError",
    "Replay",
    "ReplayConfig",
    "RestFaults",
    "ServerStats",
    "SimExchange",
    "SimMarket",
    "SimRestServer",
    "SimWsServer",
    "SymbolSpec",
    "corrupt_frame",
    "force_order_event",
    "force_order_json",
    "read_recorder_csv",
    "restore_symbol",
    "utc_now",
]
