"""Journal writes the live venue and reconciliation share: trades found on the exchange.

When the trade of an entry was not journaled in the normal way (the bot crashed in between,
or the entry's outcome was settled only by a later lookup), these functions write it from
what the exchange reports and what was journaled before the entry left.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain import ClosedPosition, OrderSide, Position, PositionSide
from bot.exchange import ExchangeOrder
from bot.execution.pricing import taker_fee
from bot.execution.protection import STOP_SUFFIX, TAKE_PROFIT_SUFFIX, derived_id
from bot.journal import (
    JournalError,
    JournalRepository,
    NewOrder,
    NewTrade,
    OrderPurpose,
    OrderStatus,
    TradeMode,
)

DEFAULT_FEE_RATE = 0.0005  # Binance USDⓈ-M's default taker fee


def open_trade_for_entry(journal: JournalRepository, entry_id: str, filled: ExchangeOrder,
                         fee_rate: float = DEFAULT_FEE_RATE) -> tuple[int, Position]:
    """Journal the trade a filled entry opened (levels from its pending protective rows).

    Raises:
        JournalError: the entry or its protective levels are not in the journal.
    """
    row = journal.find_order(entry_id)
    stop = journal.find_order(derived_id(entry_id, STOP_SUFFIX))
    target = journal.find_order(derived_id(entry_id, TAKE_PROFIT_SUFFIX))
    if row is None or stop is None or target is None or None in (stop.stop_price,
                                                                 target.stop_price):
        raise JournalError(f"entry {entry_id}: no journaled order or protective levels")
    side = PositionSide.LONG if row.side is OrderSide.BUY else PositionSide.SHORT
    price = filled.average_price or row.average_price or 0.0
    at = filled.timestamp or row.created_at
    fee = taker_fee(price * filled.filled, fee_rate)
    trade_id = journal.open_trade(NewTrade(
        symbol=row.symbol, side=side, mode=TradeMode.LIVE, entry_time=at, entry_price=price,
        quantity=filled.filled, client_order_id=entry_id, stop_price=stop.stop_price,
        take_profit_price=target.stop_price, fees=fee,
    ))
    journal.update_order(entry_id, status=OrderStatus.FILLED, exchange_order_id=filled.id,
                         filled_quantity=filled.filled, average_price=price, trade_id=trade_id)
    journal.record_fill(row.id, price=price, quantity=filled.filled, time=at, fee=fee,
                        fee_asset="USDT", exchange_trade_id=f"order-{filled.id}")
    position = Position(
        symbol=row.symbol, side=side, quantity=filled.filled, entry_price=price,
        stop_price=float(stop.stop_price or 0.0), take_profit_price=float(target.stop_price or 0.0),
        opened_at=at, client_order_id=entry_id, entry_fee=fee,
    )
    return trade_id, position


def journal_exit_fill(journal: JournalRepository, trade_id: int, closed: ClosedPosition,
                      at: datetime) -> None:
    """Journal the order that closed a trade and its fill (the trade itself is closed by
    the caller)."""
    position = closed.position
    exit_id = closed.exit_client_order_id
    row = journal.find_order(exit_id)
    if row is None:
        journal.record_order(NewOrder(
            client_order_id=exit_id, symbol=position.symbol, type="market",
            side=OrderSide.to_close(position.side), quantity=position.quantity,
            purpose=OrderPurpose.EXIT, mode=TradeMode.LIVE, reduce_only=True,
            status=OrderStatus.FILLED, trade_id=trade_id,
        ))
        row = journal.find_order(exit_id)
    if row is None:
        raise JournalError(f"exit order {exit_id} vanished from the journal")
    journal.update_order(exit_id, status=OrderStatus.FILLED, filled_quantity=position.quantity,
                         average_price=closed.exit_price, trade_id=trade_id, at=at)
    journal.record_fill(row.id, price=closed.exit_price, quantity=position.quantity, time=at,
                        fee=closed.exit_fee, fee_asset="USDT", exchange_trade_id=f"exit-{exit_id}")
