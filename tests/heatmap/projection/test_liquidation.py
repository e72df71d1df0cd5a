"""Binance's isolated liquidation price: worked cases across brackets, both sides, and the
simulator's own formula."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from bot.heatmap.projection import (
    DEFAULT_BRACKETS,
    GENERIC_BRACKETS,
    Bracket,
    BracketTable,
    brackets_from_exchange,
    liquidation_price,
    liquidation_prices,
)
from bot.sim.rest.brackets import Brackets
from bot.sim.rest.brackets import liquidation_price as sim_liquidation_price

BTC = DEFAULT_BRACKETS["BTCUSDT"]


def published(is_long: bool, entry: float, leverage: float, quantity: float,
              bracket: Bracket) -> float:
    """Binance's general formula with the isolated wallet = initial margin:
    ``LP = (WB + cum − s·Q·EP) / (Q·MMR − s·Q)``."""
    side = 1.0 if is_long else -1.0
    wallet = quantity * entry / leverage
    return ((wallet + bracket.cum - side * quantity * entry)
            / (quantity * bracket.maint_margin_ratio - side * quantity))


@pytest.mark.parametrize(
    ("is_long", "entry", "leverage", "quantity", "expected"),
    [
        # tier 1 (notional 5,000: MMR 0.4 %, cum 0)
        (True, 50_000.0, 10.0, 0.1, 45_000 / 0.996),
        (False, 50_000.0, 10.0, 0.1, 55_000 / 1.004),
        # tier 2 (notional 60,000: MMR 0.5 %, cum 50)
        (True, 30_000.0, 50.0, 2.0, (29_400 - 25) / 0.995),
        (False, 30_000.0, 50.0, 2.0, (30_600 + 25) / 1.005),
        # tier 3 (notional 600,000: MMR 1 %, cum 2,550)
        (True, 60_000.0, 20.0, 10.0, (57_000 - 255) / 0.99),
        (False, 60_000.0, 20.0, 10.0, (63_000 + 255) / 1.01),
        # tier 4 (notional 9,000,000: MMR 2.5 %, cum 122,550)
        (True, 90_000.0, 10.0, 100.0, (81_000 - 1_225.5) / 0.975),
        (False, 90_000.0, 10.0, 100.0, (99_000 + 1_225.5) / 1.025),
    ],
)
def test_btc_worked_cases_match_binance_to_1e9(is_long: bool, entry: float, leverage: float,
                                                quantity: float, expected: float) -> None:
    price = liquidation_price(is_long, entry, leverage, quantity, BTC)

    assert price == pytest.approx(expected, rel=1e-9)
    assert price == pytest.approx(published(is_long, entry, leverage, quantity,
                                            BTC.for_notional(quantity * entry)), rel=1e-9)


def test_cum_keeps_maintenance_continuous_at_every_tier_boundary() -> None:
    for table in (*DEFAULT_BRACKETS.values(), GENERIC_BRACKETS):
        for lower, upper in zip(table.tiers, table.tiers[1:], strict=False):
            at = upper.floor
            assert at * lower.maint_margin_ratio - lower.cum == pytest.approx(
                at * upper.maint_margin_ratio - upper.cum, rel=1e-12)


def test_a_long_that_cannot_be_liquidated_shows_zero() -> None:
    assert liquidation_price(True, 100.0, 1.0, 1.0, BTC) == 0.0


def test_the_vectorised_form_equals_the_scalar_one() -> None:
    rng = np.random.default_rng(3)
    entry = rng.uniform(10, 100_000, 500)
    leverage = rng.choice([1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 125.0], 500)
    quantity = rng.uniform(1e-3, 2e4, 500) / entry * 1_000
    is_long = rng.random(500) < 0.5

    many = liquidation_prices(is_long, entry, leverage, quantity, BTC)

    one_by_one = [liquidation_price(bool(s), e, lev, q, BTC)
                  for s, e, lev, q in zip(is_long, entry, leverage, quantity, strict=True)]
    assert many == pytest.approx(one_by_one, rel=1e-12)


def test_it_agrees_with_the_simulators_own_liquidation_prices() -> None:
    sim = Brackets(Decimal("0.004"))
    table = BracketTable([Bracket(float(t.notional_floor), float(t.notional_cap),
                                  t.initial_leverage, float(t.maint_margin_ratio), float(t.cum))
                          for t in sim.tiers])
    cases = [(s, e, lev, q) for s in (True, False) for e in (95.0, 3_000.0, 90_000.0)
             for lev in (2, 10, 50, 100) for q in (0.01, 3.0, 200.0)]
    for is_long, entry, leverage, quantity in cases:
        amount = Decimal(str(quantity)) * (1 if is_long else -1)
        wallet = Decimal(str(quantity)) * Decimal(str(entry)) / leverage
        bracket = sim.for_notional(abs(amount) * Decimal(str(entry)))
        expected = float(sim_liquidation_price(amount, Decimal(str(entry)), wallet, bracket))

        ours = liquidation_price(is_long, entry, leverage, quantity, table)

        assert ours == pytest.approx(expected, rel=1e-9, abs=1e-9), (is_long, entry, leverage,
                                                                      quantity)


def test_tables_are_read_from_the_leverage_bracket_answer() -> None:
    payload = [{"symbol": "XUSDT", "brackets": [
        {"bracket": 2, "initialLeverage": 20, "notionalCap": 100_000, "notionalFloor": 10_000,
         "maintMarginRatio": 0.01, "cum": 50.0},
        {"bracket": 1, "initialLeverage": 50, "notionalCap": 10_000, "notionalFloor": 0,
         "maintMarginRatio": 0.005, "cum": 0.0},
    ]}]

    table = brackets_from_exchange(payload)["XUSDT"]

    assert [t.max_leverage for t in table.tiers] == [50, 20]
    assert table.for_notional(50_000).cum == 50.0


@pytest.mark.parametrize("payload", [
    [{"symbol": "X"}],
    [{"symbol": "X", "brackets": [{"notionalFloor": 0}]}],
    [{"symbol": "X", "brackets": [{"notionalFloor": 0, "notionalCap": 1, "initialLeverage": 2,
                                   "maintMarginRatio": True, "cum": 0}]}],
])
def test_a_malformed_leverage_bracket_answer_is_refused(payload: list[dict[str, object]]) -> None:
    with pytest.raises(ValueError, match="leverageBracket"):
        brackets_from_exchange(payload)


def test_tiers_must_start_at_zero_and_touch() -> None:
    with pytest.raises(ValueError, match="start at notional 0"):
        BracketTable([Bracket(1, 2, 10, 0.01, 0)])
    with pytest.raises(ValueError, match="must touch"):
        BracketTable([Bracket(0, 2, 10, 0.01, 0), Bracket(3, 4, 5, 0.02, 0)])
