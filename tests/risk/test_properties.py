"""Property: whatever the limits, equity, prices and open positions, an approval fits every cap."""

from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from bot.domain import PositionSide
from bot.risk import RiskLimits

from .helpers import context, engine, intent, position

MONEY = st.floats(min_value=1.0, max_value=1e7, allow_nan=False, allow_infinity=False)
PRICE = st.floats(min_value=1e-4, max_value=1e6, allow_nan=False, allow_infinity=False)

LIMITS = st.builds(
    RiskLimits,
    risk_per_trade_pct=st.floats(min_value=0.01, max_value=100.0),
    max_position_notional=MONEY,
    max_total_exposure=MONEY,
    max_leverage=st.floats(min_value=1.0, max_value=125.0),
    max_open_positions=st.integers(min_value=1, max_value=5),
    min_quantity=st.floats(min_value=0.0, max_value=1.0),
)


@settings(max_examples=300, deadline=None)
@given(
    limits=LIMITS,
    equity=st.floats(min_value=-1e3, max_value=1e7, allow_nan=False),
    side=st.sampled_from(list(PositionSide)),
    entry=PRICE,
    stop_fraction=st.floats(min_value=1e-6, max_value=0.99),
    open_notionals=st.lists(MONEY, max_size=4),
)
def test_an_approved_order_never_exceeds_any_cap(
    limits: RiskLimits,
    equity: float,
    side: PositionSide,
    entry: float,
    stop_fraction: float,
    open_notionals: list[float],
) -> None:
    stop = entry * (1 - stop_fraction * side.sign)
    positions = [
        position(f"ALT{i}USDT", quantity=n, entry=1.0) for i, n in enumerate(open_notionals)
    ]
    ctx = context(equity=equity, positions=positions)
    open_notional = sum(open_notionals)

    decision = engine(limits).check(intent(side=side, entry=entry, stop=stop), ctx)

    event(decision.reason)
    if decision.order is None:
        return
    order = decision.order
    assert order.notional == order.quantity * entry
    assert order.quantity >= limits.min_quantity
    assert order.quantity > 0
    assert order.notional <= limits.max_position_notional
    assert order.notional <= limits.max_total_exposure - open_notional
    assert order.notional <= equity * limits.max_leverage
    assert order.leverage == limits.account_leverage
    assert order.notional / order.leverage <= equity  # the margin fits in the equity
    assert len(positions) < limits.max_open_positions
    # Hitting the stop loses at most the risk per trade (up to float rounding).
    loss_at_stop = order.quantity * abs(entry - stop)
    assert loss_at_stop <= equity * limits.risk_per_trade_pct / 100 * (1 + 1e-9)


def test_an_equity_below_a_cent_sizes_nothing() -> None:
    # Hypothesis once found equity 2.2e-311: subnormal arithmetic rounded the order past
    # equity × max_leverage.
    limits = RiskLimits(risk_per_trade_pct=100.0, max_position_notional=1e7,
                        max_total_exposure=1e7, max_leverage=125.0)

    decision = engine(limits).check(intent(side=PositionSide.LONG, entry=1.0, stop=0.999999),
                                    context(equity=2.2e-311, positions=[]))

    assert decision.order is None
    assert decision.reason == "insufficient_equity"
