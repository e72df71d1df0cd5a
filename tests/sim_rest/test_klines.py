"""The simulator's ``GET /fapi/v1/klines``: Binance's selection rules, errors, determinism."""

from __future__ import annotations

import random

import pytest

from bot.sim.market import DEFAULT_SYMBOLS, MarketConfig, SimMarket
from bot.sim.rest.errors import ApiError
from bot.sim.rest.klines import SyntheticKlines, bar_opens, kline
from bot.sim.rest.params import Params

M = 60_000
NOW = 1_000 * M + 30_000  # half-way through the bar opening at minute 1000


@pytest.mark.parametrize(
    ("start", "end", "limit", "expected"),
    [
        (None, None, 3, [997 * M, 998 * M, 999 * M]),  # the forming bar is left out
        (990 * M + 1, None, 3, [991 * M, 992 * M, 993 * M]),  # from the first bar at/after
        (990 * M, 991 * M, 10, [990 * M, 991 * M]),  # endTime inclusive
        (None, 995 * M + 5, 2, [994 * M, 995 * M]),  # back from endTime
        (1_001 * M, None, 5, []),  # the future has no bars
    ],
)
def test_bar_selection_follows_binances_rules(
    start: int | None, end: int | None, limit: int, expected: list[int]
) -> None:
    assert list(bar_opens(M, limit, start, end, NOW)) == expected


def test_bars_join_up_and_repeat_exactly() -> None:
    spec = DEFAULT_SYMBOLS[0]

    first, second = kline(spec, 500 * M, M), kline(spec, 501 * M, M)

    assert first[4] == second[1]  # close = next open
    assert kline(spec, 500 * M, M) == first
    assert float(str(first[3])) <= float(str(first[1])) <= float(str(first[2]))


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"symbol": "NOPEUSDT", "interval": "1m"}, -1121),
        ({"symbol": "BTCUSDT", "interval": "7m"}, -1120),
        ({"symbol": "BTCUSDT", "interval": "1m", "limit": "1501"}, -1130),
        ({"symbol": "BTCUSDT"}, -1102),
    ],
)
def test_bad_requests_get_binances_errors(values: dict[str, str], code: int) -> None:
    market = SimMarket(MarketConfig(initial_positions=0), rng=random.Random(1))
    handler = SyntheticKlines(market, lambda: NOW)

    with pytest.raises(ApiError) as caught:
        handler(Params(values))

    assert caught.value.code == code
