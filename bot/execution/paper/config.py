"""Settings of the paper venue (kept apart so the venue module stays about fills)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from bot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class PaperConfig:
    """Settings of the paper venue.

    Attributes:
        starting_balance: initial wallet in USDT.
        taker_fee_rate: fraction of notional per fill; 0.0005 is Binance USDⓈ-M's
            default taker fee (0.05 %).
        slippage_bps: basis points a market fill moves against the taker.
        max_mark_age_seconds: a mark older than this is too stale to fill at.
        funding: charge funding when ``apply_funding`` is called; off by default.
        leverage: the account's leverage for every symbol (1..125), as the live venue sets
            it on the exchange; initial margin is notional ÷ leverage.
    """

    starting_balance: float = 10_000.0
    taker_fee_rate: float = 0.0005
    slippage_bps: float = 2.0
    max_mark_age_seconds: float = 10.0
    funding: bool = False
    leverage: int = 5

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or field.name == "leverage":
                continue
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"paper.{field.name} must be a finite number ≥ 0, got {value!r}")
        if isinstance(self.leverage, bool) or self.leverage not in range(1, 126):
            raise ConfigError(
                f"paper.leverage must be a whole number 1..125, got {self.leverage!r}")
        if self.max_mark_age_seconds <= 0:
            raise ConfigError("paper.max_mark_age_seconds must be > 0")
