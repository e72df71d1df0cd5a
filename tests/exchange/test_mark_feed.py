"""``MarkPriceFeed`` against a scripted source: storage, freshness, listeners, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain import MarkPrice
from bot.errors import RateLimited, TemporaryExchangeError
from bot.exchange import MarkPriceFeed
from tests.exchange.helpers import T0, ManualClock


class ScriptedSource:
    """Answers ``fetch_mark_prices`` from a list (an exception is raised); counts calls."""

    def __init__(self, *answers: dict[str, MarkPrice] | Exception) -> None:
        self.answers = list(answers)
        self.calls = 0

    def fetch_mark_prices(self) -> dict[str, MarkPrice]:
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def marks(seconds_ago: float = 0.0, **prices: float) -> dict[str, MarkPrice]:
    stamp = T0 - timedelta(seconds=seconds_ago)
    return {s: MarkPrice(s, p, stamp) for s, p in prices.items()}


def test_a_poll_is_one_request_storing_every_symbol_with_both_times() -> None:
    # Arrange
    clock = ManualClock()
    source = ScriptedSource(marks(seconds_ago=0.2, BTCUSDT=90_000.0, ETHUSDT=3_000.0))
    feed = MarkPriceFeed(source, clock, max_age_seconds=5.0)

    # Act
    polled = feed.poll()

    # Assert
    assert source.calls == 1
    assert set(polled) == {"BTCUSDT", "ETHUSDT"}
    assert feed.latest("BTC/USDT:USDT") == MarkPrice("BTCUSDT", 90_000.0,
                                                       T0 - timedelta(seconds=0.2))
    received = feed.received("ethusdt")
    assert received is not None
    assert received.received_at == T0
    assert feed.latest("SOLUSDT") is None
    assert feed.polls == 1


def test_freshness_uses_the_exchange_timestamp() -> None:
    feed = MarkPriceFeed(ScriptedSource(marks(seconds_ago=4.0, BTCUSDT=1.0)), ManualClock(),
                         max_age_seconds=5.0)
    feed.poll()

    assert feed.is_fresh("BTCUSDT", T0)
    assert feed.is_fresh("BTCUSDT", T0 + timedelta(seconds=1.0))
    assert not feed.is_fresh("BTCUSDT", T0 + timedelta(seconds=1.1))
    assert not feed.is_fresh("ETHUSDT", T0)


def test_listeners_hear_every_price_of_every_poll() -> None:
    heard: list[tuple[str, float]] = []
    feed = MarkPriceFeed(
        ScriptedSource(marks(BTCUSDT=90_000.0), marks(BTCUSDT=90_100.0, ETHUSDT=3_000.0)),
        ManualClock(), 5.0, listeners=[lambda s, p: heard.append((s, p))],
    )

    feed.poll()
    feed.poll()

    assert heard == [("BTCUSDT", 90_000.0), ("BTCUSDT", 90_100.0), ("ETHUSDT", 3_000.0)]


def test_errors_propagate_and_the_last_good_prices_stay() -> None:
    # Arrange
    feed = MarkPriceFeed(
        ScriptedSource(marks(BTCUSDT=90_000.0), RateLimited("429", retry_after=1.0)),
        ManualClock(), 5.0,
    )
    feed.poll()

    # Act / Assert
    with pytest.raises(TemporaryExchangeError):
        feed.poll()
    assert feed.snapshot() == marks(BTCUSDT=90_000.0)
    assert feed.polls == 1


def test_max_age_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        MarkPriceFeed(ScriptedSource(), ManualClock(), 0.0)
