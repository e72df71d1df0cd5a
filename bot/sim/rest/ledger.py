"""The simulated account's history: every fill (``/fapi/v1/userTrades``) and every wallet
movement (``/fapi/v1/income``), written by the matching engine as it books them.

The figures are the ones the account itself booked (fill price, commission, realised PnL,
funding), so trade history, income and the wallet always agree. Funding settlements appear
as ``FUNDING_FEE`` income with no trade id, as on Binance.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal

from bot.sim.rest.filters import SymbolFilters
from bot.sim.rest.params import fmt_money

_MAX_LIMIT = 1000
_WEEK_MS = 7 * 24 * 60 * 60 * 1000


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of an order, as Binance's ``userTrades`` lists it."""

    trade_id: int
    order_id: int
    symbol: str
    side: str
    price: Decimal
    quantity: Decimal
    commission: Decimal
    realized_pnl: Decimal
    maker: bool
    time_ms: int


@dataclass(frozen=True, slots=True)
class Income:
    """One wallet movement, as Binance's ``income`` lists it."""

    tran_id: int
    symbol: str
    income_type: str
    amount: Decimal
    time_ms: int
    trade_id: int


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """The filters of a history request (Binance's parameters)."""

    symbol: str | None = None
    order_id: int | None = None
    from_id: int | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    limit: int = 500
    income_type: str | None = None


class Ledger:
    """Fills and income of one account, in the order they happened. Thread-safe."""

    def __init__(self) -> None:
        """Empty history."""
        self._lock = threading.Lock()
        self._fills: list[Fill] = []
        self._income: list[Income] = []
        self._next_trade = 7_000_001
        self._next_tran = 9_000_000_001

    def record(self, order_id: int, symbol: str, side: str, price: Decimal, quantity: Decimal,
               *, commission: Decimal, realized_pnl: Decimal, maker: bool,
               now_ms: int) -> Fill:
        """Book one fill and the income it moves (realised PnL, commission)."""
        with self._lock:
            fill = Fill(self._next_trade, order_id, symbol, side, price, quantity, commission,
                        realized_pnl, maker, now_ms)
            self._next_trade += 1
            self._fills.append(fill)
            for kind, amount in (("REALIZED_PNL", realized_pnl), ("COMMISSION", -commission)):
                if amount != 0:
                    self._income.append(Income(self._next_tran, symbol, kind, amount, now_ms,
                                               fill.trade_id))
                    self._next_tran += 1
            return fill

    def funding(self, symbol: str, amount: Decimal, now_ms: int) -> Income:
        """Book one funding settlement of ``symbol`` (negative = paid)."""
        with self._lock:
            income = Income(self._next_tran, symbol, "FUNDING_FEE", amount, now_ms, 0)
            self._next_tran += 1
            self._income.append(income)
            return income

    def fills(self, query: HistoryQuery) -> list[Fill]:
        """Fills of ``query.symbol`` matching the filters, oldest first."""
        with self._lock:
            found = [f for f in self._fills if f.symbol == query.symbol
                     and (query.order_id is None or f.order_id == query.order_id)
                     and (query.from_id is None or f.trade_id >= query.from_id)
                     and _within(f.time_ms, query)]
        return found[:_limit(query)]

    def last_trade_id(self) -> int:
        """The id of the newest fill (0 before any)."""
        with self._lock:
            return self._fills[-1].trade_id if self._fills else 0

    def fills_after(self, trade_id: int) -> list[Fill]:
        """Every fill newer than ``trade_id``, oldest first."""
        with self._lock:
            return [f for f in self._fills if f.trade_id > trade_id]

    def income(self, query: HistoryQuery) -> list[Income]:
        """Income records matching the filters, oldest first."""
        with self._lock:
            found = [i for i in self._income
                     if (query.symbol is None or i.symbol == query.symbol)
                     and (query.income_type is None or i.income_type == query.income_type)
                     and _within(i.time_ms, query)]
        return found[:_limit(query)]


def fill_json(fill: Fill, filters: SymbolFilters) -> dict[str, object]:
    """A fill as ``GET /fapi/v1/userTrades`` shows it."""
    return {
        "buyer": fill.side == "BUY",
        "commission": fmt_money(fill.commission),
        "commissionAsset": "USDT",
        "id": fill.trade_id,
        "maker": fill.maker,
        "orderId": fill.order_id,
        "price": filters.price_text(fill.price),
        "qty": filters.qty_text(fill.quantity),
        "quoteQty": fmt_money(fill.price * fill.quantity),
        "realizedPnl": fmt_money(fill.realized_pnl),
        "side": fill.side,
        "positionSide": "BOTH",
        "symbol": fill.symbol,
        "time": fill.time_ms,
    }


def income_json(income: Income) -> dict[str, object]:
    """An income record as ``GET /fapi/v1/income`` shows it."""
    return {
        "symbol": income.symbol,
        "incomeType": income.income_type,
        "income": fmt_money(income.amount),
        "asset": "USDT",
        # Binance leaves both empty for funding: no trade moved the wallet.
        "info": str(income.trade_id) if income.trade_id else "FUNDING_FEE",
        "time": income.time_ms,
        "tranId": income.tran_id,
        "tradeId": str(income.trade_id) if income.trade_id else "",
    }


def _within(time_ms: int, query: HistoryQuery) -> bool:
    # Binance serves the last 7 days when neither bound is sent.
    start = query.start_ms
    end = query.end_ms
    if start is None and end is not None:
        start = end - _WEEK_MS
    return (start is None or time_ms >= start) and (end is None or time_ms <= end)


def _limit(query: HistoryQuery) -> int:
    return max(1, min(query.limit, _MAX_LIMIT))
