"""Attacks from the reliability review, each held: hostile frames neither fool nor crash it."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.domain import LiquidationCluster
from bot.heatmap import LiveLiquidationHeatmap
from tests.heatmap.hostile import CORPUS, HOUR_MS, NOW, NOW_MS, force_order, mark_price

# An address nothing listens on: the stream keeps retrying in the background while the test
# feeds frames through handle_frame, as the socket thread would.
_DEAD_URL = "ws://127.0.0.1:9/market"


def _heatmap(**kwargs: object) -> LiveLiquidationHeatmap:
    return LiveLiquidationHeatmap(clock=lambda: NOW, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def subscribed() -> Iterator[LiveLiquidationHeatmap]:
    """A heatmap subscribed to BTCUSDT only."""
    heatmap = _heatmap(ws_base_url=_DEAD_URL)
    heatmap.start_stream(["BTCUSDT"])
    yield heatmap
    heatmap.stop_stream()


def _real_cluster(heatmap: LiveLiquidationHeatmap, base: float = 90_000.0) -> None:
    heatmap.handle_frame(mark_price(price="91000"))
    for i in range(8):
        heatmap.handle_frame(force_order(price=f"{base + 10 * i}", quantity="0.4",
                                         time_ms=NOW_MS - 60_000 * i))


def _finite(cluster: LiquidationCluster) -> bool:
    numbers = (cluster.price_level, cluster.total_notional, cluster.strength,
               cluster.long_notional, cluster.short_notional)
    return all(math.isfinite(n) for n in numbers)


def test_a_quantity_of_1e305_is_refused_and_leaves_the_real_cluster_alone() -> None:
    # Arrange
    heatmap = _heatmap()
    _real_cluster(heatmap)
    before = heatmap.get_clusters("BTCUSDT")
    # Act
    heatmap.handle_frame(force_order(price="90035", quantity="1e305", side="BUY"))
    heatmap.refresh()
    after = heatmap.get_clusters("BTCUSDT")
    # Assert
    assert [c.strength for c in after] == [c.strength for c in before]
    assert after[0].side == "long"
    assert all(_finite(c) for c in after)
    assert heatmap.health().rejected == {"notional_out_of_range": 1}


def test_five_frames_of_1e20_cannot_forge_a_tradable_cluster() -> None:
    # Arrange
    heatmap = _heatmap()
    _real_cluster(heatmap)
    real = heatmap.get_clusters("BTCUSDT")[0].strength
    # Act
    for i in range(5):
        heatmap.handle_frame(force_order(price=f"{95_000 + i}", quantity="1e20"))
    heatmap.refresh()
    clusters = heatmap.get_clusters("BTCUSDT")
    # Assert
    assert len(clusters) == 1
    assert clusters[0].strength == real
    assert heatmap.health().rejected == {"notional_out_of_range": 5}


def test_denormal_prices_are_refused_so_no_level_is_nan() -> None:
    heatmap = _heatmap()
    for i in range(6):
        heatmap.handle_frame(force_order(price="5e-324", quantity=f"{1 + i}"))

    heatmap.refresh()

    assert heatmap.get_clusters("BTCUSDT") == []
    assert heatmap.health().rejected == {"price_out_of_range": 6}


def test_a_liquidation_stamped_an_hour_ahead_is_refused() -> None:
    heatmap = _heatmap()
    for i in range(5):
        heatmap.handle_frame(force_order(price=f"{90_000 + i}", time_ms=NOW_MS + HOUR_MS))
    heatmap.handle_frame(force_order(price="90100", time_ms=NOW_MS + 2_000))  # clock skew: kept

    assert heatmap.health().rejected == {"timestamp_in_future": 5}
    assert heatmap.health().liquidations == 1


def test_a_mark_price_stamped_in_1970_or_behind_the_newest_never_overwrites_it() -> None:
    heatmap = _heatmap()
    heatmap.handle_frame(mark_price(price="90000"))

    heatmap.handle_frame(mark_price(price="1", time_ms=1))
    heatmap.handle_frame(mark_price(price="2", time_ms=NOW_MS - 1_000))
    heatmap.handle_frame(mark_price(price="3", time_ms=NOW_MS + HOUR_MS))

    assert heatmap.get_price("BTCUSDT") == 90_000.0
    assert heatmap.health().rejected == {"stale_mark_price": 2, "timestamp_in_future": 1}


def test_a_first_mark_from_long_ago_is_not_taken_either() -> None:
    heatmap = _heatmap()

    heatmap.handle_frame(mark_price(price="1", time_ms=NOW_MS - HOUR_MS))

    assert heatmap.get_price("BTCUSDT") is None


def test_a_liquidation_more_than_half_away_from_the_mark_is_refused() -> None:
    heatmap = _heatmap()
    heatmap.handle_frame(mark_price(price="90000"))

    heatmap.handle_frame(force_order(price="200000"))
    heatmap.handle_frame(force_order(price="40000"))
    heatmap.handle_frame(force_order(price="50000"))  # 44 % below: a crash, still plausible

    assert heatmap.health().rejected == {"price_far_from_mark": 2}
    assert heatmap.health().liquidations == 1


def test_unknown_symbols_on_a_one_symbol_stream_create_no_buffer(
    subscribed: LiveLiquidationHeatmap,
) -> None:
    for i in range(100_000):
        subscribed.handle_frame(force_order(f"FAKE{i}USDT"))
    subscribed.handle_frame(force_order("BTCUSDT"))

    assert subscribed.symbols() == ["BTCUSDT"]
    assert subscribed.health().rejected == {"unsubscribed_symbol": 100_000}


def test_an_all_market_stream_holds_at_most_max_symbols_buffers() -> None:
    heatmap = _heatmap(max_symbols=50)
    for i in range(1_000):
        heatmap.handle_frame(force_order(f"FAKE{i}USDT"))

    assert len(heatmap.symbols()) == 50
    assert heatmap.health().rejected == {"too_many_symbols": 950}
    assert heatmap.memory_bytes() < 50 * 20_000


@pytest.mark.parametrize("symbol", ["BTC\x00USDT", "BTC\nUSDT", "BTC USDT", "B", "X" * 41,
                                    "BTC-USDT", "", "BTC_USDT"])
def test_symbols_with_control_characters_or_punctuation_are_malformed(symbol: str) -> None:
    heatmap = _heatmap()

    heatmap.handle_frame(force_order(symbol))
    heatmap.handle_frame(mark_price(symbol))

    assert heatmap.symbols() == []
    assert heatmap.health().parse_errors == 2


def test_invalid_utf8_is_a_parse_error() -> None:
    heatmap = _heatmap()

    heatmap.handle_frame(b'{"e":"forceOrder","E":1,"o":{"s":"\xff\xfeUSDT","S":"SELL",'
                         b'"ap":"1","z":"1","T":1}}')

    assert heatmap.symbols() == []
    assert heatmap.health().parse_errors == 1


def test_a_unicode_symbol_binance_really_lists_is_taken() -> None:
    heatmap = _heatmap()

    heatmap.handle_frame(force_order("币安人生USDT", price="0.3", quantity="1000"))

    assert heatmap.symbols() == ["币安人生USDT"]


def test_the_whole_corpus_leaves_every_cluster_finite_and_counts_every_frame() -> None:
    heatmap = _heatmap()
    _real_cluster(heatmap)
    real = [c.strength for c in heatmap.get_clusters("BTCUSDT")]

    for frame in CORPUS:
        heatmap.handle_frame(frame)
    heatmap.refresh()

    health = heatmap.health()
    assert health.messages == 9 + len(CORPUS)
    assert [c.strength for c in heatmap.get_clusters("BTCUSDT")] == real
    assert all(_finite(c) for s in heatmap.symbols() for c in heatmap.get_clusters(s))
    assert health.parse_errors > 10
    assert sum(health.rejected.values()) >= 9


def test_replayed_liquidations_get_the_value_rules_too() -> None:
    from bot.domain import Liquidation

    heatmap = _heatmap()
    huge = Liquidation(symbol="BTCUSDT", side="long", price=90_000.0, quantity=1e20,
                       timestamp=NOW - timedelta(minutes=1))

    assert heatmap.add_liquidation(huge) is False
    assert heatmap.symbols() == []
    assert heatmap.health().rejected == {"notional_out_of_range": 1}


@pytest.mark.parametrize("name", ["update_interval", "silence_timeout"])
def test_a_wait_too_long_for_a_thread_is_refused_at_construction(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        LiveLiquidationHeatmap(**{name: 1e300})  # type: ignore[arg-type]
