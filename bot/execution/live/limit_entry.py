"""Limit entries: a GTC limit order inside the mark, waited for, cancelled on timeout.

``limit_price`` is the pure rule; ``LimitEntry`` does the exchange work. What is returned
is the order as it finally stands: filled, partly filled then cancelled, or cancelled
unfilled; the venue turns that into a position or a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.domain import OrderSide
from bot.errors import BotError, OrderNotFound, UnknownOrderOutcome
from bot.exchange import BinanceGateway, ExchangeOrder
from bot.execution.live.guard import ExchangeGuard


def limit_price(side: OrderSide, mark: float, offset_pct: float) -> float:
    """The limit price ``offset_pct`` percent inside ``mark``: below it for a buy, above it
    for a sell, so the entry waits for a slightly better price instead of paying the spread."""
    sign = -1.0 if side is OrderSide.BUY else 1.0
    return mark * (1.0 + sign * offset_pct / 100.0)


@dataclass(frozen=True, slots=True)
class LimitTiming:
    """How long a limit entry waits.

    Attributes:
        timeout_seconds: after this the order is cancelled.
        poll_seconds: pause between two reads of the order while waiting.
    """

    timeout_seconds: float = 10.0
    poll_seconds: float = 0.5


class LimitEntry:
    """Places a limit entry once and follows it to its end.

    Args:
        gateway: the exchange door (with keys).
        guard: the back-off / halt brake every request passes.
        clock: aware UTC time (the deadline).
        sleep: how to wait between reads.
        timing: see ``LimitTiming``.
    """

    def __init__(self, gateway: BinanceGateway, guard: ExchangeGuard,
                 clock: Callable[[], datetime], sleep: Callable[[float], None],
                 timing: LimitTiming) -> None:
        """Keep the collaborators."""
        self._gateway = gateway
        self._guard = guard
        self._clock = clock
        self._sleep = sleep
        self._timing = timing

    def run(self, symbol: str, side: OrderSide, quantity: float, price: float,
            client_order_id: str) -> ExchangeOrder:
        """Send the order (once: an unclear answer is resolved by lookups in the gateway),
        wait for its fill until the timeout, then cancel what is left.

        Raises:
            UnknownOrderOutcome: the placement could not be settled, or the order was
                placed and then could not be followed or cancelled (it may still fill).
            BotError: the exchange refused the order.
        """
        order = self._guard.call(partial(self._gateway.create_limit_order, symbol, side,
                                         quantity, price, client_order_id))
        try:
            return self._follow(symbol, client_order_id, order)
        except UnknownOrderOutcome:
            raise
        except BotError as exc:
            # The order is on the book and may still fill: never report it as refused.
            raise UnknownOrderOutcome(
                f"limit entry {client_order_id} is on the book but could not be followed "
                f"({exc}); it stays tracked until the exchange settles it") from exc

    def _follow(self, symbol: str, client_order_id: str,
                order: ExchangeOrder) -> ExchangeOrder:
        deadline = self._clock() + timedelta(seconds=self._timing.timeout_seconds)
        while order.is_open and self._clock() < deadline:
            self._sleep(self._timing.poll_seconds)
            order = self._read(symbol, client_order_id) or order
        if not order.is_open:
            return order
        try:
            self._guard.call(partial(self._gateway.cancel_order, symbol, client_order_id))
        except OrderNotFound:
            pass  # filled (or gone) just before the cancel: the read below tells
        # Read again after the cancel: a fill may have raced it, in full or in part.
        return self._read(symbol, client_order_id) or order

    def _read(self, symbol: str, client_order_id: str) -> ExchangeOrder | None:
        return self._guard.call(partial(self._gateway.fetch_order, symbol, client_order_id))
