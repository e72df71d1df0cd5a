"""Request parameters as Binance reads them, and numbers as Binance writes them.

``Params`` wraps the decoded query string and form body (all text) and converts values
with Binance's errors: a missing value is ``-1102``, a non-number ``-1100``, a value outside
its set ``-1130``. The ``fmt_*`` helpers write decimals the way Binance's JSON does: as
strings, in plain notation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from bot.sim.rest.errors import illegal, invalid_value, mandatory

_NUMBER = re.compile(r"^-?[0-9]{1,20}(\.[0-9]{1,20})?$")
_MONEY = Decimal("0.00000001")  # Binance writes balances and PnL with 8 decimals


class Params:
    """The parameters of one request (query string and form body merged, text values).

    Args:
        values: parameter name → raw text value.
    """

    def __init__(self, values: Mapping[str, str]) -> None:
        """Keep a copy of ``values``."""
        self._values = dict(values)

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` was sent with a non-empty value."""
        return isinstance(name, str) and bool(self._values.get(name))

    def text(self, name: str) -> str | None:
        """The raw value, ``None`` when absent or empty."""
        value = self._values.get(name)
        return value if value else None

    def required(self, name: str) -> str:
        """The raw value; ``-1102`` when absent or empty."""
        value = self.text(name)
        if value is None:
            raise mandatory(name)
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        """A value from ``allowed`` (``default`` when absent); ``-1130`` otherwise."""
        value = self.text(name)
        if value is None:
            if default is None:
                raise mandatory(name)
            return default
        if value not in allowed:
            raise invalid_value(name)
        return value

    def decimal(self, name: str) -> Decimal | None:
        """A decimal number, ``None`` when absent; ``-1100`` when not a number."""
        value = self.text(name)
        if value is None:
            return None
        if not _NUMBER.match(value):
            raise illegal(name)
        try:
            return Decimal(value)
        except InvalidOperation as exc:  # the pattern should make this unreachable
            raise illegal(name) from exc

    def integer(self, name: str) -> int | None:
        """An integer, ``None`` when absent; ``-1100`` when not one."""
        value = self.text(name)
        if value is None:
            return None
        if not value.lstrip("-").isdigit():
            raise illegal(name)
        return int(value)

    def boolean(self, name: str) -> bool:
        """``true`` / ``false`` in any case (absent: false); ``-1130`` otherwise."""
        value = self.text(name)
        if value is None:
            return False
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise invalid_value(name)
        return lowered == "true"


def decimals_of(step: Decimal) -> int:
    """How many decimals a tick or lot size is written with (``0.10`` → 2, ``1`` → 0):
    Binance writes BTCUSDT's tick as ``0.10`` and its prices with 2 decimals."""
    exponent = step.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def fmt_step(value: Decimal, step: Decimal) -> str:
    """``value`` written with the decimals of ``step`` (prices with the tick's, ...)."""
    places = decimals_of(step)
    quantum = Decimal(1).scaleb(-places)
    return format(value.quantize(quantum), "f")


def fmt_money(value: Decimal) -> str:
    """A balance, PnL or average price: 8 decimals, trailing zeros dropped."""
    quantized = value.quantize(_MONEY)
    if quantized == 0:
        return "0"
    text = format(quantized, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """Whether ``value`` is a whole number of ``step`` (exact, no float rounding)."""
    return value % step == 0


def round_to(value: Decimal, step: Decimal, *, up: bool) -> Decimal:
    """``value`` rounded to a whole number of ``step``, up (ceiling) or down (floor)."""
    units = (value / step).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return units * step
