"""``GET /futures/data/openInterestHist`` and ``GET /fapi/v1/openInterest`` from the market.

Open interest is the quantity of every simulated position (``SimMarket.open_interest``).
``OpenInterestHistory.record`` runs with every tick and keeps, per 5-minute period, the last
value seen: the entry stamped ``t`` is the open interest when the period ending at ``t``
closed (only closed periods are served, so an answer never changes once given). Before the
first recorded period the past is synthetic like the klines' (``klines.hashed_gauss``):
``OI(t) = OI₀ × exp(σ × (g(t) − g(t₀)))``, a smooth deterministic wander that meets the first
recorded value ``OI₀`` at ``t₀``, so a warm start sees no jump where the record begins.

Binance's rules: ``period`` one of 5m … 1d, ``limit`` default 30 (1..500), ``startTime`` /
``endTime`` inclusive, counted from ``startTime`` when sent, else back from ``endTime`` or now.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

from bot.sim.market import SimMarket
from bot.sim.rest import errors
from bot.sim.rest.klines import INTERVALS_MS, bar_opens, hashed_gauss
from bot.sim.rest.params import Params

_PERIOD_MS = 300_000  # the recording grid; longer periods sample it
_PERIODS = ("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d")
DEFAULT_LIMIT = 30
MAX_LIMIT = 500
# The synthetic past's log open interest: lines through hashed knots at three scales
# (knot spacing ms, σ of a knot), so it rises and falls within the hour as well as the day.
_SCALES = ((_PERIOD_MS, 0.004), (3_600_000, 0.015), (86_400_000, 0.05))
INVALID_PERIOD = errors.Rejection(-1120, "Invalid period.")


class OpenInterestHistory:
    """Open interest per closed 5-minute period, recorded from the market. Thread-safe.

    Args:
        market: the shared simulated market.
        server_ms: the server's clock.
    """

    def __init__(self, market: SimMarket, server_ms: Callable[[], int]) -> None:
        """Nothing recorded yet."""
        self._market = market
        self._server_ms = server_ms
        self._lock = threading.Lock()
        self._by_period: dict[str, dict[int, float]] = {}

    def record(self, now_ms: int) -> None:
        """Note every symbol's open interest now, as its period's latest value."""
        stamp = -(-now_ms // _PERIOD_MS) * _PERIOD_MS  # the first period end at or after now
        with self._lock:
            for symbol in self._market.symbols:
                self._by_period.setdefault(symbol, {})[stamp] = self._market.open_interest(
                    symbol)

    def at(self, symbol: str, stamp_ms: int) -> float:
        """Open interest of ``symbol`` when the period ending at ``stamp_ms`` closed."""
        with self._lock:
            recorded = self._by_period.get(symbol, {})
            value = recorded.get(stamp_ms)
            if value is not None:
                return value
            earlier = [t for t in recorded if t < stamp_ms]
            if earlier:  # a period with no tick (the sim paused): the value carries on
                return recorded[max(earlier)]
            first = min(recorded) if recorded else None
        if first is None:
            return self._market.open_interest(symbol)
        anchor = recorded[first]
        return anchor * math.exp(_wander(symbol, stamp_ms) - _wander(symbol, first))

    def history(self, p: Params) -> object:
        """Answer ``GET /futures/data/openInterestHist``: oldest first."""
        symbol = self._symbol(p)
        period = p.required("period")
        if period not in _PERIODS:
            raise INVALID_PERIOD()
        step = INTERVALS_MS[period]
        limit = p.integer("limit") or DEFAULT_LIMIT
        if not 1 <= limit <= MAX_LIMIT:
            raise errors.invalid_value("limit")
        # An entry stamped t closes the period opening at t - step: the klines' rule of
        # closed bars, shifted by one period.
        start, end = p.integer("startTime"), p.integer("endTime")
        opens = bar_opens(step, limit, None if start is None else start - step,
                          None if end is None else end - step, self._server_ms())
        price = self._market.price(symbol)
        answer = []
        for opened in opens:
            amount = self.at(symbol, opened + step)
            answer.append({"symbol": symbol, "sumOpenInterest": f"{amount:.8f}",
                           "sumOpenInterestValue": f"{amount * price:.8f}",
                           "timestamp": opened + step})
        return answer

    def current(self, p: Params) -> object:
        """Answer ``GET /fapi/v1/openInterest``."""
        symbol = self._symbol(p)
        return {"symbol": symbol, "openInterest": f"{self._market.open_interest(symbol):.8f}",
                "time": self._server_ms()}

    def _symbol(self, p: Params) -> str:
        symbol = p.required("symbol").upper()
        if symbol not in self._market.symbols:
            raise errors.INVALID_SYMBOL()
        return symbol


def _wander(symbol: str, time_ms: int) -> float:
    total = 0.0
    for spacing, size in _SCALES:
        knot, offset = divmod(time_ms, spacing)
        left = hashed_gauss(symbol, f"open-interest|{spacing}", knot)
        right = hashed_gauss(symbol, f"open-interest|{spacing}", knot + 1)
        total += size * (left + (right - left) * offset / spacing)
    return total
