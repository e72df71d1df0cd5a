"""Looking an order up by client order id when its fate is in doubt.

A just-accepted order can read as "does not exist" on Binance for a short while, so a miss
is trusted only once the order is old enough (``reconcile.rules.still_settling``); until
then the lookup waits and asks again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.exchange import BinanceGateway, ExchangeOrder
from bot.execution.live.reconcile.rules import still_settling

TRIGGER_TYPES = frozenset({"stop_market", "take_profit_market"})


@dataclass(frozen=True, slots=True)
class LookupWindow:
    """How long a missing order may still appear.

    Attributes:
        delay_seconds: pause between two lookups of an order still settling.
        settle_seconds: an order journaled longer ago than this that the exchange does not
            know never reached it (ccxt signs with a 10 s ``recvWindow``; later arrivals
            are refused by Binance).
    """

    delay_seconds: float = 1.0
    settle_seconds: float = 15.0

    @property
    def max_lookups(self) -> int:
        """A bound on the lookups of one order, whatever the clock does."""
        return math.ceil(self.settle_seconds / max(self.delay_seconds, 1e-3)) + 2


class OrderLookup:
    """Finds orders by client order id, regular or algo, tolerating the settling window.

    Args:
        gateway: the exchange door (with keys).
        clock: aware UTC time.
        sleep: how to wait between lookups.
        window: see ``LookupWindow``.
    """

    def __init__(self, gateway: BinanceGateway, clock: Callable[[], datetime],
                 sleep: Callable[[float], None], window: LookupWindow) -> None:
        """Keep the collaborators."""
        self._gateway = gateway
        self._clock = clock
        self._sleep = sleep
        self._window = window

    def settled_missing(self, journaled_at: datetime) -> bool:
        """Whether an order journaled then and not found now can be taken as never sent."""
        return not still_settling(journaled_at, self._clock(), self._window.settle_seconds)

    def find(self, symbol: str, client_order_id: str, journaled_at: datetime, *,
             order_type: str = "market") -> ExchangeOrder | None:
        """The order as the exchange knows it, or ``None`` once it is old enough that a
        miss means it never reached the exchange (waits while it is still settling).

        Trigger types (stop / take profit) are looked up among algo orders.
        """
        trigger = order_type in TRIGGER_TYPES
        for _ in range(self._window.max_lookups):
            found = self._gateway.fetch_order(symbol, client_order_id, trigger=trigger)
            if found is not None or self.settled_missing(journaled_at):
                return found
            self._sleep(self._window.delay_seconds)
        return None
