"""RiskLimits: defaults as documented, and every bad value refused naming its field."""

from __future__ import annotations

import dataclasses
import math

import pytest

from bot.errors import ConfigError
from bot.risk import InvalidRiskLimit, RiskLimits


def test_defaults_are_the_documented_ones() -> None:
    limits = RiskLimits()

    assert dataclasses.asdict(limits) == {
        "risk_per_trade_pct": 1.0,
        "max_position_notional": 1_000.0,
        "max_total_exposure": 3_000.0,
        "max_leverage": 5.0,
        "max_open_positions": 3,
        "max_orders_per_minute": 10,
        "daily_loss_limit_pct": 5.0,
        "cooldown_seconds": 300.0,
        "max_price_age_seconds": 5.0,
        "max_heatmap_age_seconds": 30.0,
        "min_quantity": 0.0,
        "kill_switch": False,
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_leverage", 200, "max_leverage: expected a number between 1 and 125, got 200"),
        ("max_leverage", 125.01, "max_leverage: expected a number between 1 and 125, got 125.01"),
        ("max_leverage", 0.99, "max_leverage: expected a number between 1 and 125, got 0.99"),
        ("max_leverage", math.inf, "max_leverage: expected a number between 1 and 125, got inf"),
        ("max_leverage", True, "max_leverage: expected a number between 1 and 125, got True"),
        ("risk_per_trade_pct", 0, "risk_per_trade_pct: expected a number above 0 and at most"),
        ("risk_per_trade_pct", 100.5, "risk_per_trade_pct: expected a number above 0 and at"),
        ("daily_loss_limit_pct", -1, "daily_loss_limit_pct: expected a number above 0 and at"),
        ("daily_loss_limit_pct", math.nan, "daily_loss_limit_pct: expected a number above 0"),
        ("max_position_notional", 0, "max_position_notional: expected a number above 0, got 0"),
        ("max_total_exposure", -5.0, "max_total_exposure: expected a number above 0, got -5"),
        ("max_open_positions", 0, "max_open_positions: expected a whole number of at least 1"),
        ("max_open_positions", 2.5, "max_open_positions: expected a whole number of at least 1"),
        ("max_orders_per_minute", 0, "max_orders_per_minute: expected a whole number of at"),
        ("cooldown_seconds", -0.1, "cooldown_seconds: expected a number of at least 0, got -0.1"),
        ("max_price_age_seconds", 0, "max_price_age_seconds: expected a number above 0, got 0"),
        ("max_heatmap_age_seconds", "30", "max_heatmap_age_seconds: expected a number above 0"),
        ("min_quantity", -1e-9, "min_quantity: expected a number of at least 0, got -1e-09"),
        ("kill_switch", "yes", "kill_switch: expected true or false, got 'yes'"),
    ],
)
def test_bad_value_is_refused_naming_the_field(field: str, value: object, message: str) -> None:
    with pytest.raises(InvalidRiskLimit) as caught:
        RiskLimits(**{field: value})  # type: ignore[arg-type]

    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_leverage", 1),
        ("max_leverage", 125),
        ("risk_per_trade_pct", 100),
        ("risk_per_trade_pct", 0.01),
        ("daily_loss_limit_pct", 100),
        ("max_open_positions", 1),
        ("max_orders_per_minute", 1),
        ("cooldown_seconds", 0),
        ("min_quantity", 0),
        ("kill_switch", True),
    ],
)
def test_value_at_the_edge_of_its_range_is_accepted(field: str, value: object) -> None:
    limits = RiskLimits(**{field: value})  # type: ignore[arg-type]

    assert getattr(limits, field) == value


def test_invalid_limit_is_both_a_config_error_and_a_value_error() -> None:
    with pytest.raises(ConfigError):
        RiskLimits(max_leverage=200)
    with pytest.raises(ValueError, match=r"^max_leverage: "):
        RiskLimits(max_leverage=200)
