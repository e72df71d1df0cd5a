"""The simulated Binance USDⓈ-M REST API (the REST half of ``SimExchange``).

What it offers:

* ``SimRestServer`` — an HTTP server on 127.0.0.1 that real ccxt ``binanceusdm`` uses
  unchanged: market data, account, leverage / margin type, orders and algo (conditional)
  orders, with Binance's signature, key and timestamp checks and error answers; counts
  signed requests (``signed_requests``) and requests per endpoint (``stats()``).
* ``SyntheticKlines`` — ``GET /fapi/v1/klines`` over a deterministic synthetic past.
* ``Credentials`` — the accepted key / secret; ``SignedRequestCounts`` — the counters.
* ``AccountConfig`` — starting balance, default leverage, fees, slippage.
* ``RestFaults`` / ``AfterAccept`` / ``InjectedFaults`` — switchable 429, 418, 5xx,
  "fail after accept" (503, 504, dropped connection), clock skew (-1021) and latency.
* ``MatchingEngine`` — the account and its orders against the shared ``SimMarket``'s marks
  (used by the server; reachable as ``SimRestServer.engine`` for tests).
* ``sign`` — Binance's request signature, for clients written by hand.
"""

from bot.sim.rest.accounts import AccountConfig
from bot.sim.rest.auth import Credentials, SignedRequestCounts, sign
from bot.sim.rest.errors import ApiError
from bot.sim.rest.faults import AfterAccept, InjectedFaults, RestFaults
from bot.sim.rest.klines import SyntheticKlines
from bot.sim.rest.matching import MatchingEngine
from bot.sim.rest.server import RestStats, SimRestServer

__all__ = [
    "AccountConfig",
    "AfterAccept",
    "ApiError",
    "Credentials",
    "InjectedFaults",
    "MatchingEngine",
    "RestFaults",
    "RestStats",
    "SignedRequestCounts",
    "SimRestServer",
    "SyntheticKlines",
    "sign",
]
