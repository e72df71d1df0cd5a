"""Binance's checks of a new order that need no account state: ids, time in force, algo
parameters."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from bot.sim.rest import errors
from bot.sim.rest.filters import SymbolFilters
from bot.sim.rest.orders import ZERO, AlgoRequest

_CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")


def check_client_id(client_id: str | None, in_use: Callable[[str], bool]) -> None:
    """A client id must match Binance's pattern and be unique among open orders."""
    if client_id is None:
        return
    if not _CLIENT_ID.match(client_id):
        raise errors.INVALID_CLIENT_ID()
    if in_use(client_id):
        raise errors.DUPLICATE_CLIENT_ID()


def crosses(side: str, price: Decimal, mark: Decimal) -> bool:
    """Whether a limit order at ``price`` is marketable at ``mark``."""
    return mark <= price if side == "BUY" else mark >= price


def check_time_in_force(time_in_force: str, crossed: bool) -> None:
    """Post-only (GTX) must not cross; FOK must (Binance rejects rather than expires)."""
    if time_in_force == "GTX" and crossed:
        raise errors.POST_ONLY_REJECTED()
    if time_in_force == "FOK" and not crossed:
        raise errors.FOK_REJECTED()


def check_algo(request: AlgoRequest, filters: SymbolFilters) -> tuple[Decimal, Decimal]:
    """Validate an algo request; returns its quantity (0: closePosition) and limit price."""
    filters.check_price(request.trigger_price)
    market = request.order_type.endswith("_MARKET")
    if request.close_position:
        if not market:
            raise errors.invalid_value("closePosition")
        if request.quantity is not None:
            raise errors.not_required("quantity")
        if request.reduce_only:
            raise errors.not_required("reduceOnly")
        quantity = ZERO
    else:
        if request.quantity is None:
            raise errors.mandatory("quantity")
        filters.check_quantity(request.quantity, market=market)
        if not request.reduce_only:
            filters.check_notional(request.quantity, request.trigger_price)
        quantity = request.quantity
    if market:
        return quantity, ZERO
    if request.price is None:
        raise errors.mandatory("price")
    filters.check_price(request.price)
    return quantity, request.price
