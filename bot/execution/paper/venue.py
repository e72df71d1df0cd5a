"""The paper venue: fills simulated in-process against the latest mark price.

It can never send a real order: it imports nothing that talks to an exchange (no ccxt,
nothing under ``bot.exchange``), and a test keeps it that way.

Model, in the order things happen:

* Mark prices arrive through ``on_mark_price``; each may close a position whose stop or
  target it reaches (see ``bot.execution.pricing`` for the fill rules).
* A market entry or exit fills at the latest mark, which must be at most
  ``max_mark_age_seconds`` old, moved by ``slippage_bps`` against the taker.
* A market entry is what the exchange would make of it: its quantity truncated to the
  market's lot step and checked against the minimum quantity and notional, its fill price on
  the tick grid (``bot.execution.lots``; rules from the exchange's markets when given).
* Every fill pays ``taker_fee_rate`` × notional from the wallet balance.
* Margin is the exchange's cross initial margin: ``|quantity| × mark ÷ leverage`` with the
  account's configured leverage (``PaperConfig.leverage``, what live sets on the exchange),
  the same formula for a new entry, an open position and one restored from the journal;
  liquidation is not modelled (the stop is expected to act long before it).
* Funding is modelled only when ``PaperConfig.funding`` is set, and only when the caller
  reports a funding event through ``apply_funding`` (the trading loop does, at each
  settlement the exchange's mark prices announce).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.domain import ClosedPosition, OrderSide, Position, PositionSide, SizedOrder
from bot.errors import InsufficientFunds, InvalidOrder
from bot.execution.checks import (
    replayed_entry,
    replayed_exit,
    require_aware,
    validate_levels,
    validate_order,
)
from bot.execution.errors import MarkPriceUnavailable, NoOpenPosition
from bot.execution.lots import LotRules, checked_entry_quantity, on_tick
from bot.execution.paper.config import PaperConfig
from bot.execution.port import ExecutionMode
from bot.execution.pricing import (
    ExitTrigger,
    funding_payment,
    initial_margin,
    slipped_price,
    taker_fee,
    trigger_base_price,
    triggered_exit,
)
from bot.symbols import to_exchange_id

logger = logging.getLogger(__name__)

__all__ = ["PaperConfig", "PaperExecution"]

_NO_RULES = LotRules()
_TRIGGER_ID_SUFFIX = {ExitTrigger.STOP_LOSS: "sl", ExitTrigger.TAKE_PROFIT: "tp"}


@dataclass(slots=True)
class _Holding:
    """An open position with the venue's private bookkeeping."""

    position: Position
    funding: float = 0.0
    last_funding_at: datetime | None = None


