"""``BacktestTradeLog``: the trade log of a backtest, journaling what a review needs.

A backtest asks the strategy about every symbol every few simulated seconds for days, and
most answers are refusals (a cooldown, the position limit) repeated each tick. Journaled one
row at a time, as the live bot does, they would cost more than the whole simulation. So here
trades, orders, fills, entered signals, equity and the risk events that change state (locks,
pauses) go to the journal, while ignored and rejected signals and rejection events are
counted by reason; the report shows the counts. Fills are counted too: the engine samples
equity right after a job that filled something. Equity snapshots are kept and journaled in
one transaction by ``flush`` (nothing reads them back while the simulation runs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from bot.app.trade_log import TradeLog
from bot.domain import ClosedPosition, EntryIntent, Position, Signal
from bot.journal import (
    EquitySample,
    JournalRepository,
    RiskEventKind,
    SignalOutcome,
    TradeMode,
)


class BacktestTradeLog(TradeLog):
    """A ``TradeLog`` in mode ``backtest`` that counts refusals instead of journaling each."""

    def __init__(self, journal: JournalRepository, clock: Callable[[], datetime]) -> None:
        """Journal into ``journal`` (mode ``backtest``), timed by the simulated ``clock``."""
        super().__init__(journal, TradeMode.BACKTEST, clock)
        self.refusals: Counter[str] = Counter()
        self.fills = 0
        self._equity: list[EquitySample] = []

    def entry_filled(self, intent: EntryIntent, order_id: int,
                     position: Position) -> int | None:
        """Journal the entry (see ``TradeLog``) and count the fill."""
        self.fills += 1
        return super().entry_filled(intent, order_id, position)

    def exit_filled(self, closed: ClosedPosition) -> None:
        """Journal the exit (see ``TradeLog``) and count the fill."""
        self.fills += 1
        super().exit_filled(closed)

    def signal(self, signal: Signal, outcome: SignalOutcome, reason: str | None = None,
               trade_id: int | None = None, *,
               rejection: tuple[str, str] | None = None) -> bool:
        """Journal entered signals; count the others (with their rejection) by outcome and
        reason."""
        if outcome is SignalOutcome.ENTERED:
            return super().signal(signal, outcome, reason, trade_id)
        self.refusals[f"{outcome.value}: {(reason or '').split(':')[0]}"] += 1
        return True

    def risk_event(self, kind: str, reason: str, *, symbol: str | None = None,
                   detail: str | None = None) -> None:
        """Journal state changes; rejections are already counted through ``signal``."""
        if kind != RiskEventKind.REJECTION:
            super().risk_event(kind, reason, symbol=symbol, detail=detail)

    def equity(self, *, equity: float, balance: float, open_positions: int) -> None:
        """Keep the snapshot for ``flush`` (one insert each would cost a commit each)."""
        self._equity.append(EquitySample(self._clock(), equity, balance, open_positions))

    def flush(self) -> None:
        """Journal the snapshots kept so far, in one transaction."""
        if self._equity:
            self._journal.record_equity_snapshots(mode=self.mode, samples=self._equity)
            self._equity = []
