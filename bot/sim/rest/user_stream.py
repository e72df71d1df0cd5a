"""The simulated user-data stream: listen keys and the events of the account.

* ``ListenKeys`` — Binance's listen-key rules: ``POST /fapi/v1/listenKey`` returns the active
  key (extending it) or a new one, valid 60 minutes; ``PUT`` extends it (``-1125`` for a
  key that does not exist or has expired); ``DELETE`` closes it.
* ``UserEvents`` — what changed in the account since it last looked, as Binance's
  ``ORDER_TRADE_UPDATE`` (NEW, TRADE with the fill's commission and realised PnL,
  CANCELED, EXPIRED), ``ALGO_UPDATE`` (conditional orders) and ``ACCOUNT_UPDATE``
  (balance and positions; reason ``FUNDING_FEE`` for a funding settlement, else ``ORDER``)
  payloads. The REST server asks after every request and every
  mark-price tick, so events follow the change within one tick.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from bot.sim.rest.errors import ApiError
from bot.sim.rest.ledger import Fill, Ledger
from bot.sim.rest.orders import AlgoOrder, Order
from bot.sim.rest.params import fmt_money

VALIDITY_MS = 60 * 60 * 1000
Payload = dict[str, object]


def _no_key() -> ApiError:
    return ApiError(-1125, "This listenKey does not exist.")


class ListenKeys:
    """The account's listen key (Binance keeps one per account). Thread-safe.

    Args:
        now_ms: the server's clock in epoch milliseconds.
    """

    def __init__(self, now_ms: Callable[[], int]) -> None:
        """No key yet."""
        self._now_ms = now_ms
        self._lock = threading.Lock()
        self._key: str | None = None
        self._expires_ms = 0

    def create(self) -> str:
        """The active key, extended, or a new one."""
        with self._lock:
            if self._key is None or self._now_ms() >= self._expires_ms:
                self._key = secrets.token_urlsafe(48)[:64]
            self._expires_ms = self._now_ms() + VALIDITY_MS
            return self._key

    def keepalive(self, key: str | None) -> None:
        """Extend ``key`` by 60 minutes; ``-1125`` if it is not the active key."""
        with self._lock:
            if key is None or key != self._key or self._now_ms() >= self._expires_ms:
                raise _no_key()
            self._expires_ms = self._now_ms() + VALIDITY_MS

    def close(self, key: str | None) -> None:
        """Close the active key (a later ``PUT`` gets ``-1125``)."""
        with self._lock:
            if key is None or key != self._key:
                raise _no_key()
            self._key = None

    def expire_now(self) -> None:
        """Let the active key run out at once (a test's fault)."""
        with self._lock:
            self._expires_ms = self._now_ms()

    def take_expired(self) -> str | None:
        """The key that has just run out (once), or ``None``; it is gone afterwards."""
        with self._lock:
            if self._key is not None and self._now_ms() >= self._expires_ms:
                key, self._key = self._key, None
                return key
            return None

    def active(self) -> str | None:
        """The key events go to, or ``None``."""
        with self._lock:
            return self._key if self._key is not None and self._now_ms() < self._expires_ms \
                else None


@dataclass(frozen=True, slots=True)
class AccountState:
    """What ``ACCOUNT_UPDATE`` reports: the wallet and each symbol's position (amount,
    entry price). Unrealised PnL moves with every mark and, as on Binance, is reported
    with a change but never makes one."""

    wallet: Decimal
    positions: dict[str, tuple[Decimal, Decimal]]
    unrealised: dict[str, Decimal] = field(compare=False, default_factory=dict)


class UserEvents:
    """Turns changes of the account into Binance's user-data payloads (see module doc).

    Args:
        orders: every order the engine knows (open and recently closed).
        algos: every conditional order the engine knows.
        ledger: the account's fills.
        account: the wallet and positions now.
    """

    def __init__(self, orders: Callable[[], list[Order]], algos: Callable[[], list[AlgoOrder]],
                 ledger: Ledger, account: Callable[[], AccountState]) -> None:
        """Remember the account as it is: only later changes become events."""
        self._orders = orders
        self._algos = algos
        self._ledger = ledger
        self._account = account
        self._lock = threading.Lock()
        self._order_seen = {o.order_id: o.status for o in orders()}
        self._algo_seen = {a.algo_id: a.status for a in algos()}
        self._fills_seen = ledger.last_trade_id()
        self._state = account()

    def collect(self, now_ms: int) -> list[Payload]:
        """The events of everything that changed since the last call, in order."""
        with self._lock:
            events: list[Payload] = []
            fills = self._ledger.fills_after(self._fills_seen)
            if fills:
                self._fills_seen = fills[-1].trade_id
            orders = {o.order_id: o for o in self._orders()}
            by_order: dict[int, list[Fill]] = {}
            for fill in fills:
                by_order.setdefault(fill.order_id, []).append(fill)
            for order in orders.values():
                events += self._order_events(order, by_order.get(order.order_id, []), now_ms)
            for algo in self._algos():
                if self._algo_seen.get(algo.algo_id) != algo.status:
                    self._algo_seen[algo.algo_id] = algo.status
                    events.append(_algo_event(algo, now_ms))
            state = self._account()
            if state != self._state:
                # The wallet moved with no fill and no position change: a funding settlement.
                funding = not fills and state.positions == self._state.positions
                events.append(_account_event(state, self._state, now_ms,
                                             "FUNDING_FEE" if funding else "ORDER"))
                self._state = state
            return events

    def _order_events(self, order: Order, fills: list[Fill], now_ms: int) -> list[Payload]:
        previous = self._order_seen.get(order.order_id)
        if previous == order.status and not fills:
            return []
        self._order_seen[order.order_id] = order.status
        events: list[Payload] = []
        done = order.executed_qty - sum((f.quantity for f in fills), Decimal(0))
        if previous is None:
            events.append(_order_event(order, "NEW", "NEW", done, None, now_ms))
        for fill in fills:
            done += fill.quantity
            status = "FILLED" if done >= order.quantity else "PARTIALLY_FILLED"
            events.append(_order_event(order, "TRADE", status, done, fill, now_ms))
        if order.status in ("CANCELED", "EXPIRED") and previous != order.status:
            events.append(_order_event(order, order.status, order.status, done, None, now_ms))
        return events


def _order_event(order: Order, execution: str, status: str, done: Decimal, fill: Fill | None,
                 now_ms: int) -> Payload:
    avg = order.avg_price if done else Decimal(0)
    return {"e": "ORDER_TRADE_UPDATE", "E": now_ms, "T": now_ms, "o": {
        "s": order.symbol, "c": order.client_order_id, "S": order.side,
        "o": order.order_type, "f": order.time_in_force, "q": str(order.quantity),
        "p": fmt_money(order.price), "ap": fmt_money(avg), "sp": fmt_money(order.stop_price),
        "x": execution, "X": status, "i": order.order_id,
        "l": str(fill.quantity) if fill else "0", "z": str(done),
        "L": fmt_money(fill.price) if fill else "0", "N": "USDT",
        "n": fmt_money(fill.commission) if fill else "0",
        "T": fill.time_ms if fill else now_ms, "t": fill.trade_id if fill else 0,
        "b": "0", "a": "0", "m": bool(fill and fill.maker), "R": order.reduce_only,
        "wt": order.working_type, "ot": order.orig_type or order.order_type, "ps": "BOTH",
        "cp": order.close_position, "rp": fmt_money(fill.realized_pnl) if fill else "0",
        "pP": False, "si": 0, "ss": 0, "V": "EXPIRE_MAKER", "pm": "NONE", "gtd": 0,
    }}


def _algo_event(algo: AlgoOrder, now_ms: int) -> Payload:
    return {"e": "ALGO_UPDATE", "T": now_ms, "E": now_ms, "o": {
        "caid": algo.client_algo_id, "aid": algo.algo_id, "at": "CONDITIONAL",
        "o": algo.order_type, "s": algo.symbol, "S": algo.side, "ps": "BOTH",
        "f": algo.time_in_force, "q": str(algo.quantity), "X": algo.status,
        "tp": fmt_money(algo.trigger_price), "p": fmt_money(algo.price),
        "wt": algo.working_type, "cp": algo.close_position, "R": algo.reduce_only,
        "ai": str(algo.actual_order_id or ""), "ap": fmt_money(algo.actual_price),
    }}


def _account_event(state: AccountState, before: AccountState, now_ms: int,
                   reason: str) -> Payload:
    symbols = sorted(set(state.positions) | set(before.positions))
    flat = (Decimal(0), Decimal(0))
    positions = []
    for symbol in symbols:
        amount, entry = state.positions.get(symbol, flat)
        if (amount, entry) != before.positions.get(symbol, flat):
            unrealised = state.unrealised.get(symbol, Decimal(0))
            positions.append({"s": symbol, "pa": str(amount), "ep": fmt_money(entry),
                              "bep": fmt_money(entry), "cr": "0", "up": fmt_money(unrealised),
                              "mt": "isolated", "iw": "0", "ps": "BOTH"})
    balance = {"a": "USDT", "wb": fmt_money(state.wallet), "cw": fmt_money(state.wallet),
               "bc": "0"}
    return {"e": "ACCOUNT_UPDATE", "E": now_ms, "T": now_ms,
            "a": {"m": reason, "B": [balance], "P": positions}}
