"""Paper margin and order sizes as the exchange has them (issue 11, case 9).

Leverage is the account's configured leverage (never notional ÷ equity), initial margin is
notional ÷ that leverage for new, open and restored positions alike, and an entry is
truncated to the lot step, filled on the tick grid and refused below the market's minimum
quantity or notional.
"""

from __future__ import annotations

import pytest

from bot.domain import EntryIntent, PositionSide
from bot.errors import InvalidOrder
from bot.execution import PaperConfig, PaperExecution
from bot.execution.lots import LotRules
from bot.risk import RiskLimits
from bot.risk.sizing import size_entry

from .helpers import T0, ManualClock, order

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT
BINANCE_BTC = LotRules(step_size=0.001, tick_size=0.1, min_quantity=0.001,
                       max_market_quantity=120.0, min_notional=100.0)


def _intent(stop_pct: float, price: float = 50_000.0) -> EntryIntent:
    return EntryIntent(symbol="BTCUSDT", side=LONG, reference_price=price,
                       stop_price=price * (1 - stop_pct / 100),
                       take_profit_price=price * 1.05, strength=0.8, cluster=None,
                       created_at=T0)


def test_a_1000_usdt_account_with_a_1_pct_stop_can_pay_for_its_entry(clock: ManualClock) -> None:
    # 1 % risk over a 1 % stop sizes a notional equal to equity: at notional ÷ equity = 1x
    # it needed all the equity as margin plus fees, so every such entry was refused.
    limits = RiskLimits()
    venue = PaperExecution(PaperConfig(starting_balance=1_000.0,
                                       leverage=limits.account_leverage), clock)
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)
    decision = size_entry(_intent(1.0), equity=1_000.0, open_notional=0.0, limits=limits)
    assert decision.order is not None

    position = venue.open_position(decision.order, "e1")

    assert decision.order.leverage == 5.0  # the account's leverage, not notional / equity
    assert position.quantity == pytest.approx(0.02)
    # 0.02 BTC at the 50,000 mark and 5x holds 200 of margin (unrealised −0.2 after slippage).
    assert venue.free_balance() == pytest.approx(venue.balance() - 0.2 - 200.0, abs=1e-6)


def test_margin_uses_the_configured_leverage_whatever_the_order_says(clock: ManualClock) -> None:
    venue = PaperExecution(PaperConfig(leverage=10), clock)
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)

    venue.open_position(order(LONG, leverage=1.0), "e1")  # 0.1 BTC, 5,001 notional

    # balance − 1.0 unrealised − 0.1 × 50,000 mark / 10.
    assert venue.free_balance() == pytest.approx(venue.balance() - 1.0 - 500.0, abs=1e-9)


def test_a_restored_position_holds_the_same_margin_as_an_opened_one(clock: ManualClock) -> None:
    opened = PaperExecution(PaperConfig(leverage=4), clock)
    opened.on_mark_price("BTCUSDT", 50_000.0, T0)
    position = opened.open_position(order(LONG), "e1")
    restored = PaperExecution(PaperConfig(leverage=4), clock)

    restored.restore(opened.balance(), [position])
    restored.on_mark_price("BTCUSDT", 50_000.0, T0)

    assert restored.free_balance() == pytest.approx(opened.free_balance(), abs=1e-9)
    opened.on_mark_price("BTCUSDT", 52_000.0, clock.advance(1))
    restored.on_mark_price("BTCUSDT", 52_000.0, clock.now)
    assert restored.free_balance() == pytest.approx(opened.free_balance(), abs=1e-9)


def test_an_entry_is_truncated_to_the_lot_and_filled_on_the_tick(clock: ManualClock) -> None:
    venue = PaperExecution(PaperConfig(slippage_bps=2.0), clock, {"BTC/USDT:USDT": BINANCE_BTC})
    venue.on_mark_price("BTCUSDT", 50_000.03, T0)

    long = venue.open_position(order(LONG, quantity=0.12345), "e1")

    assert long.quantity == 0.123  # truncated, as ccxt's amount_to_precision sends it
    assert long.entry_price == pytest.approx(50_010.1)  # 50,010.03006 rounded up to the tick
    assert long.entry_fee == pytest.approx(0.123 * 50_010.1 * 0.0005)


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0.0009, "truncates to 0"),
        (0.0019, "notional 50 below the minimum 100"),
        (130.0, "above the market maximum 120"),
    ],
)
def test_an_entry_the_exchange_would_refuse_is_refused(
    clock: ManualClock, quantity: float, message: str
) -> None:
    venue = PaperExecution(PaperConfig(starting_balance=1e7), clock, {"BTCUSDT": BINANCE_BTC})
    venue.on_mark_price("BTCUSDT", 50_000.0, T0)

    with pytest.raises(InvalidOrder, match=message):
        venue.open_position(order(LONG, quantity=quantity), "e1")

    assert venue.positions() == []
    assert venue.balance() == 1e7


def test_a_short_fills_on_the_tick_below() -> None:
    venue = PaperExecution(PaperConfig(slippage_bps=2.0), ManualClock(),
                           {"BTCUSDT": BINANCE_BTC})
    venue.on_mark_price("BTCUSDT", 50_000.03, T0)

    short = venue.open_position(order(SHORT, quantity=0.1), "e1")

    assert short.entry_price == pytest.approx(49_990.0)  # 49,990.03 rounded down


@pytest.mark.parametrize(("max_leverage", "account"), [(1, 1), (2.5, 3), (5, 5), (125, 125)])
def test_the_account_leverage_is_max_leverage_rounded_up(max_leverage: float,
                                                         account: int) -> None:
    assert RiskLimits(max_leverage=max_leverage).account_leverage == account
