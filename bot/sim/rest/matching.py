"""The matching engine: the account's orders against the shared market's mark prices.

There is no order book: the mark price of the shared ``SimMarket`` is the market.

* MARKET orders fill at once at the mark moved ``slippage_bps`` against the taker (rounded
  to the tick away from the taker), paying the taker fee.
* LIMIT orders that cross the mark fill at once like market orders (never worse than their
  limit); others rest and fill at their limit price, paying the maker fee, on the first
  mark that reaches it (``on_mark_prices``). IOC remainders expire; FOK and post-only
  (GTX) orders that cannot be honoured are rejected (-5021 / -5022), as Binance does now.
* Conditional (algo) orders trigger on the mark: STOP_MARKET / TAKE_PROFIT_MARKET place a
  MARKET order, STOP / TAKE_PROFIT a LIMIT order, carrying ``clientAlgoId`` as its
  ``clientOrderId``. The algo then reads FINISHED (TRIGGERED while its limit order rests),
  or EXPIRED when the order it places is refused or there is nothing left to reduce.
* ``reduceOnly`` never adds to a position: refused (-2022) when nothing can be reduced at
  placement, capped to the position when filled (the rest EXPIRED), and resting
  reduce-only orders expire once the position is gone or has flipped. ``closePosition``
  orders close whatever is open when they trigger and, as on Binance, stay open when the
  position is closed some other way (with nothing to close they expire on trigger).
* A liquidation of the account cancels the symbol's open regular orders and is recorded as
  a filled ``autoclose-…`` order.

Thread-safe: one re-entrant lock guards every method; results are copies.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import TypeVar

from bot.clock import Clock
from bot.domain import to_epoch_ms
from bot.sim.events import MarkPriceUpdate
from bot.sim.market import SimMarket
from bot.sim.rest import errors
from bot.sim.rest.accounts import Account, AccountConfig, Liquidated, MarginType
from bot.sim.rest.brackets import MAX_LEVERAGE, Brackets
from bot.sim.rest.checks import check_algo, check_client_id, check_time_in_force, crosses
from bot.sim.rest.filters import SymbolFilters
from bot.sim.rest.ledger import Ledger
from bot.sim.rest.orders import (
    ZERO,
    AlgoOrder,
    AlgoRequest,
    Order,
    OrderRequest,
    OrderStore,
    liquidation_order,
)
from bot.sim.rest.params import round_to
from bot.sim.rest.user_stream import AccountState
from bot.sim.rest.views import AccountView, account_view

_BPS = Decimal(10_000)
_Kind = TypeVar("_Kind", Order, AlgoOrder)


class MatchingEngine:
    """Orders, algo orders and the account of one simulated user.

    Args:
        market: the shared market (prices, symbol filters, maintenance rate).
        config: the account settings.
        clock: the server's clock (skew included), UTC.
        new_client_id: makes a client id for orders sent without one.
    """

    def __init__(
        self,
        market: SimMarket,
        config: AccountConfig,
        *,
        clock: Clock,
        new_client_id: Callable[[], str],
    ) -> None:
        """Open the account; no orders yet."""
        self._market = market
        self._config = config
        self._clock = clock
        self._new_client_id = new_client_id
        self._lock = threading.RLock()
        self._filters = {s: SymbolFilters.from_spec(market.spec(s)) for s in market.symbols}
        rate = Decimal(repr(market.config.maintenance_margin))
        self.brackets = Brackets(rate)
        self._account = Account(config, market.symbols, self.brackets, self._now())
        self._orders: OrderStore[Order] = OrderStore()
        self._algos: OrderStore[AlgoOrder] = OrderStore()
        self._next_order_id = 4_000_000_001
        self.ledger = Ledger()
        interval = config.funding_interval_ms
        self._next_funding_ms = (self._now() // interval + 1) * interval if interval else 0
        self._funding_rate = Decimal(market.config.funding_rate)
        self._dual_side = False
        self._next_algo_id = 1_000_000_001

    # -- reading ----------------------------------------------------------------------------

    def filters(self, symbol: str) -> SymbolFilters:
        """The filters of ``symbol``; ``-1121`` if it is not traded."""
        try:
            return self._filters[symbol]
        except KeyError:
            raise errors.INVALID_SYMBOL() from None

    def all_filters(self) -> list[SymbolFilters]:
        """Every traded symbol's filters."""
        return list(self._filters.values())

    def mark_updates(self) -> tuple[MarkPriceUpdate, ...]:
        """The market's current mark-price updates, as the WebSocket half sends them."""
        return self._market.mark_prices(self._clock())

    def marks(self) -> dict[str, Decimal]:
        """The current mark price of every symbol (the market's, rounded to its tick)."""
        return {m.symbol: m.mark_price for m in self.mark_updates()}

    def account(self) -> AccountView:
        """The account at the current marks."""
        with self._lock:
            return account_view(self._account, self.marks(), self._order_margin())

    def all_orders(self) -> list[Order]:
        """Copies of every regular order held (open and recently closed)."""
        with self._lock:
            return [replace(o) for o in self._orders.all()]

    def all_algos(self) -> list[AlgoOrder]:
        """Copies of every conditional order held (open and recently closed)."""
        with self._lock:
            return [replace(a) for a in self._algos.all()]

    def account_state(self) -> AccountState:
        """The wallet and positions, as the user-data stream reports them."""
        with self._lock:
            marks = self.marks()
            positions = self._account.open_positions()
            return AccountState(
                wallet=self._account.wallet_balance,
                positions={s: (p.amount, p.entry_price) for s, p in positions.items()},
                unrealised={s: p.unrealised(marks[s]) for s, p in positions.items()},
            )

    # -- account settings -------------------------------------------------------------------

    def set_leverage(self, symbol: str, leverage: int) -> Decimal:
        """Set ``symbol``'s leverage; returns the largest notional allowed at it."""
        with self._lock:
            pos = self._account.position(self.filters(symbol).symbol)
            if not 1 <= leverage <= MAX_LEVERAGE:
                raise errors.invalid_leverage(str(leverage))
            cap = self.brackets.max_notional(leverage)
            if abs(pos.amount) * self.marks()[symbol] > cap:
                raise errors.POSITION_ABOVE_LEVERAGE_CAP()
            pos.leverage = leverage
            return cap

    def set_margin_type(self, symbol: str, margin_type: MarginType) -> None:
        """Switch ``symbol`` between CROSSED and ISOLATED (refused with a position or orders)."""
        with self._lock:
            pos = self._account.position(self.filters(symbol).symbol)
            if pos.margin_type == margin_type:
                raise errors.NO_NEED_TO_CHANGE_MARGIN_TYPE()
            if pos.amount != 0:
                raise errors.MARGIN_TYPE_POSITION()
            if self._orders.open_orders(symbol) or self._algos.open_orders(symbol):
                raise errors.MARGIN_TYPE_OPEN_ORDERS()
            pos.margin_type = margin_type

    @property
    def dual_side(self) -> bool:
        """Whether the account is in hedge (dual-side) position mode."""
        return self._dual_side

    def set_dual_side(self, dual: bool) -> None:
        """Switch one-way / hedge mode; Binance refuses with positions or open orders."""
        with self._lock:
            if dual == self._dual_side:
                raise errors.ApiError(-4059, "No need to change position side.")
            if self._account.open_positions():
                raise errors.ApiError(-4068, "Position side cannot be changed if there "
                                             "exists position.")
            if self._orders.open_orders() or self._algos.open_orders():
                raise errors.ApiError(-4067, "Position side cannot be changed if there "
                                             "exists open orders.")
            self._dual_side = dual

    # -- regular orders ---------------------------------------------------------------------

    def place(self, request: OrderRequest) -> Order:
        """Accept (and, if it can, execute) a regular order; Binance's errors otherwise."""
        with self._lock:
            check_client_id(request.client_order_id, self._orders.client_id_open)
            order = self._place(request, orig_type=request.order_type)
            self._tidy()
            return replace(order)

    def order(self, symbol: str, order_id: int | None, client_id: str | None) -> Order:
        """An open or recently closed order; ``-2013`` if unknown."""
        return self._look_up(self._orders, symbol, order_id, client_id)

    def cancel(self, symbol: str, order_id: int | None, client_id: str | None) -> Order:
        """Cancel an open order; ``-2011`` if unknown or no longer open."""
        return self._cancel(self._orders, symbol, order_id, client_id)

    def open_orders(self, symbol: str | None) -> list[Order]:
        """Open regular orders of ``symbol`` (or of all symbols)."""
        with self._lock:
            return [replace(o) for o in self._orders.open_orders(self._known(symbol))]

    # -- algo orders ------------------------------------------------------------------------

    def place_algo(self, request: AlgoRequest) -> AlgoOrder:
        """Accept a conditional order; it waits for its trigger on the mark price."""
        with self._lock:
            filters = self.filters(request.symbol)
            check_client_id(request.client_algo_id, self._algos.client_id_open)
            quantity, price = check_algo(request, filters)
            now = self._now()
            algo = AlgoOrder(
                algo_id=self._next_algo_id,
                client_algo_id=request.client_algo_id or self._new_client_id(),
                symbol=request.symbol,
                side=request.side,
                order_type=request.order_type,
                quantity=quantity,
                price=price,
                trigger_price=request.trigger_price,
                time_in_force=request.time_in_force,
                working_type=request.working_type,
                close_position=request.close_position,
                reduce_only=request.reduce_only,
                price_protect=request.price_protect,
                create_ms=now,
                update_ms=now,
            )
            if algo.triggered_by(self.marks()[request.symbol]):
                raise errors.WOULD_TRIGGER()
            self._next_algo_id += 1
            self._algos.add(algo)
            return replace(algo)

    def algo(self, symbol: str | None, algo_id: int | None, client_id: str | None) -> AlgoOrder:
        """An open or recently closed algo order; ``-2013`` if unknown."""
        return self._look_up(self._algos, symbol, algo_id, client_id)

    def cancel_algo(
        self, symbol: str | None, algo_id: int | None, client_id: str | None
    ) -> AlgoOrder:
        """Cancel a waiting algo order; ``-2011`` if unknown or no longer open."""
        return self._cancel(self._algos, symbol, algo_id, client_id)

    def open_algos(self, symbol: str | None) -> list[AlgoOrder]:
        """Waiting algo orders of ``symbol`` (or of all symbols)."""
        with self._lock:
            return [replace(a) for a in self._algos.open_orders(self._known(symbol))]

    # -- either kind, in its own store ------------------------------------------------------

    def _look_up(
        self, store: OrderStore[_Kind], symbol: str | None, id_: int | None, client_id: str | None
    ) -> _Kind:
        with self._lock:
            found = store.find(self._known(symbol), id_, client_id)
            if found is None:
                raise errors.ORDER_NOT_FOUND()
            return replace(found)

    def _cancel(
        self, store: OrderStore[_Kind], symbol: str | None, id_: int | None, client_id: str | None
    ) -> _Kind:
        with self._lock:
            found = store.find(self._known(symbol), id_, client_id)
            if found is None or not found.is_open:
                raise errors.UNKNOWN_ORDER()
            found.close("CANCELED", self._now())
            self._tidy()
            return replace(found)

    # -- the market moves -------------------------------------------------------------------

    def on_mark_prices(self) -> list[Liquidated]:
        """Trigger algo orders, fill crossed limit orders and liquidate, at the market's
        current marks. Returns the account's liquidations."""
        with self._lock:
            current = self.marks()
            now = self._now()
            self._settle_funding(current, now)
            for algo in self._algos.open_orders():
                if algo.triggered_by(current[algo.symbol]):
                    self._trigger(algo, now)
            for order in self._orders.open_orders():
                mark = current[order.symbol]
                if order.order_type == "LIMIT" and crosses(order.side, order.price, mark):
                    self._fill(order, order.price, self._config.maker_fee, now)
            self._tidy()
            liquidated = self._account.liquidate(current, now)
            for event in liquidated:
                self._record_liquidation(event, now)
            self._tidy()
            return liquidated

    # -- internals (lock held) --------------------------------------------------------------

    def _now(self) -> int:
        return to_epoch_ms(self._clock())

    def _settle_funding(self, marks: dict[str, Decimal], now: int) -> None:
        """Every funding time passed: each open position pays (or gets) ``size × mark ×
        rate``, longs paying at a positive rate, booked as ``FUNDING_FEE`` income."""
        interval = self._config.funding_interval_ms
        while interval and now >= self._next_funding_ms:
            at = self._next_funding_ms
            for symbol, pos in self._account.open_positions().items():
                payment = -pos.amount * marks[symbol] * self._funding_rate
                self._account.apply_funding(symbol, payment, at)
                self.ledger.funding(symbol, payment, at)
            self._next_funding_ms += interval

    def _place(
        self,
        request: OrderRequest,
        *,
        orig_type: str,
        stop_price: Decimal = ZERO,
        close_position: bool = False,
    ) -> Order:
        filters = self.filters(request.symbol)
        mark = self.marks()[request.symbol]
        limit = request.order_type == "LIMIT"
        filters.check_quantity(request.quantity, market=not limit)
        if limit:
            filters.check_price(request.price)
            filters.check_percent_price(request.side, request.price, mark)
        crossed = not limit or crosses(request.side, request.price, mark)
        check_time_in_force(request.time_in_force, crossed)
        fill_price = self._taker_price(request, mark)
        self._check_exposure(request, filters, fill_price if crossed else request.price)
        now = self._now()
        order = Order(
            order_id=self._next_order_id,
            client_order_id=request.client_order_id or self._new_client_id(),
            symbol=request.symbol,
            side=request.side,
            order_type=request.order_type,
            quantity=request.quantity,
            price=request.price if limit else ZERO,
            time_in_force=request.time_in_force,
            reduce_only=request.reduce_only or close_position,
            time_ms=now,
            update_ms=now,
            orig_type=orig_type,
            stop_price=stop_price,
            close_position=close_position,
        )
        self._next_order_id += 1
        self._orders.add(order)
        if crossed:
            self._fill(order, fill_price, self._config.taker_fee, now)
        if order.is_open and request.time_in_force in ("IOC", "FOK"):
            order.close("EXPIRED", now)
        return order

    def _check_exposure(
        self, request: OrderRequest, filters: SymbolFilters, price: Decimal
    ) -> None:
        account = self._account
        if request.reduce_only:
            if account.reducible_quantity(request.symbol, request.side) == 0:
                raise errors.REDUCE_ONLY_REJECTED()
            return
        filters.check_notional(request.quantity, price)
        opening = account.opening_quantity(request.symbol, request.side, request.quantity)
        if opening == 0:
            return
        pos = account.position(request.symbol)
        after = abs(pos.amount + (request.quantity if request.side == "BUY" else -request.quantity))
        if after * price > self.brackets.max_notional(pos.leverage):
            raise errors.POSITION_ABOVE_LEVERAGE_CAP()
        totals = account.totals(self.marks(), sum(self._order_margin().values(), ZERO))
        if opening * price / pos.leverage > totals.available:
            raise errors.MARGIN_INSUFFICIENT()

    def _taker_price(self, request: OrderRequest, mark: Decimal) -> Decimal:
        tick = self._filters[request.symbol].tick_size
        slip = self._config.slippage_bps / _BPS
        if request.side == "BUY":
            price = round_to(mark * (1 + slip), tick, up=True)
            return min(price, request.price) if request.order_type == "LIMIT" else price
        price = round_to(mark * (1 - slip), tick, up=False)
        return max(price, request.price) if request.order_type == "LIMIT" else price

    def _fill(self, order: Order, price: Decimal, fee_rate: Decimal, now: int) -> None:
        quantity = order.remaining
        if order.reduce_only:
            quantity = min(quantity, self._account.reducible_quantity(order.symbol, order.side))
        if quantity > 0:
            realised, fee = self._account.apply_fill(order.symbol, order.side, quantity, price,
                                                     fee_rate, now)
            order.record_fill(quantity, price, now)
            self.ledger.record(order.order_id, order.symbol, order.side, price, quantity,
                               commission=fee, realized_pnl=realised,
                               maker=fee_rate == self._config.maker_fee, now_ms=now)
        if order.is_open and order.reduce_only:
            # The part beyond the position can never execute as a reduction.
            order.close("EXPIRED", now)

    def _trigger(self, algo: AlgoOrder, now: int) -> None:
        quantity = algo.quantity
        if algo.close_position or algo.reduce_only:
            reducible = self._account.reducible_quantity(algo.symbol, algo.side)
            quantity = reducible if algo.close_position else min(quantity, reducible)
        request = OrderRequest(
            symbol=algo.symbol,
            side=algo.side,
            order_type="MARKET" if algo.is_market else "LIMIT",
            quantity=quantity,
            price=ZERO if algo.is_market else algo.price,
            time_in_force=algo.time_in_force,
            reduce_only=algo.reduce_only or algo.close_position,
            client_order_id=algo.client_algo_id,
        )
        algo.trigger_ms = now
        try:
            if quantity <= 0:
                raise errors.REDUCE_ONLY_REJECTED()
            order = self._place(
                request,
                orig_type=algo.order_type,
                stop_price=algo.trigger_price,
                close_position=algo.close_position,
            )
        except errors.ApiError:
            algo.close("EXPIRED", now)
            return
        algo.actual_order_id = order.order_id
        algo.actual_price = order.avg_price
        algo.close("TRIGGERED" if order.is_open else "FINISHED", now)

    def _record_liquidation(self, event: Liquidated, now: int) -> None:
        for order in self._orders.open_orders(event.symbol):
            order.close("CANCELED", now)
        tick = self._filters[event.symbol].tick_size
        price = round_to(event.bankruptcy_price, tick, up=event.side == "SELL")
        order = liquidation_order(self._next_order_id, event, price, now)
        self._next_order_id += 1
        self._orders.add(order)
        # The whole margin is lost: that is the liquidation fill's realised PnL.
        self.ledger.record(order.order_id, event.symbol, event.side, price, event.quantity,
                           commission=ZERO, realized_pnl=-event.loss, maker=False, now_ms=now)

    def _tidy(self) -> None:
        for order in self._orders.open_orders():
            if order.reduce_only and not self._account.reducible_quantity(order.symbol, order.side):
                order.close("EXPIRED", self._now())
        self._orders.settle()
        self._algos.settle()

    def _order_margin(self) -> dict[str, Decimal]:
        margin: dict[str, Decimal] = {}
        for order in self._orders.open_orders():
            if order.order_type == "LIMIT" and not order.reduce_only:
                leverage = self._account.position(order.symbol).leverage
                amount = order.remaining * order.price / leverage
                margin[order.symbol] = margin.get(order.symbol, ZERO) + amount
        return margin

    def _known(self, symbol: str | None) -> str | None:
        return None if symbol is None else self.filters(symbol).symbol
