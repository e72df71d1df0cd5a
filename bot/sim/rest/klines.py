"""``GET /fapi/v1/klines``: candles of a deterministic synthetic past.

The simulated market only knows its present, so the past is made up, but always the same
way: a symbol's log price is its ``SymbolSpec`` starting price plus smooth noise at three
scales (minutes, hours, days), each scale a line through pseudo-random knots whose values
are hashes of (symbol, scale, knot time) and whose size follows the symbol's volatility.
The same request therefore always returns the same candles, and neighbouring bars join up
(a bar's close is the next bar's open). The path wanders a few percent around the starting
price, which is where the live ``SimMarket`` starts too, so the latest bars end near the
current market price (not exactly at it: that would make the past depend on the present).

Binance's rules: ``startTime`` / ``endTime`` bound the bars' open times (both inclusive),
at most ``limit`` bars (default 500, 1..1500), counted from ``startTime`` when it is sent,
else back from ``endTime`` or now. Unlike Binance, the forming bar is left out: only
closed bars exist, so an answer never changes once given.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from decimal import Decimal
from statistics import NormalDist

from bot.sim.market import SimMarket, SymbolSpec
from bot.sim.rest import errors
from bot.sim.rest.params import Params, fmt_step, round_to

_MINUTE_MS = 60_000
INTERVALS_MS: dict[str, int] = {
    "1m": _MINUTE_MS, "3m": 3 * _MINUTE_MS, "5m": 5 * _MINUTE_MS, "15m": 15 * _MINUTE_MS,
    "30m": 30 * _MINUTE_MS, "1h": 60 * _MINUTE_MS, "2h": 120 * _MINUTE_MS,
    "4h": 240 * _MINUTE_MS, "6h": 360 * _MINUTE_MS, "8h": 480 * _MINUTE_MS,
    "12h": 720 * _MINUTE_MS, "1d": 1440 * _MINUTE_MS, "3d": 4320 * _MINUTE_MS,
    "1w": 10080 * _MINUTE_MS,
}
DEFAULT_LIMIT = 500
MAX_LIMIT = 1500
_SCALES_MS = (_MINUTE_MS, 60 * _MINUTE_MS, 1440 * _MINUTE_MS)
_WICK = 0.25  # wick length, in standard deviations of the bar's own return
_QUOTE_PER_MINUTE = 70.0  # synthetic traded quote volume per minute, in typical positions
_UNIT = NormalDist()
INVALID_INTERVAL = errors.Rejection(-1120, "Invalid interval.")


class SyntheticKlines:
    """The klines handler over a market's symbol specs.

    Args:
        market: supplies each symbol's starting price, volatility, tick and lot sizes.
        server_ms: the server's clock (bars after it do not exist yet).
    """

    def __init__(self, market: SimMarket, server_ms: Callable[[], int]) -> None:
        """Keep the collaborators; nothing is computed ahead."""
        self._market = market
        self._server_ms = server_ms

    def __call__(self, p: Params) -> object:
        """Answer one request: a list of Binance kline arrays, oldest first."""
        try:
            spec = self._market.spec(p.required("symbol").upper())
        except KeyError:
            raise errors.INVALID_SYMBOL() from None
        step = INTERVALS_MS.get(p.required("interval"))
        if step is None:
            raise INVALID_INTERVAL()
        limit = p.integer("limit") or DEFAULT_LIMIT
        if not 1 <= limit <= MAX_LIMIT:
            raise errors.invalid_value("limit")
        opens = bar_opens(step, limit, p.integer("startTime"), p.integer("endTime"),
                          self._server_ms())
        return [kline(spec, start, step) for start in opens]


def bar_opens(step: int, limit: int, start_ms: int | None, end_ms: int | None,
              now_ms: int) -> range:
    """Open times of the closed bars a request selects (Binance's start / end / limit rules)."""
    newest = (now_ms - step) // step * step  # the last bar with open + step <= now
    if end_ms is not None:
        newest = min(newest, end_ms // step * step)
    if start_ms is not None:
        first = -(-start_ms // step) * step  # the first bar opening at or after startTime
        return range(first, min(newest, first + (limit - 1) * step) + 1, step)
    return range(newest - (limit - 1) * step, newest + 1, step)


def kline(spec: SymbolSpec, open_ms: int, step: int) -> list[object]:
    """One bar in Binance's array form: open time, OHLC, volume, close time, quote volume,
    trades, taker buy base and quote volumes, and the ignored last field."""
    tick = spec.tick_size
    path = [_price(spec, open_ms + step * i // 3) for i in range(4)]
    open_, close = _to_tick(path[0], tick), _to_tick(path[3], tick)
    sigma = spec.volatility_per_hour * math.sqrt(step / (60 * _MINUTE_MS))
    upper = max(path) * math.exp(_WICK * sigma * abs(hashed_gauss(spec.symbol, "high", open_ms)))
    lower = min(path) * math.exp(-_WICK * sigma * abs(hashed_gauss(spec.symbol, "low", open_ms)))
    high = max(round_to(Decimal(repr(upper)), tick, up=True), open_, close)
    low = min(round_to(Decimal(repr(lower)), tick, up=False), open_, close)
    quote = spec.typical_notional * _QUOTE_PER_MINUTE * step / _MINUTE_MS
    quote *= math.exp(0.5 * hashed_gauss(spec.symbol, "volume", open_ms))
    volume = round_to(Decimal(repr(quote)) / close, spec.step_size, up=False)
    taker = round_to(volume / 2, spec.step_size, up=False)
    price = (high + low) / 2
    return [
        open_ms, fmt_step(open_, tick), fmt_step(high, tick), fmt_step(low, tick),
        fmt_step(close, tick), fmt_step(volume, spec.step_size), open_ms + step - 1,
        fmt_step(volume * price, tick), max(1, int(quote / spec.typical_notional)),
        fmt_step(taker, spec.step_size), fmt_step(taker * price, tick), "0",
    ]


def _price(spec: SymbolSpec, time_ms: int) -> float:
    # Each scale adds a line through its knots; the knots' spread is the volatility over
    # one knot spacing, as a random walk's would be.
    log_price = math.log(spec.price)
    for scale in _SCALES_MS:
        knot, offset = divmod(time_ms, scale)
        weight = offset / scale
        left = hashed_gauss(spec.symbol, str(scale), knot)
        right = hashed_gauss(spec.symbol, str(scale), knot + 1)
        size = spec.volatility_per_hour * math.sqrt(scale / (60 * _MINUTE_MS))
        log_price += size * (left + (right - left) * weight)
    return math.exp(log_price)


def hashed_gauss(symbol: str, stream: str, index: int) -> float:
    """A standard normal value that depends only on its arguments (not on any RNG state)."""
    digest = hashlib.blake2b(f"{symbol}|{stream}|{index}".encode(), digest_size=8).digest()
    uniform = (int.from_bytes(digest, "big") + 0.5) / 2**64
    return _UNIT.inv_cdf(uniform)


def _to_tick(value: float, tick: Decimal) -> Decimal:
    return round_to(Decimal(repr(value)) + tick / 2, tick, up=False)
