"""The execution port: what the runner needs from any venue, paper or live.

Implementations are siblings (``PaperExecution`` here, the live venue beside it); code
that holds an ``ExecutionVenue`` never asks which one it has.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from bot.domain import ClosedPosition, Position, SizedOrder

ExecutionMode = Literal["paper", "live"]
"""Where orders go: simulated in-process (``paper``) or to the exchange (``live``)."""

"""A function returning the current time as a timezone-aware UTC datetime."""


class ExecutionVenue(Protocol):
    """Opens and closes positions and reports the account, for one trading mode.

    Symbols may be given as ``BTCUSDT`` or ``BTC/USDT:USDT``; positions carry the
    exchange form. Errors are the project's own (``bot.errors``): ``InvalidOrder`` for a
    malformed order or a second position on a symbol, ``InsufficientFunds`` when margin
    and fees exceed the free balance, ``TemporaryExchangeError`` when the venue cannot
    fill right now.
    """

    @property
    def mode(self) -> ExecutionMode:
        """``"paper"`` or ``"live"``: for the journal and the operator, never for branching."""
        ...

    def open_position(self, order: SizedOrder, client_order_id: str) -> Position:
        """Open a position with a market entry and place its stop and target.

        Idempotent on ``client_order_id``: a retry with an id already used returns the
        position that id opened instead of opening another.

        Raises:
            InvalidOrder: non-positive quantity or leverage, levels on the wrong side of
                the price, a position already open on the symbol, or an id reused for a
                different order.
            InsufficientFunds: initial margin plus fees exceed the free balance.
        """
        ...

    def close_position(self, symbol: str, reason: str, client_order_id: str) -> ClosedPosition:
        """Close the symbol's position with a market exit; ``reason`` goes to the journal.

        Idempotent on ``client_order_id`` like ``open_position``.

        Raises:
            NoOpenPosition: the symbol has no open position.
        """
        ...

    def on_mark_price(self, symbol: str, price: float, at: datetime) -> list[ClosedPosition]:
        """Record a mark price and return the positions its stop or target closed."""
        ...

    def positions(self) -> list[Position]:
        """Every open position, ordered by symbol."""
        ...

    def position(self, symbol: str) -> Position | None:
        """The open position on ``symbol``, or ``None``."""
        ...

    def balance(self) -> float:
        """Wallet balance in USDT: deposits plus realised PnL, net of every fee."""
        ...

    def free_balance(self) -> float:
        """Balance available for new margin: balance + unrealised PnL − margin in use."""
        ...

    def equity(self) -> float:
        """Balance plus the unrealised PnL of open positions at their last marks."""
        ...

    def mark_price(self, symbol: str) -> tuple[float, datetime] | None:
        """The latest mark price of ``symbol`` and its time, or ``None`` if none is known."""
        ...

    def find_by_client_order_id(self, client_order_id: str) -> Position | ClosedPosition | None:
        """What an entry or exit id produced: the open position, the closed one, or ``None``."""
        ...
