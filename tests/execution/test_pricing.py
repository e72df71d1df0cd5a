"""Table tests of the pure pricing rules."""

from __future__ import annotations

import pytest

from bot.domain import OrderSide, PositionSide
from bot.execution.pricing import (
    ExitTrigger,
    funding_payment,
    gross_pnl,
    net_pnl,
    slipped_price,
    taker_fee,
    trigger_base_price,
    triggered_exit,
)

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT


@pytest.mark.parametrize(
    ("price", "side", "bps", "expected"),
    [
        (50_000.0, OrderSide.BUY, 2.0, 50_010.0),  # a buy pays more
        (50_000.0, OrderSide.SELL, 2.0, 49_990.0),  # a sell receives less
        (50_000.0, OrderSide.BUY, 0.0, 50_000.0),
        (3_000.0, OrderSide.SELL, 10.0, 2_997.0),
    ],
)
def test_slippage_is_always_against_the_taker(
    price: float, side: OrderSide, bps: float, expected: float
) -> None:
    assert slipped_price(price, side, bps) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("notional", "rate", "expected"),
    [(5_001.0, 0.0005, 2.5005), (10_000.0, 0.0002, 2.0), (1_000.0, 0.0, 0.0)],
)
def test_taker_fee_is_notional_times_rate(notional: float, rate: float, expected: float) -> None:
    assert taker_fee(notional, rate) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("side", "entry", "exit_", "quantity", "gross", "net"),
    [
        # net = gross − 0.05 % of entry notional − 0.05 % of exit notional
        (LONG, 50_000.0, 51_000.0, 0.1, 100.0, 100.0 - 2.5 - 2.55),
        (LONG, 50_000.0, 49_000.0, 0.1, -100.0, -100.0 - 2.5 - 2.45),
        (SHORT, 50_000.0, 49_000.0, 0.1, 100.0, 100.0 - 2.5 - 2.45),
        (SHORT, 50_000.0, 51_000.0, 0.1, -100.0, -100.0 - 2.5 - 2.55),
        (LONG, 3_000.0, 3_000.0, 2.0, 0.0, -6.0),
    ],
)
def test_pnl_gross_and_net_of_fees(
    side: PositionSide, entry: float, exit_: float, quantity: float, gross: float, net: float
) -> None:
    assert gross_pnl(side, entry, exit_, quantity) == pytest.approx(gross, abs=1e-9)
    assert net_pnl(side, entry, exit_, quantity, 0.0005) == pytest.approx(net, abs=1e-9)


STOP, TP = ExitTrigger.STOP_LOSS, ExitTrigger.TAKE_PROFIT


@pytest.mark.parametrize(
    ("side", "stop", "target", "mark", "expected"),
    [
        (LONG, 97.0, 105.0, 100.0, None),
        (LONG, 97.0, 105.0, 97.0, STOP),  # touching the level triggers
        (LONG, 97.0, 105.0, 97.01, None),
        (LONG, 97.0, 105.0, 90.0, STOP),
        (LONG, 97.0, 105.0, 105.0, TP),
        (LONG, 97.0, 105.0, 104.99, None),
        (LONG, 97.0, 105.0, 120.0, TP),
        (SHORT, 103.0, 95.0, 100.0, None),
        (SHORT, 103.0, 95.0, 103.0, STOP),
        (SHORT, 103.0, 95.0, 110.0, STOP),
        (SHORT, 103.0, 95.0, 95.0, TP),
        (SHORT, 103.0, 95.0, 80.0, TP),
        # Both crossed by one mark (inverted levels): the stop wins.
        (LONG, 100.0, 100.0, 100.0, STOP),
        (LONG, 101.0, 99.0, 100.0, STOP),
        (SHORT, 99.0, 101.0, 100.0, STOP),
    ],
)
def test_triggered_exit(
    side: PositionSide, stop: float, target: float, mark: float, expected: ExitTrigger | None
) -> None:
    assert triggered_exit(side, stop, target, mark) is expected


@pytest.mark.parametrize(
    ("side", "level", "mark", "expected"),
    [
        (LONG, 97.0, 97.0, 97.0),  # stop touched exactly: the level
        (LONG, 97.0, 95.0, 95.0),  # stop gapped through: the worse mark
        (LONG, 105.0, 108.0, 105.0),  # target gapped through: still the level
        (SHORT, 103.0, 103.0, 103.0),
        (SHORT, 103.0, 106.0, 106.0),
        (SHORT, 95.0, 92.0, 95.0),
    ],
)
def test_trigger_fill_is_the_worse_of_level_and_mark(
    side: PositionSide, level: float, mark: float, expected: float
) -> None:
    assert trigger_base_price(side, level, mark) == expected


@pytest.mark.parametrize(
    ("side", "rate", "expected"),
    [
        (LONG, 0.0001, -0.5),  # positive rate: longs pay
        (SHORT, 0.0001, 0.5),  # ... shorts receive
        (LONG, -0.0002, 1.0),  # negative rate: longs receive
        (SHORT, -0.0002, -1.0),
    ],
)
def test_funding_payment(side: PositionSide, rate: float, expected: float) -> None:
    assert funding_payment(side, 0.1, 50_000.0, rate) == pytest.approx(expected, abs=1e-12)
