"""Journal bookkeeping for the trading loop: what happened to orders, trades and signals.

Keeps the mapping from open positions to their journal trades and writes every step of an
entry and an exit, so the loop itself reads as decisions only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import ClosedPosition, EntryIntent, OrderSide, Position, Signal
from bot.journal import (
    JournalRepository,
    NewOrder,
    NewTrade,
    OrderPurpose,
    OrderStatus,
    SignalOutcome,
    TradeMode,
)
from bot.symbols import to_exchange_id

log = logging.getLogger(__name__)

# A signal repeating the same outcome for the same target is journaled at most this often,
# so a refused setup does not write a row every few seconds for hours.
_REPEAT_SIGNAL_WINDOW = timedelta(seconds=60)
_MAX_CLIENT_ID = 36
_PURPOSE_CODES: dict[str, str] = {
    OrderPurpose.ENTRY: "en", OrderPurpose.EXIT: "ex",
    OrderPurpose.STOP: "sl", OrderPurpose.TAKE_PROFIT: "tp",
}


def client_order_id(mode: TradeMode, purpose: str, symbol: str, at_ms: int) -> str:
    """A deterministic id within Binance's ``^[.A-Z:/a-z0-9_-]{1,36}$``.

    Made of the mode, the purpose, the symbol and the decision time in ms, so a retry of the
    same decision reuses it and a restart can recognise it.
    """
    code = _PURPOSE_CODES.get(purpose, purpose[:2])
    text = f"lh{mode.value[0]}{code}-{to_exchange_id(symbol)}-{at_ms}"
    return text[-_MAX_CLIENT_ID:]


@dataclass(frozen=True, slots=True)
class _LastSignal:
    key: tuple[object, ...]
    at: datetime


class TradeLog:
    """Writes the journal for one mode and remembers which trade each open position is."""

    def __init__(self, journal: JournalRepository, mode: TradeMode,
                 clock: Callable[[], datetime]) -> None:
        """Load the mode's open trades so positions from before a restart keep their trade."""
        self._journal = journal
        self._mode = mode
        self._clock = clock
        self._trade_ids = {t.symbol: t.id for t in journal.open_trades(mode=mode)}
        self._last_signal: dict[str, _LastSignal] = {}

    @property
    def mode(self) -> TradeMode:
        """The mode every row is written with."""
        return self._mode

    def open_trade_id(self, symbol: str) -> int | None:
        """The journal id of the open trade on ``symbol``, if any."""
        return self._trade_ids.get(to_exchange_id(symbol))

    def signal(self, signal: Signal, outcome: SignalOutcome, reason: str | None = None,
               trade_id: int | None = None) -> None:
        """Journal a signal and what became of it (repeats within a minute are skipped)."""
        cluster = signal.cluster
        key = (signal.direction, outcome, (reason or "").split(":")[0],
               None if cluster is None else round(cluster.price_level, 8))
        last = self._last_signal.get(signal.symbol)
        if (trade_id is None and last is not None and last.key == key
                and signal.created_at - last.at < _REPEAT_SIGNAL_WINDOW):
            return
        self._last_signal[signal.symbol] = _LastSignal(key, signal.created_at)
        self._journal.record_signal(signal, mode=self._mode, outcome=outcome, reason=reason,
                                    trade_id=trade_id)

    def entry_requested(self, intent: EntryIntent, quantity: float, cid: str) -> int:
        """Journal the entry order before it leaves; returns the order's journal id."""
        return self._journal.record_order(NewOrder(
            client_order_id=cid, symbol=intent.symbol, type="market",
            side=OrderSide.to_open(intent.side), quantity=quantity,
            purpose=OrderPurpose.ENTRY, mode=self._mode,
        ))

    def entry_failed(self, cid: str, error: str, status: str = OrderStatus.FAILED) -> None:
        """Mark the entry order failed (or of unknown outcome) with the error text."""
        self._journal.update_order(cid, status=status, error=error)

    def entry_filled(self, intent: EntryIntent, order_id: int, position: Position) -> int:
        """Open the trade, fill the order; returns the trade's journal id."""
        trade_id = self._journal.open_trade(NewTrade.from_intent(
            intent, mode=self._mode, entry_time=position.opened_at,
            entry_price=position.entry_price, quantity=position.quantity,
            client_order_id=position.client_order_id, fees=position.entry_fee,
        ))
        self._journal.update_order(
            position.client_order_id, status=OrderStatus.FILLED,
            filled_quantity=position.quantity, average_price=position.entry_price,
            trade_id=trade_id, at=position.opened_at,
        )
        self._journal.record_fill(order_id, price=position.entry_price,
                                  quantity=position.quantity, time=position.opened_at,
                                  fee=position.entry_fee, fee_asset="USDT")
        self._trade_ids[to_exchange_id(position.symbol)] = trade_id
        return trade_id

    def exit_filled(self, closed: ClosedPosition) -> None:
        """Journal the exit order, its fill and the trade's result."""
        position = closed.position
        symbol = to_exchange_id(position.symbol)
        trade_id = self._trade_ids.pop(symbol, None)
        if trade_id is None:
            log.error("exit of %s has no open trade in the journal; recording the order only",
                      symbol)
        order_id = self._journal.record_order(NewOrder(
            client_order_id=closed.exit_client_order_id, symbol=symbol, type="market",
            side=OrderSide.to_close(position.side), quantity=position.quantity,
            purpose=OrderPurpose.EXIT, mode=self._mode, reduce_only=True,
            status=OrderStatus.FILLED, trade_id=trade_id,
        ))
        self._journal.update_order(closed.exit_client_order_id, status=OrderStatus.FILLED,
                                   filled_quantity=position.quantity,
                                   average_price=closed.exit_price, at=closed.exit_time)
        self._journal.record_fill(order_id, price=closed.exit_price, quantity=position.quantity,
                                  time=closed.exit_time, fee=closed.exit_fee, fee_asset="USDT")
        if trade_id is not None:
            self._journal.close_trade(trade_id, exit_time=closed.exit_time,
                                      exit_price=closed.exit_price, pnl=closed.pnl,
                                      fees=closed.fees, reason=closed.reason)

    def risk_event(self, kind: str, reason: str, *, symbol: str | None = None,
                   detail: str | None = None) -> None:
        """Journal a risk event (a refusal, a lock, a pause)."""
        self._journal.record_risk_event(kind, reason, symbol=symbol, detail=detail,
                                        mode=self._mode, at=self._clock())

    def equity(self, *, equity: float, balance: float, open_positions: int) -> None:
        """Journal an equity snapshot."""
        self._journal.record_equity_snapshot(
            mode=self._mode, equity=equity, balance=balance,
            unrealised_pnl=equity - balance, open_positions=open_positions, at=self._clock(),
        )
