"""Protective orders of live positions: their ids, their journal rows, placing and cancelling.

Every live position carries a close-position STOP_MARKET and TAKE_PROFIT_MARKET (they
close the whole position, whatever its size when they trigger), both triggered by the mark
price (Binance's algo-order endpoint, through ``bot.exchange``). Their
client order ids derive from the entry's, so a restarted bot finds them without any other
record. Used by the live venue and by reconciliation alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain import OrderSide, PositionSide
from bot.errors import OrderNotFound
from bot.exchange import BinanceGateway, ExchangeOrder, StopKind
from bot.exchange import OrderStatus as ExchangeStatus
from bot.execution.client_ids import MAX_CLIENT_ID
from bot.journal import (
    JournalRepository,
    NewOrder,
    NotInJournal,
    OrderPurpose,
    OrderRecord,
    TradeMode,
)
from bot.journal import OrderStatus as JournalStatus

log = logging.getLogger(__name__)

STOP_SUFFIX = "sl"
TAKE_PROFIT_SUFFIX = "tp"
EMERGENCY_EXIT_SUFFIX = "xc"

_JOURNAL_STATUS = {
    ExchangeStatus.OPEN: JournalStatus.NEW,
    ExchangeStatus.CLOSED: JournalStatus.FILLED,
    ExchangeStatus.CANCELED: JournalStatus.CANCELED,
    ExchangeStatus.EXPIRED: JournalStatus.EXPIRED,
    ExchangeStatus.REJECTED: JournalStatus.REJECTED,
    ExchangeStatus.UNKNOWN: JournalStatus.UNKNOWN,
}
FINAL_STATUSES = frozenset({
    JournalStatus.FILLED, JournalStatus.CANCELED, JournalStatus.EXPIRED,
    JournalStatus.REJECTED, JournalStatus.FAILED,
})


def derived_id(entry_client_order_id: str, suffix: str) -> str:
    """The id of an order belonging to an entry: its id plus ``-suffix``, at most 36 chars.

    The entry id's tail (symbol and decision time) is what makes it unique, so a long id
    loses its head, never its tail.
    """
    tail = f"-{suffix}"
    return entry_client_order_id[-(MAX_CLIENT_ID - len(tail)):] + tail


def journal_status(order: ExchangeOrder) -> str:
    """The journal's word for the exchange's order status.

    An order filled in full is ``filled`` whatever the status says: a reduce-only order
    can be reported ``EXPIRED`` after it closed the whole position.
    """
    if order.quantity and order.filled >= order.quantity and not order.trigger:
        return str(JournalStatus.FILLED)
    return str(_JOURNAL_STATUS.get(order.status, JournalStatus.UNKNOWN))


@dataclass(frozen=True, slots=True)
class ProtectiveOrder:
    """One protective order of a position, as it is (to be) sent."""

    symbol: str
    kind: StopKind
    client_order_id: str
    side: OrderSide
    trigger_price: float
    quantity: float

    @property
    def purpose(self) -> str:
        """The journal purpose: ``stop`` or ``take_profit``."""
        return str(OrderPurpose.STOP if self.kind == "stop" else OrderPurpose.TAKE_PROFIT)

    @property
    def order_type(self) -> str:
        """Binance's order type, lower case, as the journal stores it."""
        return "stop_market" if self.kind == "stop" else "take_profit_market"


def protection_for(
    symbol: str, side: PositionSide, quantity: float, stop_price: float,
    take_profit_price: float, entry_client_order_id: str,
) -> tuple[ProtectiveOrder, ProtectiveOrder]:
    """The stop and the take profit of a position (pure)."""
    closing = OrderSide.to_close(side)
    stop = ProtectiveOrder(symbol, "stop", derived_id(entry_client_order_id, STOP_SUFFIX),
                           closing, stop_price, quantity)
    target = ProtectiveOrder(symbol, "take_profit",
                             derived_id(entry_client_order_id, TAKE_PROFIT_SUFFIX),
                             closing, take_profit_price, quantity)
    return stop, target


class Protector:
    """Journals, places, looks up and cancels protective orders.

    Args:
        gateway: the exchange door.
        journal: where every protective order is written before it is sent.
    """

    def __init__(self, gateway: BinanceGateway, journal: JournalRepository) -> None:
        """Keep the collaborators."""
        self._gateway = gateway
        self._journal = journal

    def journal_pending(self, order: ProtectiveOrder, trade_id: int | None) -> OrderRecord:
        """The order's journal row, written as ``pending`` when it does not exist yet."""
        existing = self._journal.find_order(order.client_order_id)
        if existing is not None:
            return existing
        self._journal.record_order(NewOrder(
            client_order_id=order.client_order_id, symbol=order.symbol, type=order.order_type,
            side=order.side, quantity=order.quantity, purpose=order.purpose,
            mode=TradeMode.LIVE, stop_price=order.trigger_price, reduce_only=True,
            trade_id=trade_id,
        ))
        found = self._journal.find_order(order.client_order_id)
        if found is None:  # written just above in a committed transaction: cannot happen
            raise NotInJournal(f"order {order.client_order_id} vanished from the journal")
        return found

    def place(self, order: ProtectiveOrder, trade_id: int | None = None) -> ExchangeOrder:
        """Journal (if needed), then send the order once; its answer is journaled.

        Raises:
            BotError: the exchange refused it (the journal row then says ``rejected``).
        """
        self.journal_pending(order, trade_id)
        try:
            placed = self._gateway.create_stop_order(
                order.symbol, order.side, order.trigger_price, order.client_order_id,
                # closePosition: the order closes whatever the position is when it
                # triggers, so a position grown or shrunk outside the bot stays covered.
                kind=order.kind, close_position=True,
            )
        except Exception as exc:
            self._journal.update_order(order.client_order_id, status=JournalStatus.REJECTED,
                                       error=str(exc))
            raise
        self._journal.update_order(order.client_order_id, status=journal_status(placed),
                                   exchange_order_id=placed.id, trade_id=trade_id)
        return placed

    def lookup(self, symbol: str, client_order_id: str) -> ExchangeOrder | None:
        """The protective (algo) order with this id as the exchange knows it, or ``None``."""
        return self._gateway.fetch_order(symbol, client_order_id, trigger=True)

    def cancel(self, symbol: str, client_order_id: str) -> None:
        """Cancel if still open (an order already gone is fine); journal what became of it."""
        try:
            self._gateway.cancel_order(symbol, client_order_id, trigger=True)
        except OrderNotFound:
            pass
        found = self.lookup(symbol, client_order_id)
        row = self._journal.find_order(client_order_id)
        if row is None or row.status in FINAL_STATUSES:
            return
        status = journal_status(found) if found is not None else str(JournalStatus.CANCELED)
        self._journal.update_order(client_order_id, status=status)

    def fill_price(self, symbol: str, client_order_id: str, trigger_price: float) -> float:
        """The average price a triggered protective order filled at.

        The order a trigger places carries the algo order's client id (as the simulator
        and Binance's algo service do); when it cannot be found the trigger price is the
        best estimate left.
        """
        placed = self._gateway.fetch_order(symbol, client_order_id)
        if placed is not None and placed.average_price:
            return placed.average_price
        log.warning("%s: no fill price for %s; using its trigger price", symbol, client_order_id)
        return trigger_price
