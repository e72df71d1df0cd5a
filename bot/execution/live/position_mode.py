"""The account's position mode, checked before live trading starts.

The bot trades one-way mode only: in hedge (dual-side) mode Binance keeps a long and a
short per symbol, which the journal (one position per symbol) and reconciliation would
mistake for one, dropping a leg.
"""

from __future__ import annotations

from bot.errors import ExchangeError
from bot.exchange import BinanceGateway


class HedgeModeRefused(ExchangeError):
    """The account is in hedge (dual-side) position mode: live trading refuses to start."""


def require_one_way_mode(gateway: BinanceGateway) -> None:
    """Return quietly in one-way mode.

    Raises:
        HedgeModeRefused: the account is in hedge (dual-side) position mode.
    """
    if gateway.fetch_position_mode().dual_side:
        raise HedgeModeRefused(
            "the account is in hedge (dual-side) position mode; the bot trades one-way mode "
            "only: switch Binance's position mode to one-way, then start again")
