"""Market metadata: loaded once, refreshed on demand; rounding and size checks.

Rounding uses ccxt's own precision helpers (``amount_to_precision`` truncates to the lot
step, ``price_to_precision`` rounds to the tick), so what we check is what ccxt sends.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from bot.errors import InvalidOrder
from bot.exchange.errors import translating
from bot.exchange.gate import RequestGate
from bot.exchange.parsing import number
from bot.exchange.retry import Retrier
from bot.symbols import to_exchange_id, to_unified


@dataclass(frozen=True, slots=True)
class MarketRules:
    """One symbol's trading filters (``None`` where the exchange sets none).

    Attributes:
        symbol: Binance id (``BTCUSDT``).
        unified: ccxt's symbol (``BTC/USDT:USDT``).
        step_size: LOT_SIZE step (quantity precision).
        tick_size: PRICE_FILTER tick (price precision).
        min_quantity / max_quantity: LOT_SIZE bounds.
        max_market_quantity: MARKET_LOT_SIZE upper bound for market orders.
        min_notional: MIN_NOTIONAL for orders that open or add to a position.
    """

    symbol: str
    unified: str
    step_size: float | None
    tick_size: float | None
    min_quantity: float | None
    max_quantity: float | None
    max_market_quantity: float | None
    min_notional: float | None


class MarketCatalog:
    """The exchange's markets, as one ccxt instance knows them.

    Args:
        exchange: the ccxt ``binanceusdm`` instance (from ``build_ccxt``).
        retrier: retries the (read-only) loads.

    Symbols may be given as ``BTCUSDT`` or ``BTC/USDT:USDT`` everywhere.
    """

    def __init__(self, exchange: Any, retrier: Retrier, gate: RequestGate | None = None) -> None:
        """Keep the exchange; nothing is fetched until ``load()``, through ``gate`` (the
        bot's shared request brake) when given."""
        self._gate = gate
        self._exchange = exchange
        self._retrier = retrier
        self._lock = threading.Lock()
        self._loaded = False

    def load(self) -> None:
        """Fetch the markets the first time; later calls use the cache."""
        with self._lock:
            if not self._loaded:
                self._fetch(reload=False)

    def refresh(self) -> None:
        """Fetch the markets again (new listings, changed filters)."""
        with self._lock:
            self._fetch(reload=True)

    @property
    def loaded(self) -> bool:
        """True once the markets have been fetched."""
        return self._loaded

    def symbols(self) -> list[str]:
        """Binance ids of every linear market, loading the markets if needed."""
        self.load()
        markets = self._exchange.markets or {}
        return sorted(str(m["id"]) for m in markets.values() if m.get("linear"))

    def unified(self, symbol: str) -> str:
        """ccxt's symbol for ``symbol``; ``InvalidOrder`` when the exchange lists none."""
        self.load()
        try:
            unified = to_unified(symbol)
        except ValueError as e:
            raise InvalidOrder(f"unknown symbol {symbol!r}") from e
        if unified not in (self._exchange.markets or {}):
            raise InvalidOrder(f"unknown symbol {symbol!r}")
        return unified

    def rules(self, symbol: str) -> MarketRules:
        """The trading filters of ``symbol``."""
        unified = self.unified(symbol)
        market = self._exchange.markets[unified]
        limits = market.get("limits") or {}
        precision = market.get("precision") or {}
        return MarketRules(
            symbol=to_exchange_id(unified),
            unified=unified,
            step_size=number(precision.get("amount")),
            tick_size=number(precision.get("price")),
            min_quantity=number((limits.get("amount") or {}).get("min")),
            max_quantity=number((limits.get("amount") or {}).get("max")),
            max_market_quantity=number((limits.get("market") or {}).get("max")),
            min_notional=number((limits.get("cost") or {}).get("min")),
        )

    def round_amount(self, symbol: str, quantity: float) -> float:
        """``quantity`` truncated to the lot step (ccxt ``amount_to_precision``).

        Raises:
            InvalidOrder: the quantity truncates to zero.
        """
        unified = self.unified(symbol)
        with translating(self._exchange):
            return float(self._exchange.amount_to_precision(unified, quantity))

    def round_price(self, symbol: str, price: float) -> float:
        """``price`` rounded to the tick (ccxt ``price_to_precision``)."""
        unified = self.unified(symbol)
        with translating(self._exchange):
            return float(self._exchange.price_to_precision(unified, price))

    def check_order_size(
        self,
        symbol: str,
        quantity: float,
        price: float | None,
        *,
        reduce_only: bool = False,
        market_order: bool = False,
    ) -> None:
        """Refuse, before anything is sent, an order the exchange would refuse for its size.

        Args:
            symbol: either form.
            quantity: the (already rounded) quantity.
            price: the limit price, or a reference (mark) price for market and stop orders;
                ``None`` only for reduce-only orders, which need no notional check.
            reduce_only: reduce-only orders are exempt from MIN_NOTIONAL, as on Binance.
            market_order: apply MARKET_LOT_SIZE's maximum instead of LOT_SIZE's.

        Raises:
            InvalidOrder: non-positive inputs, below the minimum quantity, above the
                maximum, or below the minimum notional.
        """
        rules = self.rules(symbol)
        if not quantity > 0 or (price is not None and not price > 0):
            raise InvalidOrder(f"{rules.symbol}: quantity and price must be positive")
        if price is None and not reduce_only:
            raise InvalidOrder(f"{rules.symbol}: a price is needed for the notional check")
        if rules.min_quantity is not None and quantity < rules.min_quantity:
            raise InvalidOrder(
                f"{rules.symbol}: quantity {quantity} below the minimum {rules.min_quantity}"
            )
        maximum = rules.max_market_quantity if market_order else None
        maximum = maximum if maximum is not None else rules.max_quantity
        if maximum is not None and quantity > maximum:
            raise InvalidOrder(f"{rules.symbol}: quantity {quantity} above the maximum {maximum}")
        if reduce_only or price is None or rules.min_notional is None:
            return
        notional = quantity * price
        if notional < rules.min_notional:
            raise InvalidOrder(
                f"{rules.symbol}: notional {notional:.8g} below the minimum {rules.min_notional}"
            )

    def _fetch(self, *, reload: bool) -> None:
        def request() -> None:
            with translating(self._exchange):
                self._exchange.load_markets(reload)

        def load() -> None:
            if self._gate is None:
                request()
            else:
                self._gate.run(request)

        self._retrier.call(load, description="load markets")
        self._loaded = True
