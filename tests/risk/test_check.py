"""RiskEngine.check: each refusal with its boundary (exactly at a limit vs just past it)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest

from bot.domain import ExitIntent, PositionSide
from bot.errors import RiskRejected
from bot.risk import RiskDecision, RiskEngine, RiskLimits, RiskReason

from .helpers import LOOSE, T0, context, engine, intent, position

APPROVED = RiskReason.APPROVED
JUST = 1e-6  # one microsecond: the smallest step a datetime takes


@dataclass(frozen=True)
class Case:
    """One row: limits, something done to the engine first, the context and the intent."""

    limits: RiskLimits = LOOSE
    setup: Callable[[RiskEngine], None] = lambda _engine: None
    ctx: dict[str, Any] = field(default_factory=dict)
    entry: dict[str, Any] = field(default_factory=dict)


def _exit(symbol: str, seconds_ago: float) -> Callable[[RiskEngine], None]:
    return lambda risk: risk.record_exit(symbol, T0 - timedelta(seconds=seconds_ago))


def _kill_then_lift(risk: RiskEngine) -> None:
    risk.set_kill_switch(True, "panic")
    risk.set_kill_switch(False, "calm again")


def _orders(*seconds_ago: float) -> Callable[[RiskEngine], None]:
    def record(risk: RiskEngine) -> None:
        for ago in seconds_ago:
            risk.record_order(T0 - timedelta(seconds=ago))

    return record


CASES: dict[str, tuple[Case, str]] = {
    "nothing wrong": (Case(), APPROVED),
    "kill switch in limits": (Case(limits=replace(LOOSE, kill_switch=True)), "kill_switch"),
    "kill switch set": (Case(setup=lambda r: r.set_kill_switch(True, "manual")), "kill_switch"),
    "kill switch set then lifted": (Case(setup=_kill_then_lift), APPROVED),
    "price exactly max age": (Case(ctx={"price_age": 5.0}), APPROVED),
    "price just past max age": (Case(ctx={"price_age": 5.0 + JUST}), "stale_price"),
    "no mark price": (Case(ctx={"price": None}), "stale_price"),
    "mark price never observed": (Case(ctx={"price_age": None}), "stale_price"),
    "mark price not a number": (Case(ctx={"price": math.nan}), "stale_price"),
    "heatmap exactly max age": (Case(ctx={"heatmap_age": 30.0}), APPROVED),
    "heatmap just past max age": (Case(ctx={"heatmap_age": 30.0 + JUST}), "stale_heatmap"),
    "heatmap never updated": (Case(ctx={"heatmap_age": None}), "stale_heatmap"),
    "long open on the symbol": (
        Case(ctx={"positions": [position("BTCUSDT")]}),
        "already_in_position",
    ),
    "short open on the symbol, unified name": (
        Case(ctx={"positions": [position("BTC/USDT:USDT", PositionSide.SHORT)]}),
        "already_in_position",
    ),
    "position open on another symbol": (Case(ctx={"positions": [position("ETHUSDT")]}), APPROVED),
    "one below max open positions": (
        Case(ctx={"positions": [position("ETHUSDT"), position("SOLUSDT")]}),
        APPROVED,
    ),
    "at max open positions": (
        Case(ctx={"positions": [position(s) for s in ("ETHUSDT", "SOLUSDT", "XRPUSDT")]}),
        "max_open_positions",
    ),
    "exit exactly cooldown ago": (Case(setup=_exit("BTCUSDT", 300.0)), APPROVED),
    "exit just inside cooldown": (Case(setup=_exit("BTCUSDT", 300.0 - JUST)), "cooldown"),
    "exit inside cooldown, unified name": (Case(setup=_exit("BTC/USDT:USDT", 10)), "cooldown"),
    "exit on another symbol": (Case(setup=_exit("ETHUSDT", 10)), APPROVED),
    "no cooldown configured": (
        Case(limits=replace(LOOSE, cooldown_seconds=0), setup=_exit("BTCUSDT", 0)),
        APPROVED,
    ),
    "one order below the rate": (
        Case(limits=replace(LOOSE, max_orders_per_minute=2), setup=_orders(1)),
        APPROVED,
    ),
    "at the order rate": (
        Case(limits=replace(LOOSE, max_orders_per_minute=2), setup=_orders(59.999999, 1)),
        "orders_per_minute",
    ),
    "oldest order exactly 60 s ago": (
        Case(limits=replace(LOOSE, max_orders_per_minute=2), setup=_orders(60, 1)),
        APPROVED,
    ),
    "long stop above entry": (Case(entry={"stop": 101.0}), "bad_stop"),
    "long stop at entry": (Case(entry={"stop": 100.0}), "bad_stop"),
    "long stop at zero": (Case(entry={"stop": 0.0}), "bad_stop"),
    "long stop not a number": (Case(entry={"stop": math.nan}), "bad_stop"),
    "short stop below entry": (
        Case(entry={"side": PositionSide.SHORT, "stop": 99.0}),
        "bad_stop",
    ),
    "short stop at entry": (Case(entry={"side": PositionSide.SHORT, "stop": 100.0}), "bad_stop"),
    "entry price zero": (Case(entry={"entry": 0.0, "stop": 1.0}), "bad_stop"),
    "short stop above entry": (Case(entry={"side": PositionSide.SHORT}), APPROVED),
    # equity 10 000, 1 % risk = 100 USDT over a 5-USDT stop: 20 units.
    "size exactly the minimum": (Case(limits=replace(LOOSE, min_quantity=20.0)), APPROVED),
    "size just below the minimum": (
        Case(limits=replace(LOOSE, min_quantity=20.000001)),
        "size_below_minimum",
    ),
    "open notional exactly the total exposure": (
        Case(
            limits=replace(LOOSE, max_total_exposure=500.0),
            ctx={"positions": [position(quantity=5.0)]},
        ),
        "exposure_cap",
    ),
    "open notional just under the total exposure": (
        Case(
            limits=replace(LOOSE, max_total_exposure=500.01),
            ctx={"positions": [position(quantity=5.0)]},
        ),
        APPROVED,
    ),
    "zero equity": (Case(ctx={"equity": 0.0}), "insufficient_equity"),
    "negative equity": (Case(ctx={"equity": -50.0}), "insufficient_equity"),
    "equity not a number": (Case(ctx={"equity": math.nan}), "insufficient_equity"),
}


@pytest.mark.parametrize(("case", "expected"), list(CASES.values()), ids=list(CASES))
def test_check_refuses_with_the_reason_at_the_boundary(case: Case, expected: str) -> None:
    risk = engine(case.limits)
    case.setup(risk)

    decision = risk.check(intent(**case.entry), context(**case.ctx))

    assert decision.reason == expected, decision.detail
    assert decision.approved is (expected == APPROVED)
    assert (decision.order is not None) is decision.approved
    assert decision.detail


ORDER = (
    "kill_switch",
    "daily_loss_lock",
    "stale_price",
    "stale_heatmap",
    "already_in_position",
    "max_open_positions",
    "cooldown",
    "orders_per_minute",
    "bad_stop",
    "size_below_minimum",
)


@pytest.mark.parametrize("first", range(len(ORDER)), ids=ORDER)
def test_checks_run_in_the_documented_order(first: int) -> None:
    """With every fault from ``ORDER[first]`` on present at once, the earliest one is named."""
    faults = set(ORDER[first:])
    limits = replace(
        LOOSE,
        max_open_positions=1,
        max_orders_per_minute=1,
        min_quantity=1e6 if "size_below_minimum" in faults else 0.0,
    )
    risk = engine(limits)
    if "kill_switch" in faults:
        risk.set_kill_switch(True, "test")
    if "daily_loss_lock" in faults:
        risk.record_equity(T0, 20_000.0)  # the context's 10 000 is then a 50 % loss
    if "cooldown" in faults:
        risk.record_exit("BTCUSDT", T0)
    if "orders_per_minute" in faults:
        risk.record_order(T0)
    held = "BTCUSDT" if "already_in_position" in faults else "ETHUSDT"
    ctx = context(
        price_age=60.0 if "stale_price" in faults else 0.0,
        heatmap_age=600.0 if "stale_heatmap" in faults else 0.0,
        positions=[position(held)] if "max_open_positions" in faults else [],
    )
    entry = intent(stop=120.0 if "bad_stop" in faults else 95.0)

    decision = risk.check(entry, ctx)

    assert decision.reason == ORDER[first]


def test_refusal_detail_carries_the_numbers() -> None:
    risk = engine(LOOSE)

    decision = risk.check(intent(), context(price_age=7.25))

    assert decision.detail == "mark price is 7.250 s old, limit 5 s"


def test_a_refusal_converts_to_risk_rejected() -> None:
    decision = engine(LOOSE).check(intent(), context(heatmap_age=None))

    error = decision.to_error()

    assert isinstance(error, RiskRejected)
    assert (error.reason, error.detail) == ("stale_heatmap", "heatmap never updated")


def test_approving_an_order_does_not_count_it_toward_the_rate() -> None:
    risk = engine(replace(LOOSE, max_orders_per_minute=1))

    first = risk.check(intent(), context())
    second = risk.check(intent(), context())
    risk.record_order(T0)
    third = risk.check(intent(), context())

    assert (first.reason, second.reason, third.reason) == (APPROVED, APPROVED, "orders_per_minute")


@pytest.mark.parametrize(
    "setup",
    [
        lambda r: r.set_kill_switch(True, "manual"),
        lambda r: r.record_equity(T0, 1.0) or r.record_equity(T0, 0.5),
        lambda r: r.record_exit("BTCUSDT", T0),
    ],
    ids=["kill switch", "daily loss lock", "cooldown"],
)
def test_exits_are_never_blocked(setup: Callable[[RiskEngine], object]) -> None:
    risk = engine()
    setup(risk)
    exit_intent = ExitIntent(symbol="BTCUSDT", reason="stop_loss", created_at=T0)

    decision = risk.check_exit(exit_intent)

    assert decision.approved
    assert decision.order is None
    assert decision.reason == "approved"


def test_naive_times_are_refused() -> None:
    risk = engine()
    naive = T0.replace(tzinfo=None)

    with pytest.raises(ValueError, match="naive"):
        context(now=naive)
    with pytest.raises(ValueError, match="naive"):
        risk.record_order(naive)
    with pytest.raises(ValueError, match="naive"):
        risk.record_equity(naive, 100.0)


def test_rejected_decision_cannot_carry_an_order() -> None:
    approved = engine(LOOSE).check(intent(), context())

    with pytest.raises(ValueError, match="cannot carry an order"):
        RiskDecision(order=approved.order, reason="cooldown", detail="")
