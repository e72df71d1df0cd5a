"""The simulator's open interest: recorded from its own positions, served as Binance does."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime

import pytest

from bot.domain import from_epoch_ms
from bot.sim.market import MarketConfig, SimMarket
from bot.sim.rest.errors import ApiError
from bot.sim.rest.open_interest import OpenInterestHistory
from bot.sim.rest.params import Params

P = 300_000
START = 1_000 * P  # a period boundary


class Clock:
    """The server's clock, moved by hand."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def run(market: SimMarket, history: OpenInterestHistory, clock: Clock, periods: int) -> None:
    """Step the market every 2 s for ``periods`` periods, recording each tick."""
    for _ in range(periods * 150):
        clock.ms += 2_000
        market.step(from_epoch_ms(clock.ms))
        history.record(clock.ms)


def entries(history: OpenInterestHistory, **values: str) -> list[dict[str, object]]:
    answer = history.history(Params({"symbol": "BTCUSDT", "period": "5m", **values}))
    assert isinstance(answer, list)
    return answer


def test_each_closed_period_holds_the_markets_open_interest_at_its_close() -> None:
    market = SimMarket(MarketConfig(), rng=random.Random(3))
    clock = Clock(START)
    history = OpenInterestHistory(market, clock)
    market.step(datetime.fromtimestamp(START / 1000, UTC))
    history.record(clock.ms)
    closes = []
    for _ in range(3):
        run(market, history, clock, 1)
        closes.append(market.open_interest("BTCUSDT"))  # the last tick of the period
    clock.ms += 1

    got = entries(history, startTime=str(START + P), endTime=str(START + 3 * P))

    assert [e["timestamp"] for e in got] == [START + P, START + 2 * P, START + 3 * P]
    assert [float(str(e["sumOpenInterest"])) for e in got] == pytest.approx(closes, rel=1e-9)
    assert float(str(got[0]["sumOpenInterestValue"])) > 0


def test_the_synthetic_past_meets_the_first_record_and_never_changes() -> None:
    market = SimMarket(MarketConfig(), rng=random.Random(4))
    clock = Clock(START + 10)
    history = OpenInterestHistory(market, clock)
    history.record(clock.ms)
    first = market.open_interest("BTCUSDT")
    clock.ms = START + P + 10

    got = entries(history, limit="300")
    again = entries(history, limit="300")

    assert len(got) == 300
    assert got == again
    assert got[-1]["timestamp"] == START + P
    assert float(str(got[-1]["sumOpenInterest"])) == pytest.approx(first)
    values = [float(str(e["sumOpenInterest"])) for e in got]
    assert all(v > 0 for v in values)
    steps = [b / a - 1 for a, b in itertools.pairwise(values)]
    assert max(map(abs, steps)) < 0.03  # smooth: a few tenths of a percent a period
    assert min(steps) < 0 < max(steps)  # it rises and falls


def test_the_current_open_interest_is_the_books() -> None:
    market = SimMarket(MarketConfig(), rng=random.Random(5))
    history = OpenInterestHistory(market, Clock(START))

    answer = history.current(Params({"symbol": "ETHUSDT"}))

    assert answer == {"symbol": "ETHUSDT",
                      "openInterest": f"{market.open_interest('ETHUSDT'):.8f}", "time": START}
    assert market.open_interest("ETHUSDT") == pytest.approx(
        sum(float(p.quantity) for p in market.positions("ETHUSDT")))


@pytest.mark.parametrize(("values", "code"), [
    ({"symbol": "NOPEUSDT", "period": "5m"}, -1121),
    ({"symbol": "BTCUSDT", "period": "1m"}, -1120),
    ({"symbol": "BTCUSDT", "period": "5m", "limit": "501"}, -1130),
    ({"symbol": "BTCUSDT"}, -1102),
])
def test_bad_requests_get_binances_errors(values: dict[str, str], code: int) -> None:
    market = SimMarket(MarketConfig(initial_positions=0), rng=random.Random(1))
    history = OpenInterestHistory(market, Clock(START))

    with pytest.raises(ApiError) as caught:
        history.history(Params(values))

    assert caught.value.code == code
