"""Journal bookkeeping for the trading loop: what happened to orders, trades and signals.

Keeps the mapping from open positions to their journal trades and writes every step of an
entry and an exit, so the loop itself reads as decisions only. Given ``DeferredWrites`` (the
bot's runner does), writes that fail because the database does are kept and retried
(``bot.app.journal_writes``); an entry order is never sent unless it was journaled first, so
``entry_requested`` raises ``JournalUnavailable`` instead of deferring.

Given a ``Notifier``, an entry and an exit are announced once each, as the last step of
their journaling (so a deferred write announces when it lands), with the trade as
``bot journal --format json`` prints it; a daily-loss lock or the kill switch turned on is
announced as ``risk_lock``, a trading halt as ``halt``, a failed exit as ``error``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.app.journal_writes import JOURNAL_FAILURES, DeferredWrites, Resumable
from bot.domain import ClosedPosition, EntryIntent, OrderSide, Position, Signal
from bot.execution.client_ids import with_bot_tag
from bot.journal import (
    DEFAULT_BOT_ID,
    JournalRepository,
    JournalUnavailable,
    NewOrder,
    NewRiskEvent,
    NewTrade,
    OrderPurpose,
    OrderStatus,
    RiskEventKind,
    SignalOutcome,
    TradeMode,
)
from bot.notify import EventName, Notifier, NullNotifier
from bot.symbols import to_exchange_id

log = logging.getLogger(__name__)

# A signal repeating the same outcome for the same target is journaled at most this often,
# so a refused setup does not write a row every few seconds for hours.
_REPEAT_SIGNAL_WINDOW = timedelta(seconds=60)
_PURPOSE_CODES: dict[str, str] = {
    OrderPurpose.ENTRY: "en", OrderPurpose.EXIT: "ex",
    OrderPurpose.STOP: "sl", OrderPurpose.TAKE_PROFIT: "tp",
}
# Risk events worth a message, by kind (and, for the kill switch, only when it goes on).
_ANNOUNCED_RISK: dict[str, EventName] = {
    "daily_loss_lock": "risk_lock", "kill_switch": "risk_lock", "halt": "halt",
    "exit_failed": "error",
}


def client_order_id(mode: TradeMode, purpose: str, symbol: str, at_ms: int,
                    bot_id: str = DEFAULT_BOT_ID) -> str:
    """A deterministic id within Binance's ``^[.A-Z:/a-z0-9_-]{1,36}$``.

    Made of the mode, the purpose, the symbol, the decision time in ms and the bot's tag
    (``bot.execution.client_ids``), so a retry of the same decision reuses it, a restart can
    recognise it, and no two bots of a fleet make the same one.
    """
    code = _PURPOSE_CODES.get(purpose, purpose[:2])
    return with_bot_tag(f"lh{mode.value[0]}{code}-{to_exchange_id(symbol)}-{at_ms}", bot_id)


@dataclass(frozen=True, slots=True)
class _LastSignal:
    key: tuple[object, ...]
    at: datetime


class TradeLog:
    """Writes the journal for one mode and remembers which trade each open position is."""

    def __init__(self, journal: JournalRepository, mode: TradeMode,
                 clock: Callable[[], datetime], writes: DeferredWrites | None = None,
                 notifier: Notifier | None = None) -> None:
        """Load the mode's open trades so positions from before a restart keep their trade.

        Without ``writes`` a failing write raises (a backtest should stop, not defer).
        """
        self._notifier: Notifier = notifier or NullNotifier()
        self._journal = journal
        self._mode = mode
        self._clock = clock
        self._writes = writes
        self._trade_ids = {t.symbol: t.id for t in journal.open_trades(mode=mode)}
        self._last_signal: dict[str, _LastSignal] = {}

    @property
    def mode(self) -> TradeMode:
        """The mode every row is written with."""
        return self._mode

    @property
    def bot_id(self) -> str:
        """The bot every row is written for (its client order ids carry its tag)."""
        return self._journal.bot_id

    @property
    def unavailable(self) -> str | None:
        """Why the journal cannot be written now, or None (always None without deferral)."""
        return self._writes.problem if self._writes is not None else None

    def retry_pending(self) -> None:
        """Retry deferred writes whose backoff has passed (cheap when none wait)."""
        if self._writes is not None:
            self._writes.retry()

    def _write(self, what: str, action: Callable[[], object], *, essential: bool = True) -> bool:
        if self._writes is None:
            action()
            return True
        return self._writes.write(what, action, essential=essential)

    def open_trade_id(self, symbol: str) -> int | None:
        """The journal id of the open trade on ``symbol``, if any."""
        return self._trade_ids.get(to_exchange_id(symbol))

    def signal(self, signal: Signal, outcome: SignalOutcome, reason: str | None = None,
               trade_id: int | None = None, *,
               rejection: tuple[str, str] | None = None) -> bool:
        """Journal a signal and what became of it (repeats within a minute are skipped).

        A signal that sent nothing (ignored, rejected) is one crash-safe write that does not
        wait for the disk (``JournalRepository.record_decision``); an entered one, tied to
        its trade, is synced like the trade. ``rejection`` is the risk rule and detail of a
        risk refusal: its ``rejection`` risk event goes in the same transaction (and is
        skipped with the signal as a repeat).

        Returns:
            False when it was skipped as a repeat.
        """
        cluster = signal.cluster
        key = (signal.direction, outcome, (reason or "").split(":")[0],
               None if cluster is None else round(cluster.price_level, 8))
        last = self._last_signal.get(signal.symbol)
        if (trade_id is None and last is not None and last.key == key
                and signal.created_at - last.at < _REPEAT_SIGNAL_WINDOW):
            return False
        self._last_signal[signal.symbol] = _LastSignal(key, signal.created_at)
        if outcome is SignalOutcome.ENTERED or trade_id is not None:
            self._write("signal", lambda: self._journal.record_signal(
                signal, mode=self._mode, outcome=outcome, reason=reason, trade_id=trade_id,
            ), essential=outcome is SignalOutcome.ENTERED)
            return True
        event = None if rejection is None else NewRiskEvent(
            RiskEventKind.REJECTION, rejection[0], detail=rejection[1], at=self._clock())
        # A refusal's risk event is kept while the journal fails, as any risk event is.
        self._write("signal" if event is None else "risk rejection",
                    lambda: self._journal.record_decision(
                        signal, mode=self._mode, outcome=outcome, reason=reason,
                        risk_event=event),
                    essential=event is not None)
        return True

    def entry_requested(self, intent: EntryIntent, quantity: float, cid: str) -> int:
        """Journal the entry order before it leaves; returns the order's journal id.

        Raises:
            JournalUnavailable: the journal cannot be written; the order must not be sent.
        """
        if self.unavailable is not None:
            raise JournalUnavailable(self.unavailable)
        order = NewOrder(
            client_order_id=cid, symbol=intent.symbol, type="market",
            side=OrderSide.to_open(intent.side), quantity=quantity,
            purpose=OrderPurpose.ENTRY, mode=self._mode,
        )
        if self._writes is None:
            return self._journal.record_order(order)
        try:
            return self._journal.record_order(order)
        except JOURNAL_FAILURES as error:
            self._writes.failed("entry order", error)
            raise JournalUnavailable(self._writes.problem or str(error)) from None

    def entry_failed(self, cid: str, error: str, status: str = OrderStatus.FAILED) -> None:
        """Mark the entry order failed (or of unknown outcome) with the error text."""
        self._write("entry order outcome",
                    lambda: self._journal.update_order(cid, status=status, error=error))

    def entry_filled(self, intent: EntryIntent, order_id: int, position: Position) -> int | None:
        """Open the trade, fill the order; returns the trade's journal id (None: deferred)."""
        trade_ids: list[int] = []

        def open_trade() -> None:
            trade_id = self._journal.open_trade(NewTrade.from_intent(
                intent, mode=self._mode, entry_time=position.opened_at,
                entry_price=position.entry_price, quantity=position.quantity,
                client_order_id=position.client_order_id, fees=position.entry_fee,
            ))
            self._trade_ids[to_exchange_id(position.symbol)] = trade_id
            trade_ids.append(trade_id)

        self._write("entry fill", Resumable(
            open_trade,
            lambda: self._journal.update_order(
                position.client_order_id, status=OrderStatus.FILLED,
                filled_quantity=position.quantity, average_price=position.entry_price,
                trade_id=trade_ids[0], at=position.opened_at,
            ),
            lambda: self._journal.record_fill(
                order_id, price=position.entry_price, quantity=position.quantity,
                time=position.opened_at, fee=position.entry_fee, fee_asset="USDT",
            ),
            lambda: self._announce_trade("entry", trade_ids[0], position.opened_at),
        ))
        return trade_ids[0] if trade_ids else None

    def _announce_trade(self, event: EventName, trade_id: int | None, at: datetime) -> None:
        trade = None if trade_id is None else self._journal.get_trade(trade_id)
        if trade is not None:
            self._notifier.notify(event, at, trade.to_json_dict())

    def exit_filled(self, closed: ClosedPosition) -> None:
        """Journal the exit order, its fill and the trade's result (deferred if need be)."""
        position = closed.position
        symbol = to_exchange_id(position.symbol)
        found: dict[str, int | None] = {}

        def find_trade() -> None:
            # At run time, not now: a deferred entry before this exit sets the id when done.
            found["trade"] = self._trade_ids.pop(symbol, None)
            if found["trade"] is None:
                log.error("exit of %s has no open trade in the journal; recording the order "
                          "only", symbol)

        def record_order() -> None:
            found["order"] = self._journal.record_order(NewOrder(
                client_order_id=closed.exit_client_order_id, symbol=symbol, type="market",
                side=OrderSide.to_close(position.side), quantity=position.quantity,
                purpose=OrderPurpose.EXIT, mode=self._mode, reduce_only=True,
                status=OrderStatus.FILLED, trade_id=found["trade"],
            ))

        def close_trade() -> None:
            trade_id = found["trade"]
            if trade_id is not None:
                self._journal.close_trade(trade_id, exit_time=closed.exit_time,
                                          exit_price=closed.exit_price, pnl=closed.pnl,
                                          fees=closed.fees, reason=closed.reason)

        self._write("exit fill", Resumable(
            find_trade, record_order,
            lambda: self._journal.update_order(
                closed.exit_client_order_id, status=OrderStatus.FILLED,
                filled_quantity=position.quantity, average_price=closed.exit_price,
                at=closed.exit_time,
            ),
            lambda: self._journal.record_fill(
                int(found["order"] or 0), price=closed.exit_price, quantity=position.quantity,
                time=closed.exit_time, fee=closed.exit_fee, fee_asset="USDT",
            ),
            close_trade,
            lambda: self._announce_trade("exit", found["trade"], closed.exit_time),
        ))

    def risk_event(self, kind: str, reason: str, *, symbol: str | None = None,
                   detail: str | None = None) -> None:
        """Journal a risk event (a refusal, a lock, a pause); announce locks and failures."""
        at = self._clock()
        self._write("risk event", lambda: self._journal.record_risk_event(
            kind, reason, symbol=symbol, detail=detail, mode=self._mode, at=at))
        event = _ANNOUNCED_RISK.get(kind)
        if event is not None and not (kind == "kill_switch" and reason.endswith(" off")):
            self._notifier.notify(event, at, {"kind": kind, "reason": reason,
                                              "symbol": symbol, "detail": detail})

    def announce(self, event: EventName, detail: str | None = None) -> None:
        """Send ``event`` (``start``, ``stop``, ``error``...) now, with ``detail``."""
        self._notifier.notify(event, self._clock(), {"detail": detail})

    def equity(self, *, equity: float, balance: float, open_positions: int) -> None:
        """Journal an equity snapshot (dropped, not deferred, while the journal fails)."""
        at = self._clock()
        self._write("equity", lambda: self._journal.record_equity_snapshot(
            mode=self._mode, equity=equity, balance=balance,
            unrealised_pnl=equity - balance, open_positions=open_positions, at=at,
        ), essential=False)
