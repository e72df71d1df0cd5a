"""Sizing arithmetic to the cent: risk per trade over stop distance, then each cap binding."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from bot.domain import PositionSide
from bot.risk import RiskLimits, size_entry

from .helpers import LOOSE, context, engine, intent, position

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT


@dataclass(frozen=True)
class Sizing:
    """One row: inputs, then the expected quantity, notional and binding cap."""

    limits: RiskLimits
    equity: float
    side: PositionSide
    entry: float
    stop: float
    open_notional: float
    quantity: float
    notional: float
    capped_by: str | None


ROWS = {
    # 1 % of 10 000 = 100 USDT over a 2-USDT stop: 50 units, 5 000 USDT.
    "risk per trade alone": Sizing(LOOSE, 10_000, LONG, 100, 98, 0, 50, 5_000, None),
    "short mirrors long": Sizing(LOOSE, 10_000, SHORT, 100, 102, 0, 50, 5_000, None),
    # 2.5 % of 12 345.67 = 308.64175 USDT over 1 296.315: 0.2380952… BTC, 10 288.06 USDT.
    "odd numbers": Sizing(
        replace(LOOSE, risk_per_trade_pct=2.5),
        12_345.67,
        SHORT,
        43_210.5,
        44_506.815,
        0,
        308.64175 / 1_296.315,
        10_288.06,
        None,
    ),
    "position cap binds": Sizing(
        RiskLimits(), 10_000, LONG, 100, 98, 0, 10, 1_000, ("max_position_notional")
    ),
    "risk size exactly the position cap": Sizing(
        RiskLimits(max_position_notional=5_000, max_total_exposure=9_000),
        10_000,
        LONG,
        100,
        98,
        0,
        50,
        5_000,
        None,
    ),
    "exposure cap binds": Sizing(
        RiskLimits(), 10_000, LONG, 100, 98, 2_500, 5, 500, "max_total_exposure"
    ),
    "leverage cap binds": Sizing(
        RiskLimits(max_leverage=2), 200, LONG, 100, 99.99, 0, 4, 400, "max_leverage"
    ),
    "smallest cap wins, leverage under exposure": Sizing(
        RiskLimits(max_leverage=1), 300, SHORT, 50, 50.01, 2_000, 6, 300, "max_leverage"
    ),
    "equal caps name the first": Sizing(
        RiskLimits(max_position_notional=500),
        10_000,
        LONG,
        100,
        98,
        2_500,
        5,
        500,
        "max_position_notional",
    ),
}


@pytest.mark.parametrize("row", list(ROWS.values()), ids=list(ROWS))
def test_size_to_the_cent(row: Sizing) -> None:
    entry = intent(side=row.side, entry=row.entry, stop=row.stop)

    decision = size_entry(
        entry, equity=row.equity, open_notional=row.open_notional, limits=row.limits
    )

    assert decision.approved, decision.detail
    assert decision.order is not None
    assert decision.order.intent is entry
    assert decision.order.quantity == pytest.approx(row.quantity, rel=1e-12)
    assert decision.order.notional == pytest.approx(row.notional, abs=0.005)
    # The order runs at the account's leverage (as set on the exchange), whatever its size.
    assert decision.order.leverage == row.limits.account_leverage
    assert decision.capped_by == row.capped_by


@pytest.mark.parametrize(
    ("limits", "open_notional", "phrase"),
    [
        (RiskLimits(), 0.0, "capped by max_position_notional (1000.00 USDT, per position)"),
        (RiskLimits(), 2_500.0, "capped by max_total_exposure (500.00 USDT, left of 3000.00)"),
        (RiskLimits(max_leverage=1, max_position_notional=9e3), 0.0, "(400.00 USDT, 1x equity)"),
    ],
)
def test_detail_names_the_binding_cap(
    limits: RiskLimits, open_notional: float, phrase: str
) -> None:
    decision = size_entry(
        intent(stop=99.99), equity=400.0, open_notional=open_notional, limits=limits
    )

    assert phrase in decision.detail


def test_detail_shows_the_arithmetic() -> None:
    decision = size_entry(intent(stop=98.0), equity=10_000, open_notional=0, limits=LOOSE)

    assert decision.detail == (
        "risk 100.00 USDT (1 % of 10000.00) over stop distance 2: quantity 50, "
        "notional 5000.00 USDT, leverage 125.00x"
    )


def test_capped_notional_never_rounds_above_the_cap() -> None:
    # 1000 / 3 is not exact in binary: the quantity must round down, not to nearest.
    decision = size_entry(
        intent(entry=3.0, stop=2.0),
        equity=1e6,
        open_notional=0,
        limits=RiskLimits(max_position_notional=1_000, max_leverage=125),
    )

    assert decision.order is not None
    assert decision.order.quantity * 3.0 <= 1_000.0
    assert decision.order.notional == decision.order.quantity * 3.0


def test_engine_sizes_with_the_context_equity_and_open_positions() -> None:
    risk = engine(RiskLimits(max_total_exposure=1_200))
    ctx = context(equity=10_000, positions=[position("ETHUSDT", quantity=4.0, entry=100.0)])

    decision = risk.check(intent(stop=98.0), ctx)

    assert decision.order is not None
    assert decision.order.notional == pytest.approx(800.0, abs=0.005)
    assert decision.capped_by == "max_total_exposure"


def test_size_entry_refuses_a_bad_stop_on_its_own() -> None:
    decision = size_entry(intent(stop=100.0), equity=10_000, open_notional=0, limits=LOOSE)

    assert decision.reason == "bad_stop"
    assert decision.detail == "long stop 100 must lie below the entry 100"
