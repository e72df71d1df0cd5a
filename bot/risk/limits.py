"""The risk limits: one frozen settings object, validated when built."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from bot.errors import ConfigError

__all__ = ["InvalidRiskLimit", "RiskLimits"]


class InvalidRiskLimit(ConfigError, ValueError):
    """A risk limit is out of range; the message starts with the field's name.

    It is also a ``ValueError`` so that a pydantic validator building ``RiskLimits`` turns it
    into an ordinary validation error naming the ``risk.*`` key.
    """


@dataclass(frozen=True, slots=True)
class _Range:
    """The accepted range of one numeric limit, and how to say it in an error."""

    low: float
    high: float = math.inf
    low_open: bool = False
    whole: bool = False

    def accepts(self, value: float) -> bool:
        """Whether ``value`` is a finite number inside the range."""
        if not math.isfinite(value):
            return False
        if self.whole and not float(value).is_integer():
            return False
        above_low = value > self.low if self.low_open else value >= self.low
        return above_low and value <= self.high

    def describe(self) -> str:
        """The range in words, e.g. ``a number between 1 and 125``."""
        kind = "a whole number" if self.whole else "a number"
        low, high = _show(self.low), _show(self.high)
        if math.isinf(self.high):
            return f"{kind} above {low}" if self.low_open else f"{kind} of at least {low}"
        if self.low_open:
            return f"{kind} above {low} and at most {high}"
        return f"{kind} between {low} and {high}"


_POSITIVE = _Range(0.0, low_open=True)
_NON_NEGATIVE = _Range(0.0)
_PERCENT = _Range(0.0, 100.0, low_open=True)
_COUNT = _Range(1.0, whole=True)

_RANGES: dict[str, _Range] = {
    "risk_per_trade_pct": _PERCENT,
    "max_position_notional": _POSITIVE,
    "max_total_exposure": _POSITIVE,
    "max_leverage": _Range(1.0, 125.0),
    "max_open_positions": _COUNT,
    "max_orders_per_minute": _COUNT,
    "daily_loss_limit_pct": _PERCENT,
    "cooldown_seconds": _NON_NEGATIVE,
    "max_price_age_seconds": _POSITIVE,
    "max_heatmap_age_seconds": _POSITIVE,
    "min_quantity": _NON_NEGATIVE,
}


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Every limit the risk engine enforces; the settings map ``risk.*`` keys onto the fields.

    Attributes:
        risk_per_trade_pct: Percent of equity lost if the stop is hit (sizes each entry).
        max_position_notional: Largest notional of one position, USDT.
        max_total_exposure: Largest sum of open positions' notional incl. the new one, USDT.
        max_leverage: Largest notional / equity of one order, 1..125 (the account's leverage
            is this rounded up: ``account_leverage``).
        max_open_positions: Most positions open at once.
        max_orders_per_minute: Most entry orders in any sliding 60-second window.
        daily_loss_limit_pct: Percent of the UTC day's starting equity whose loss (realised
            plus unrealised) switches the bot to reduce-only until the next UTC day.
        cooldown_seconds: Pause before re-entering a symbol after an exit.
        max_price_age_seconds: Oldest mark price an entry may be sized on.
        max_heatmap_age_seconds: Oldest heatmap update an entry may rely on.
        min_quantity: Smallest quantity worth sending (base asset); smaller sizes are refused.
        kill_switch: Refuse every entry (exits still pass); cannot be lifted at run time.
    """

    risk_per_trade_pct: float = 1.0
    max_position_notional: float = 1_000.0
    max_total_exposure: float = 3_000.0
    max_leverage: float = 5.0
    max_open_positions: int = 3
    max_orders_per_minute: int = 10
    daily_loss_limit_pct: float = 5.0
    cooldown_seconds: float = 300.0
    max_price_age_seconds: float = 5.0
    max_heatmap_age_seconds: float = 30.0
    min_quantity: float = 0.0
    kill_switch: bool = False

    @property
    def account_leverage(self) -> int:
        """The leverage the account runs at on every traded symbol: ``max_leverage`` rounded up
        (exchanges take whole numbers), at most 125.

        What the live venue sets on the exchange and the paper venue reckons margin with;
        sizing caps notional at ``equity × max_leverage``, so a position never needs more.
        """
        return min(125, math.ceil(self.max_leverage))

    def __post_init__(self) -> None:
        for field in fields(self):
            value: object = getattr(self, field.name)
            if field.name == "kill_switch":
                if not isinstance(value, bool):
                    raise InvalidRiskLimit(f"kill_switch: expected true or false, got {value!r}")
                continue
            expected = _RANGES[field.name]
            # bool is an int subclass: ``max_leverage=True`` is a mistake, not 1.
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not expected.accepts(float(value))
            ):
                raise InvalidRiskLimit(
                    f"{field.name}: expected {expected.describe()}, got {_show(value)}"
                )


def _show(value: object) -> str:
    """A number as a person would write it (``200``, not ``200.0``); anything else as repr."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return repr(value)
