"""Orders as the simulator keeps them: regular orders, algo (conditional) orders, a store.

Regular orders (``/fapi/v1/order``) are MARKET or LIMIT; conditional ones (STOP_MARKET,
TAKE_PROFIT_MARKET, STOP, TAKE_PROFIT) live at ``/fapi/v1/algoOrder`` since Binance moved
them there in 2025-12, each with its own ids (``algoId``, ``clientAlgoId``). When one
triggers it places a regular order whose ``clientOrderId`` is the ``clientAlgoId``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, Literal, Protocol, TypeVar

from bot.sim.rest.accounts import Liquidated, OrderSide

ZERO = Decimal(0)
OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")
REGULAR_TYPES = ("MARKET", "LIMIT")
ALGO_TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT")
AlgoStatus = Literal["NEW", "CANCELED", "TRIGGERED", "FINISHED", "EXPIRED"]


@dataclass
class Order:
    """One regular order and its fills so far."""

    order_id: int
    client_order_id: str
    symbol: str
    side: OrderSide
    order_type: str
    quantity: Decimal
    price: Decimal
    time_in_force: str
    reduce_only: bool
    time_ms: int
    update_ms: int
    orig_type: str = ""
    stop_price: Decimal = ZERO
    close_position: bool = False
    working_type: str = "CONTRACT_PRICE"
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO

    @property
    def id(self) -> int:
        """The exchange id (``orderId``)."""
        return self.order_id

    @property
    def client_id(self) -> str:
        """The client id (``clientOrderId``)."""
        return self.client_order_id

    @property
    def is_open(self) -> bool:
        """NEW or PARTIALLY_FILLED."""
        return self.status in OPEN_STATUSES

    @property
    def remaining(self) -> Decimal:
        """Quantity not yet filled."""
        return self.quantity - self.executed_qty

    @property
    def avg_price(self) -> Decimal:
        """Average fill price (0 before any fill)."""
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO

    def record_fill(self, quantity: Decimal, price: Decimal, now_ms: int) -> None:
        """Add a fill; the status becomes FILLED or PARTIALLY_FILLED."""
        self.executed_qty += quantity
        self.cum_quote += quantity * price
        self.status = "FILLED" if self.executed_qty >= self.quantity else "PARTIALLY_FILLED"
        self.update_ms = now_ms

    def close(self, status: str, now_ms: int) -> None:
        """End the order as CANCELED or EXPIRED (whatever was filled stays filled)."""
        self.status = status
        self.update_ms = now_ms


@dataclass
class AlgoOrder:
    """One conditional order, waiting for the mark price to reach ``trigger_price``.

    ``quantity`` is 0 for ``closePosition`` orders (they close whatever is open).
    """

    algo_id: int
    client_algo_id: str
    symbol: str
    side: OrderSide
    order_type: str
    quantity: Decimal
    price: Decimal
    trigger_price: Decimal
    time_in_force: str
    working_type: str
    close_position: bool
    reduce_only: bool
    price_protect: bool
    create_ms: int
    update_ms: int
    status: AlgoStatus = "NEW"
    trigger_ms: int = 0
    actual_order_id: int | None = None
    actual_price: Decimal = ZERO

    @property
    def id(self) -> int:
        """The exchange id (``algoId``)."""
        return self.algo_id

    @property
    def client_id(self) -> str:
        """The client id (``clientAlgoId``)."""
        return self.client_algo_id

    @property
    def is_open(self) -> bool:
        """Still waiting for its trigger."""
        return self.status == "NEW"

    @property
    def is_market(self) -> bool:
        """STOP_MARKET / TAKE_PROFIT_MARKET (else a limit order follows the trigger)."""
        return self.order_type.endswith("_MARKET")

    def triggered_by(self, mark: Decimal) -> bool:
        """Binance's trigger rule: a STOP buys on a rise / sells on a fall to the trigger,
        a TAKE_PROFIT buys on a fall / sells on a rise."""
        stop = self.order_type.startswith("STOP")
        rising = (self.side == "BUY") == stop
        return mark >= self.trigger_price if rising else mark <= self.trigger_price

    def close(self, status: AlgoStatus, now_ms: int) -> None:
        """End the order (CANCELED, TRIGGERED, FINISHED or EXPIRED)."""
        self.status = status
        self.update_ms = now_ms


class Tracked(Protocol):
    """What ``OrderStore`` needs of an order."""

    @property
    def id(self) -> int:
        """Exchange id."""
        ...

    @property
    def client_id(self) -> str:
        """Client id."""
        ...

    @property
    def symbol(self) -> str:
        """Binance symbol id."""
        ...

    @property
    def is_open(self) -> bool:
        """Whether it can still fill or trigger."""
        ...


T = TypeVar("T", bound=Tracked)


class OrderStore(Generic[T]):
    """Open orders plus a bounded history of closed ones ("recently closed" on Binance).

    Args:
        keep_closed: how many closed orders stay queryable (oldest forgotten first).
    """

    def __init__(self, keep_closed: int = 10_000) -> None:
        """Start empty."""
        self._open: dict[int, T] = {}
        self._closed: OrderedDict[int, T] = OrderedDict()
        self._keep_closed = keep_closed

    def add(self, order: T) -> None:
        """Keep a new order (open or already closed)."""
        if order.is_open:
            self._open[order.id] = order
        else:
            self._remember(order)

    def client_id_open(self, client_id: str) -> bool:
        """Whether an open order already uses ``client_id``."""
        return any(o.client_id == client_id for o in self._open.values())

    def open_orders(self, symbol: str | None = None) -> list[T]:
        """Open orders, oldest first, of ``symbol`` or of every symbol."""
        return [o for o in self._open.values() if symbol is None or o.symbol == symbol]

    def find(self, symbol: str | None, order_id: int | None, client_id: str | None) -> T | None:
        """An order (of ``symbol``, when given) by exchange id, else by client id: an open
        one first, then the most recently closed."""

        def matches(order: T) -> bool:
            return symbol is None or order.symbol == symbol

        if order_id is not None:
            found = self._open.get(order_id) or self._closed.get(order_id)
            return found if found is not None and matches(found) else None
        for order in [*self._open.values(), *reversed(self._closed.values())]:
            if order.client_id == client_id and matches(order):
                return order
        return None

    def all(self) -> list[T]:
        """Every order held, open and closed."""
        return [*self._closed.values(), *self._open.values()]

    def settle(self) -> None:
        """Move orders that are no longer open into the history."""
        for order_id in [i for i, o in self._open.items() if not o.is_open]:
            self._remember(self._open.pop(order_id))

    def _remember(self, order: T) -> None:
        self._closed[order.id] = order
        while len(self._closed) > self._keep_closed:
            self._closed.popitem(last=False)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A new regular order, as parsed from ``POST /fapi/v1/order`` (or made by a trigger)."""

    symbol: str
    side: OrderSide
    order_type: str
    quantity: Decimal
    price: Decimal = ZERO
    time_in_force: str = "GTC"
    reduce_only: bool = False
    client_order_id: str | None = None


@dataclass(frozen=True, slots=True)
class AlgoRequest:
    """A new conditional order, as parsed from ``POST /fapi/v1/algoOrder``."""

    symbol: str
    side: OrderSide
    order_type: str
    trigger_price: Decimal
    quantity: Decimal | None = None
    price: Decimal | None = None
    time_in_force: str = "GTC"
    working_type: str = "CONTRACT_PRICE"
    close_position: bool = False
    reduce_only: bool = False
    price_protect: bool = False
    client_algo_id: str | None = None


def liquidation_order(order_id: int, event: Liquidated, price: Decimal, now_ms: int) -> Order:
    """The filled ``autoclose-…`` order Binance records for a liquidation at ``price``."""
    order = Order(
        order_id=order_id,
        client_order_id=f"autoclose-{now_ms}",
        symbol=event.symbol,
        side=event.side,
        order_type="LIMIT",
        quantity=event.quantity,
        price=price,
        time_in_force="IOC",
        reduce_only=True,
        time_ms=now_ms,
        update_ms=now_ms,
        orig_type="LIQUIDATION",
    )
    order.record_fill(event.quantity, price, now_ms)
    return order