class PaperExecution:
    """The simulated sibling of the live venue; implements ``ExecutionVenue``.

    One position per symbol. Every public method takes one lock, so the scheduler's
    threads and the mark-price feed may call it concurrently.

    Args:
        config: fees, slippage, starting balance, staleness limit, funding switch, leverage.
        clock: returns the current aware UTC time (the wall clock, or a backtest's).
        rules: each symbol's lot and tick rules (Binance id → rules), from the exchange's
            markets; a symbol without rules is filled unrounded.
    """

    def __init__(self, config: PaperConfig, clock: Clock,
                 rules: Mapping[str, LotRules] | None = None) -> None:
        self._config = config
        self._rules = {to_exchange_id(s): r for s, r in (rules or {}).items()}
        self._clock = clock
        self._lock = threading.Lock()
        self._balance = config.starting_balance
        self._holdings: dict[str, _Holding] = {}
        self._marks: dict[str, tuple[float, datetime]] = {}
        self._open_ids: dict[str, str] = {}  # entry client order id → symbol
        self._closed_ids: dict[str, ClosedPosition] = {}  # entry and exit ids → result
        self._history: list[ClosedPosition] = []

    @property
    def mode(self) -> ExecutionMode:
        """Always ``"paper"``."""
        return "paper"

    def restore(self, balance: float, positions: Sequence[Position]) -> None:
        """Resume a paper account from the journal after a restart (before any order).

        Their margin is reckoned as for any open position (``|quantity| × mark ÷ leverage``,
        at the entry price until the first mark arrives).

        Args:
            balance: the wallet balance the journal implies (start + realised − open fees).
            positions: the positions the journal still holds open.
        """
        with self._lock:
            if self._holdings or self._history:
                raise InvalidOrder("restore is only possible on a fresh paper account")
            self._balance = balance
            for position in positions:
                symbol = to_exchange_id(position.symbol)
                self._holdings[symbol] = _Holding(position)
                self._open_ids[position.client_order_id] = symbol
        logger.info("paper account restored: balance %.2f, %d open position(s)",
                    balance, len(positions))

    # -- orders ---------------------------------------------------------------------------

    def open_position(self, order: SizedOrder, client_order_id: str) -> Position:
        """Fill a market entry at the fresh mark plus slippage; see ``ExecutionVenue``.

        Raises:
            InvalidOrder: bad quantity, leverage or levels, or the symbol is already held.
            InsufficientFunds: margin plus entry and exit fees exceed the free balance.
            MarkPriceUnavailable: no mark, or one older than ``max_mark_age_seconds``.
        """
        symbol = to_exchange_id(order.intent.symbol)
        with self._lock:
            previous = self._find(client_order_id)
            if previous is not None:
                return replayed_entry(previous, symbol, client_order_id)
            validate_order(order, client_order_id)
            if symbol in self._holdings:
                raise InvalidOrder(f"{symbol}: a position is already open (one per symbol)")
            now = self._now()
            position = self._entry_fill(order, symbol, client_order_id, now)
            self._balance -= position.entry_fee
            self._holdings[symbol] = _Holding(position)
            self._open_ids[client_order_id] = symbol
        logger.info(
            "paper open %s %s %g @ %.8g fee %.4f [%s]",
            symbol,
            position.side.value,
            position.quantity,
            position.entry_price,
            position.entry_fee,
            client_order_id,
        )
        return position

    def close_position(self, symbol: str, reason: str, client_order_id: str) -> ClosedPosition:
        """Fill a market exit at the fresh mark minus slippage; see ``ExecutionVenue``.

        Raises:
            NoOpenPosition: nothing is open on ``symbol``.
            InvalidOrder: ``client_order_id`` was already used for something else.
            MarkPriceUnavailable: no mark, or one older than ``max_mark_age_seconds``.
        """
        key = to_exchange_id(symbol)
        with self._lock:
            previous = self._find(client_order_id)
            if previous is not None:
                return replayed_exit(previous, key, client_order_id)
            holding = self._holdings.get(key)
            if holding is None:
                raise NoOpenPosition(f"{key}: no open position to close")
            now = self._now()
            mark = self._fresh_mark(key, now)
            side = OrderSide.to_close(holding.position.side)
            price = slipped_price(mark, side, self._config.slippage_bps)
            return self._settle(holding, price, now, reason, client_order_id)

    def on_mark_price(self, symbol: str, price: float, at: datetime) -> list[ClosedPosition]:
        """Record a mark and close the symbol's position if it reached its stop or target.

        A mark older than the one held is ignored (a late frame must not move time back).

        Raises:
            ValueError: ``price`` is not a positive finite number or ``at`` is naive.
        """
        if not (math.isfinite(price) and price > 0):
            raise ValueError(f"mark price must be a positive finite number, got {price!r}")
        require_aware(at, "mark time")
        key = to_exchange_id(symbol)
        with self._lock:
            latest = self._marks.get(key)
            if latest is not None and at < latest[1]:
                return []
            self._marks[key] = (price, at)
            holding = self._holdings.get(key)
            if holding is None:
                return []
            position = holding.position
            trigger = triggered_exit(
                position.side, position.stop_price, position.take_profit_price, price
            )
            if trigger is None:
                return []
            level = (
                position.stop_price
                if trigger is ExitTrigger.STOP_LOSS
                else position.take_profit_price
            )
            # A stop that the mark gapped through fills at the mark, a target at its level:
            # the worse price for the holder (reasons in trigger_base_price).
            base = trigger_base_price(position.side, level, price)
            fill = slipped_price(base, OrderSide.to_close(position.side), self._config.slippage_bps)
            exit_id = f"{position.client_order_id}-{_TRIGGER_ID_SUFFIX[trigger]}"
            return [self._settle(holding, fill, at, trigger.value, exit_id)]

    def apply_funding(self, symbol: str, rate: float, at: datetime) -> float:
        """Book one funding payment on the symbol's position and return it (negative = paid).

        The caller reports each funding event (Binance: 00:00, 08:00, 16:00 UTC for most
        symbols) with its rate; the payment is ``mark × quantity × rate``, paid by longs
        when the rate is positive. Nothing happens, and 0 is returned, when funding is off
        in the config, nothing is open, the position opened after ``at``, or ``at`` was
        already applied. Funding changes the balance but not ``ClosedPosition.pnl``.
        """
        require_aware(at, "funding time")
        key = to_exchange_id(symbol)
        with self._lock:
            holding = self._holdings.get(key)
            mark = self._marks.get(key)
            if not self._config.funding or holding is None or mark is None:
                return 0.0
            if holding.position.opened_at > at or (
                holding.last_funding_at is not None and at <= holding.last_funding_at
            ):
                return 0.0
            position = holding.position
            payment = funding_payment(position.side, position.quantity, mark[0], rate)
            holding.funding += payment
            holding.last_funding_at = at
            self._balance += payment
        logger.info("paper funding %s rate %g: %.4f USDT", key, rate, payment)
        return payment

    # -- queries --------------------------------------------------------------------------

    def positions(self) -> list[Position]:
        """Every open position, ordered by symbol."""
        with self._lock:
            return [self._holdings[key].position for key in sorted(self._holdings)]

    def open_position_count(self) -> int:
        """How many positions are open (``len(positions())`` without building the list)."""
        with self._lock:
            return len(self._holdings)

    def position(self, symbol: str) -> Position | None:
        """The open position on ``symbol``, or ``None``."""
        with self._lock:
            holding = self._holdings.get(to_exchange_id(symbol))
            return holding.position if holding is not None else None

    def closed_positions(self) -> list[ClosedPosition]:
        """Every position closed so far, oldest first."""
        with self._lock:
            return list(self._history)

    def find_by_client_order_id(self, client_order_id: str) -> Position | ClosedPosition | None:
        """The open position an entry id opened, the result an entry or exit id closed."""
        with self._lock:
            return self._find(client_order_id)

    def mark_price(self, symbol: str) -> tuple[float, datetime] | None:
        """The latest mark of ``symbol`` and its time, or ``None``."""
        with self._lock:
            return self._marks.get(to_exchange_id(symbol))

    def balance(self) -> float:
        """Wallet balance: starting balance + closed PnL + funding − every fee paid."""
        with self._lock:
            return self._balance

    def free_balance(self) -> float:
        """Balance + unrealised PnL − margin in use (Binance's cross-margin available balance)."""
        with self._lock:
            return self._free_balance()

    def equity(self) -> float:
        """Balance plus unrealised PnL at the last marks (exit fees not deducted)."""
        with self._lock:
            return self._balance + self._unrealised()

    def unrealised_pnl(self) -> float:
        """Price PnL of every open position at its last mark, before exit fees."""
        with self._lock:
            return self._unrealised()

    def realised_pnl(self) -> float:
        """Everything booked to the wallet since the start: ``balance − starting_balance``.

        Closed positions net of their fees, entry fees of open positions, and funding; so
        ``equity == starting_balance + realised_pnl + unrealised_pnl`` always.
        """
        with self._lock:
            return self._balance - self._config.starting_balance

    # -- internals (callers hold the lock) ------------------------------------------------

    def _find(self, client_order_id: str) -> Position | ClosedPosition | None:
        closed = self._closed_ids.get(client_order_id)
        if closed is not None:
            return closed
        symbol = self._open_ids.get(client_order_id)
        return self._holdings[symbol].position if symbol is not None else None

    def _now(self) -> datetime:
        now = self._clock()
        require_aware(now, "clock time")
        return now

    def _fresh_mark(self, symbol: str, now: datetime) -> float:
        latest = self._marks.get(symbol)
        if latest is None:
            raise MarkPriceUnavailable(f"{symbol}: no mark price yet, cannot fill a market order")
        price, at = latest
        age = (now - at).total_seconds()
        if age > self._config.max_mark_age_seconds:
            raise MarkPriceUnavailable(
                f"{symbol}: last mark price is {age:.1f} s old "
                f"(limit {self._config.max_mark_age_seconds:g} s), cannot fill a market order"
            )
        return price

    def _entry_fill(
        self, order: SizedOrder, symbol: str, client_order_id: str, now: datetime
    ) -> Position:
        """Price a market entry as the exchange would fill it and check it is affordable."""
        mark = self._fresh_mark(symbol, now)
        validate_levels(order.intent, mark)
        side = order.intent.side
        rules = self._rules.get(symbol, _NO_RULES)
        quantity = checked_entry_quantity(rules, symbol, order.quantity, mark)
        price = on_tick(rules, slipped_price(mark, OrderSide.to_open(side),
                                             self._config.slippage_bps),
                        up=side is PositionSide.LONG)
        fee = taker_fee(price * quantity, self._config.taker_fee_rate)
        margin = initial_margin(quantity, price, self._config.leverage)
        # Reserve the exit fee too (estimated at the entry price), so that whatever is
        # opened can also be paid out of.
        required = margin + 2 * fee
        free = self._free_balance()
        if required > free:
            raise InsufficientFunds(
                f"{symbol}: needs {required:.2f} USDT (margin {margin:.2f} + fees), "
                f"free balance is {free:.2f}"
            )
        cluster = order.intent.cluster
        position = Position(
            symbol=symbol,
            side=side,
            quantity=quantity,
            entry_price=price,
            stop_price=order.intent.stop_price,
            take_profit_price=order.intent.take_profit_price,
            opened_at=now,
            client_order_id=client_order_id,
            entry_fee=fee,
            target_cluster_price=cluster.price_level if cluster is not None else None,
        )
        return position

    def _unrealised(self) -> float:
        # A restored position has no mark until the first price tick: count it flat till then.
        return sum(
            holding.position.unrealised_pnl(self._marks[key][0])
            for key, holding in self._holdings.items()
            if key in self._marks
        )

    def _free_balance(self) -> float:
        return self._balance + self._unrealised() - self._margin_in_use()

    def _margin_in_use(self) -> float:
        # At the latest mark, as the exchange does; a restored position without one yet is
        # reckoned at its entry price.
        leverage = self._config.leverage
        return sum(
            initial_margin(holding.position.quantity,
                           self._marks[key][0] if key in self._marks
                           else holding.position.entry_price, leverage)
            for key, holding in self._holdings.items()
        )

    def _settle(
        self, holding: _Holding, price: float, at: datetime, reason: str, exit_id: str
    ) -> ClosedPosition:
        position = holding.position
        fee = taker_fee(price * position.quantity, self._config.taker_fee_rate)
        closed = ClosedPosition(
            position=position,
            exit_price=price,
            exit_time=at,
            reason=reason,
            exit_fee=fee,
            exit_client_order_id=exit_id,
        )
        self._balance += closed.gross_pnl - fee
        del self._holdings[position.symbol]
        del self._open_ids[position.client_order_id]
        self._closed_ids[position.client_order_id] = closed
        self._closed_ids[exit_id] = closed
        self._history.append(closed)
        logger.info(
            "paper close %s %s @ %.8g (%s) pnl %.4f [%s]",
            position.symbol,
            position.side.value,
            price,
            reason,
            closed.pnl,
            exit_id,
        )
        return closed
