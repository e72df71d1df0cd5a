"""The account model and margin arithmetic on their own (no HTTP)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.sim.rest.accounts import Account, AccountConfig
from bot.sim.rest.brackets import ZERO_BRACKET, Brackets, liquidation_price
from bot.sim.rest.params import fmt_money, fmt_step, round_to

D = Decimal
NO_FEES = AccountConfig(taker_fee=D(0), maker_fee=D(0), slippage_bps=D(0))


def _account(config: AccountConfig = NO_FEES) -> Account:
    return Account(config, ["BTCUSDT", "ETHUSDT"], Brackets(D("0.004")), now_ms=1)


def test_fills_in_one_direction_average_the_entry() -> None:
    account = _account()

    account.apply_fill("BTCUSDT", "BUY", D(1), D(100), D(0), 2)
    account.apply_fill("BTCUSDT", "BUY", D(3), D(120), D(0), 3)

    position = account.position("BTCUSDT")
    assert (position.amount, position.entry_price) == (D(4), D(115))
    assert account.wallet_balance == D(10_000)


def test_reducing_realises_and_flipping_restarts_the_entry() -> None:
    account = _account()
    account.apply_fill("BTCUSDT", "BUY", D(2), D(100), D(0), 2)

    realised, _ = account.apply_fill("BTCUSDT", "SELL", D(1), D(110), D(0), 3)
    flipped, _ = account.apply_fill("BTCUSDT", "SELL", D(3), D(90), D(0), 4)

    position = account.position("BTCUSDT")
    assert realised == D(10)
    assert flipped == D(-10)  # the last long unit closed 10 below its entry
    assert (position.amount, position.entry_price) == (D(-2), D(90))
    assert account.wallet_balance == D(10_000)


def test_fees_come_off_the_wallet() -> None:
    account = _account(AccountConfig())

    _, fee = account.apply_fill("BTCUSDT", "BUY", D("0.5"), D(90_000), D("0.0004"), 2)

    assert fee == D(18)
    assert account.wallet_balance == D(9_982)


def test_isolated_wallet_is_held_and_released_in_proportion() -> None:
    account = _account()
    position = account.position("ETHUSDT")
    position.margin_type, position.leverage = "ISOLATED", 10

    account.apply_fill("ETHUSDT", "SELL", D(4), D(3_000), D(0), 2)
    held = position.isolated_wallet
    account.apply_fill("ETHUSDT", "BUY", D(1), D(3_000), D(0), 3)

    assert held == D(1_200)
    assert position.isolated_wallet == D(900)
    totals = account.totals({"BTCUSDT": D(90_000), "ETHUSDT": D(3_000)}, D(0))
    assert totals.cross_wallet == D(10_000) - D(900)
    assert totals.available == D(10_000) - D(900)


def test_available_counts_cross_margin_pnl_and_open_orders() -> None:
    account = _account()
    account.apply_fill("BTCUSDT", "BUY", D(1), D(90_000), D(0), 2)

    totals = account.totals({"BTCUSDT": D(89_000), "ETHUSDT": D(3_000)}, D(500))

    # leverage 20: initial margin 89,000 / 20 at the mark
    assert totals.unrealised == D(-1_000)
    assert totals.position_initial_margin == D(4_450)
    assert totals.available == D(10_000) - D(1_000) - D(4_450) - D(500)
    assert totals.margin_balance == D(9_000)


def test_brackets_keep_maintenance_continuous() -> None:
    brackets = Brackets(D("0.004"))

    for tier in brackets.tiers[1:]:
        below = brackets.maintenance(tier.notional_floor - D("0.000001"))
        at = brackets.maintenance(tier.notional_floor)
        assert at == pytest.approx(below, abs=D("0.0001"))
    assert brackets.max_notional(125) == D(50_000)
    assert brackets.max_notional(20) == D(10_000_000)


@pytest.mark.parametrize("leverage", [10, 20, 50, 100])
def test_isolated_liquidation_price_matches_the_closed_form(leverage: int) -> None:
    entry, size, rate = D(90_000), D("0.5"), D("0.004")
    bracket = Brackets(rate).for_notional(size * entry)

    long_price = liquidation_price(size, entry, size * entry / leverage, bracket)
    short_price = liquidation_price(-size, entry, size * entry / leverage, bracket)

    assert long_price == pytest.approx(entry * (1 - D(1) / leverage) / (1 - rate))
    assert short_price == pytest.approx(entry * (1 + D(1) / leverage) / (1 + rate))


def test_bankruptcy_price_is_where_the_margin_is_gone() -> None:
    price = liquidation_price(D(2), D(100), D(20), ZERO_BRACKET)

    assert price == D(90)


def test_liquidation_loses_the_isolated_wallet_only() -> None:
    account = _account()
    position = account.position("BTCUSDT")
    position.margin_type, position.leverage = "ISOLATED", 50
    account.apply_fill("BTCUSDT", "BUY", D(1), D(90_000), D(0), 2)
    marks = {"BTCUSDT": D(90_000), "ETHUSDT": D(3_000)}
    lp = account.liquidation_price("BTCUSDT", marks)

    kept = account.liquidate({**marks, "BTCUSDT": lp + 1}, 3)
    lost = account.liquidate({**marks, "BTCUSDT": lp - 1}, 4)

    assert kept == []
    assert [(e.symbol, e.side, e.quantity, e.loss) for e in lost] == [
        ("BTCUSDT", "SELL", D(1), D(1_800))
    ]
    assert account.wallet_balance == D(10_000 - 1_800)
    assert account.open_positions() == {}


def test_decimal_helpers_write_binance_numbers() -> None:
    assert fmt_step(D("0.05"), D("0.001")) == "0.050"
    assert fmt_step(D(90_000), D("0.10")) == "90000.00"
    assert fmt_money(D("12.3456789012")) == "12.3456789"
    assert fmt_money(D(0)) == "0"
    assert round_to(D("90009.01"), D("0.1"), up=True) == D("90009.1")
    assert round_to(D("90009.09"), D("0.1"), up=False) == D("90009.0")
