"""Balance, equity, margin and funding of the paper venue over sequences of trades."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain import PositionSide
from bot.errors import ConfigError, InsufficientFunds
from bot.execution import PaperConfig, PaperExecution

from .helpers import T0, ManualClock, order

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT
CENT = 0.005


def _check_identity(venue: PaperExecution) -> None:
    assert venue.equity() == pytest.approx(
        10_000.0 + venue.realised_pnl() + venue.unrealised_pnl(), abs=1e-9
    )


def test_balance_equity_and_unrealised_through_a_sequence(
    venue: PaperExecution, clock: ManualClock
) -> None:
    # Long 0.1 BTC: bought at 50,010, fee 2.5005.
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    venue.open_position(order(LONG), "btc-1")
    assert venue.balance() == pytest.approx(9_997.4995, abs=1e-9)
    assert venue.unrealised_pnl() == pytest.approx(-1.0, abs=1e-9)
    assert venue.equity() == pytest.approx(9_996.4995, abs=1e-9)

    venue.on_mark_price("BTCUSDT", 50_500.0, clock.advance(1))
    assert venue.unrealised_pnl() == pytest.approx(49.0, abs=1e-9)
    assert venue.equity() == pytest.approx(10_046.4995, abs=1e-9)

    # Short 2 ETH: sold at 2,999.40, fee 2.9994.
    venue.on_mark_price("ETHUSDT", 3_000.0, clock.now)
    venue.open_position(order(SHORT, symbol="ETHUSDT", quantity=2.0, reference=3_000.0), "eth-1")
    assert venue.balance() == pytest.approx(9_994.5001, abs=1e-9)
    assert venue.unrealised_pnl() == pytest.approx(49.0 - 1.2, abs=1e-9)
    assert venue.equity() == pytest.approx(10_042.3001, abs=1e-9)
    _check_identity(venue)

    # Close BTC at mark 50,500: sold at 50,489.90, gross 47.99, exit fee 2.524495.
    venue.close_position("BTCUSDT", "signal", "btc-1-x")
    assert venue.balance() == pytest.approx(10_039.965605, abs=1e-9)
    assert venue.unrealised_pnl() == pytest.approx(-1.2, abs=1e-9)
    assert venue.equity() == pytest.approx(10_038.765605, abs=1e-9)
    assert venue.realised_pnl() == pytest.approx(39.965605, abs=1e-9)
    assert [p.symbol for p in venue.positions()] == ["ETHUSDT"]
    _check_identity(venue)


def test_free_balance_subtracts_margin_and_counts_unrealised(venue: PaperExecution) -> None:
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    venue.open_position(order(LONG), "e1")

    # 9,997.4995 balance − 1.0 unrealised − 0.1 × 50,000 mark / 5x margin.
    assert venue.free_balance() == pytest.approx(9_997.4995 - 1.0 - 1_000.0, abs=1e-9)


def test_insufficient_funds_is_refused_and_changes_nothing(clock: ManualClock) -> None:
    venue = PaperExecution(PaperConfig(starting_balance=1_000.0), clock)
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)

    # 5,001 notional at the account's 5× needs 1,000.20 margin + 5.00 fees: more than 1,000.
    with pytest.raises(InsufficientFunds, match=r"free balance is 1000\.00"):
        venue.open_position(order(LONG), "e1")

    assert venue.balance() == 1_000.0
    assert venue.positions() == []
    assert venue.find_by_client_order_id("e1") is None
    # On an account at 10× the margin is 500.10: it fits.
    at_10x = PaperExecution(PaperConfig(starting_balance=1_000.0, leverage=10), clock)
    at_10x.on_mark_price("BTCUSDT", 50_000.0, T0)
    assert at_10x.open_position(order(LONG), "e1").quantity == 0.1


def test_margin_in_use_limits_the_next_position(clock: ManualClock) -> None:
    venue = PaperExecution(PaperConfig(starting_balance=1_000.0, leverage=10), clock)
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    venue.on_mark_price("ETHUSDT", 3_000.0, T0)
    venue.open_position(order(LONG), "btc")  # 500 margin at the 50,000 mark

    eth = order(LONG, symbol="ETHUSDT", quantity=2.0, reference=3_000.0)
    with pytest.raises(InsufficientFunds):
        # 600 margin + 6 fees > 1,000 − 2.50 fee − 1.00 unrealised − 500 margin.
        venue.open_position(eth, "eth")


def test_funding_is_charged_once_per_time_when_enabled(clock: ManualClock) -> None:
    venue = PaperExecution(PaperConfig(funding=True), clock)
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    venue.open_position(order(LONG), "e1")
    balance = venue.balance()
    funding_time = T0.replace(hour=16)
    venue.on_mark_price("BTCUSDT", 50_000.0, funding_time)

    paid = venue.apply_funding("BTCUSDT", 0.0001, funding_time)
    repeated = venue.apply_funding("BTCUSDT", 0.0001, funding_time)

    assert paid == pytest.approx(-0.5, abs=1e-12)  # 0.1 × 50,000 × 0.01 %, longs pay
    assert repeated == 0.0
    assert venue.balance() == pytest.approx(balance - 0.5, abs=1e-12)
    _check_identity(venue)


def test_funding_is_skipped_when_off_or_before_the_open(
    venue: PaperExecution, clock: ManualClock
) -> None:
    on = PaperExecution(PaperConfig(funding=True), clock)
    for paper in (venue, on):
        paper.on_mark_price("BTCUSDT", 50_000.0, T0)
        paper.open_position(order(SHORT), "e1")

    assert venue.apply_funding("BTCUSDT", 0.0001, T0.replace(hour=16)) == 0.0  # off
    assert on.apply_funding("BTCUSDT", 0.0001, T0.replace(hour=8)) == 0.0  # before the open
    assert on.apply_funding("ETHUSDT", 0.0001, T0.replace(hour=16)) == 0.0  # nothing held
    assert venue.balance() == on.balance()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("starting_balance", -1.0),
        ("taker_fee_rate", -0.0001),
        ("slippage_bps", float("nan")),
        ("max_mark_age_seconds", 0.0),
    ],
)
def test_bad_config_names_the_key(field: str, value: float) -> None:
    settings: dict[str, Any] = {field: value}

    with pytest.raises(ConfigError, match=f"paper.{field}"):
        PaperConfig(**settings)
