"""``BinanceGateway``: typed, translated, retry-aware access to Binance USDⓈ-M via ccxt.

Reads, cancels and the idempotent setters (leverage, margin mode) go through the bounded
retrier. Order creation is sent once: when it ends without a clear answer the order is
looked up by its client order id, and only if that cannot settle it does the caller get
``UnknownOrderOutcome``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import ccxt

from bot.clock import Clock
from bot.domain import MarkPrice, OrderSide, to_epoch_ms
from bot.errors import (
    AuthenticationFailed,
    BotError,
    ClockSkew,
    ConfigError,
    ExchangeError,
    InvalidOrder,
    OrderNotFound,
    TemporaryExchangeError,
    UnknownOrderOutcome,
)
from bot.exchange import orders, parsing
from bot.exchange.candles import (
    KLINES_PER_REQUEST,
    OPEN_INTEREST_PER_REQUEST,
    page_candles,
    page_open_interest,
)
from bot.exchange.errors import translating
from bot.exchange.gate import RequestGate
from bot.exchange.markets import MarketCatalog
from bot.exchange.models import (
    Balance,
    CancelledOrder,
    Candle,
    ExchangeOrder,
    ExchangePosition,
    Fill,
    FundingPayment,
    MarginMode,
    OpenInterest,
    PositionMode,
    ServerTime,
    StopKind,
    check_client_order_id,
    timeframe_ms,
)
from bot.exchange.orders import LookupPolicy, OrderRequest
from bot.exchange.retry import Retrier
from bot.symbols import to_exchange_id

log = logging.getLogger(__name__)

T = TypeVar("T")

_SETTLE_ASSET = "USDT"
_MAX_LEVERAGE = 125


class BinanceGateway:
    """The bot's door to Binance USDⓈ-M: every method returns project types or raises
    project errors (``bot.errors``); no ccxt dict or exception gets out.

    Args:
        exchange: a ccxt ``binanceusdm`` from ``build_ccxt`` (keys only in live mode).
        catalog: the markets of that same instance.
        retrier: the bounded retrier for requests that are safe to repeat.
        clock: the local UTC clock (receive times, ``fetch_time``).
        lookup: how to resolve an order request with an unknown outcome.
        gate: the brake shared by every gateway of the bot (429 / 418); its own if none.
    """

    def __init__(
        self,
        exchange: Any,
        catalog: MarketCatalog,
        retrier: Retrier,
        clock: Clock,
        *,
        lookup: LookupPolicy | None = None,
        gate: RequestGate | None = None,
    ) -> None:
        """Wire the collaborators; nothing is sent until a method is called."""
        self._gate = gate if gate is not None else RequestGate(clock)
        self._exchange = exchange
        self._catalog = catalog
        self._retrier = retrier
        self._clock = clock
        self._lookup = lookup if lookup is not None else LookupPolicy()
        # ccxt keeps per-request state (last_response_headers) on the instance: one call
        # at a time keeps each error paired with its own response headers.
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        """Names the gateway without any credential."""
        return f"BinanceGateway(keys={'yes' if self.has_keys else 'no'})"

    @property
    def catalog(self) -> MarketCatalog:
        """The markets (rounding, size checks)."""
        return self._catalog

    @property
    def gate(self) -> RequestGate:
        """The request brake this gateway obeys (shared by the bot's gateways)."""
        return self._gate

    @property
    def has_keys(self) -> bool:
        """True when the ccxt instance carries API keys (private calls possible)."""
        return bool(getattr(self._exchange, "apiKey", None))

    # -- public data -----------------------------------------------------------------------

    def fetch_time(self) -> ServerTime:
        """The exchange's clock and ours, read together."""
        server_ms = self._read("fetch time", lambda: self._exchange.fetch_time())
        moment = parsing.timestamp(server_ms)
        if moment is None:
            raise ExchangeError(f"unusable server time {server_ms!r}")
        return ServerTime(exchange_time=moment, local_time=self._clock())

    def fetch_mark_prices(self) -> dict[str, MarkPrice]:
        """Every symbol's mark price in one request, keyed by Binance id, exchange-stamped."""
        self._catalog.load()
        raw = self._read("fetch mark prices", lambda: self._exchange.fetch_mark_prices())
        prices: dict[str, MarkPrice] = {}
        for ticker in dict(raw).values():
            mark = parsing.mark_price(ticker)
            if mark is not None:
                prices[mark.symbol] = mark
        return prices

    def fetch_quote_volumes(self) -> dict[str, float]:
        """Every symbol's 24 h quote volume (USDT) in one request, keyed by Binance id."""
        self._catalog.load()
        raw = self._read("fetch tickers", lambda: self._exchange.fetch_tickers())
        volumes: dict[str, float] = {}
        for ticker in dict(raw).values():
            volume = parsing.quote_volume(ticker)
            if volume is not None:
                volumes[parsing.exchange_symbol(ticker)] = volume
        return volumes

    def fetch_mark_price(self, symbol: str) -> MarkPrice:
        """One symbol's mark price."""
        unified = self._catalog.unified(symbol)
        raw = self._read("fetch mark price", lambda: self._exchange.fetch_mark_price(unified))
        mark = parsing.mark_price(raw)
        if mark is None:
            raise ExchangeError(f"no usable mark price for {symbol}")
        return mark

    def fetch_candles(
        self, symbol: str, timeframe: str, since: datetime, until: datetime
    ) -> list[Candle]:
        """Klines (trade prices) whose open time is in ``[since, until)``, oldest first.

        Public data: no keys needed. Long ranges take several requests of up to 1000 bars
        (ccxt's page size), each retried like any read.

        Raises:
            ConfigError: an unknown timeframe.
        """
        step = _step_ms(timeframe)
        unified = self._catalog.unified(symbol)
        # ``until`` becomes Binance's endTime, which is inclusive.
        params = {"until": to_epoch_ms(until) - 1}

        def fetch_page(cursor: int) -> list[Any]:
            page = self._read("fetch candles", partial(
                self._exchange.fetch_ohlcv, unified, timeframe, cursor, KLINES_PER_REQUEST,
                params))
            return list(page or [])

        return page_candles(fetch_page, to_exchange_id(unified), to_epoch_ms(since),
                            to_epoch_ms(until), step)

    def fetch_open_interest_history(self, symbol: str, since: datetime, until: datetime,
                                    period: str = "5m") -> list[OpenInterest]:
        """Open interest every ``period`` stamped in ``[since, until)``, oldest first.

        Public data (Binance ``/futures/data/openInterestHist``, the last 30 days only), up
        to 500 entries a request, each request retried like any read.

        Raises:
            ConfigError: an unknown period.
        """
        step = _step_ms(period)
        unified = self._catalog.unified(symbol)
        end_ms = to_epoch_ms(until)

        def fetch_page(start: int, last: int) -> list[Any]:
            page = self._read("fetch open interest", partial(
                self._exchange.fetch_open_interest_history, unified, period, start,
                OPEN_INTEREST_PER_REQUEST, {"until": last}))
            return list(page or [])

        return page_open_interest(fetch_page, to_exchange_id(unified), to_epoch_ms(since),
                                  end_ms, step)

    # -- account ---------------------------------------------------------------------------

    def fetch_balance(self) -> Balance:
        """The USDT futures wallet: total, free and used (margin and open orders)."""
        self._require_keys("fetch balance")
        raw = self._read("fetch balance", lambda: self._exchange.fetch_balance())
        return parsing.balance(raw, _SETTLE_ASSET)

    def fetch_positions(self, symbols: Sequence[str] | None = None) -> list[ExchangePosition]:
        """Open positions (of ``symbols``, or all); flat symbols are left out."""
        self._require_keys("fetch positions")
        unified = [self._catalog.unified(s) for s in symbols] if symbols else None
        raw = self._read("fetch positions", lambda: self._exchange.fetch_positions(unified))
        found = (parsing.position(p) for p in raw or [])
        return [p for p in found if p is not None]

    def fetch_fills(self, symbol: str, *, since: datetime | None = None,
                    order_id: str | None = None) -> list[Fill]:
        """The account's fills of ``symbol`` (Binance ``userTrades``), oldest first: those
        of one order, or since a time (the last 7 days without either)."""
        self._require_keys("fetch trades")
        unified = self._catalog.unified(symbol)
        start = None if since is None else to_epoch_ms(since)
        params = {} if order_id is None else {"orderId": order_id}
        raw = self._read("fetch trades", lambda: self._exchange.fetch_my_trades(
            unified, start, 1000, params))
        return [parsing.fill(t) for t in raw or []]

    def fetch_funding(self, *, since: datetime | None = None) -> list[FundingPayment]:
        """The account's funding settlements (Binance ``income``, ``FUNDING_FEE``), oldest
        first, every symbol, since a time (the last 7 days without it)."""
        self._require_keys("fetch funding")
        start = None if since is None else to_epoch_ms(since)
        raw = self._read("fetch funding", lambda: self._exchange.fetch_funding_history(
            None, start, 1000))
        return [parsing.funding_payment(f) for f in raw or []]

    def fetch_position_mode(self) -> PositionMode:
        """Whether the account is in hedge (dual-side) or one-way position mode."""
        self._require_keys("fetch position mode")
        raw = self._read("fetch position mode",
                         lambda: self._exchange.fapiPrivateGetPositionSideDual())
        dual = raw.get("dualSidePosition") if isinstance(raw, dict) else None
        return PositionMode(dual_side=dual is True or str(dual).lower() == "true")

    def fetch_leverage_brackets(self) -> list[dict[str, Any]]:
        """Every symbol's notional brackets (``GET /fapi/v1/leverageBracket``, signed): one
        JSON object per symbol with its ``brackets`` of ``notionalFloor``, ``notionalCap``,
        ``initialLeverage``, ``maintMarginRatio`` and ``cum``, as Binance sends them
        (``bot.heatmap.projection.brackets_from_exchange`` reads them).

        Raises:
            AuthenticationFailed: the gateway holds no keys.
            ExchangeError: the answer is not a list of objects.
        """
        self._require_keys("fetch leverage brackets")
        raw = self._read("fetch leverage brackets",
                         lambda: self._exchange.fapiPrivateGetLeverageBracket())
        if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
            raise ExchangeError(f"unusable leverage brackets: {str(raw)[:200]}")
        return [dict(entry) for entry in raw]

    def create_listen_key(self) -> str:
        """A user-data stream key (``POST /fapi/v1/listenKey``; the active one, extended,
        if there is one)."""
        self._require_keys("create a listen key")
        raw = self._read("create listen key",
                         lambda: self._exchange.fapiPrivatePostListenKey())
        key = raw.get("listenKey") if isinstance(raw, dict) else None
        if not isinstance(key, str) or not key:
            raise ExchangeError("listen key answer without a listenKey")
        return key

    def keepalive_listen_key(self, listen_key: str) -> None:
        """Extend the key by 60 minutes; raises (-1125) when it no longer exists."""
        self._require_keys("keep a listen key alive")
        self._read("keep listen key alive", lambda: self._exchange.fapiPrivatePutListenKey(
            {"listenKey": listen_key}))

    def close_listen_key(self, listen_key: str) -> None:
        """Close the user-data stream key."""
        self._require_keys("close a listen key")
        self._call(lambda: self._exchange.fapiPrivateDeleteListenKey({"listenKey": listen_key}))

    def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the symbol's leverage (1..125); repeating it is harmless, so it is retried."""
        self._require_keys("set leverage")
        if isinstance(leverage, bool) or not isinstance(leverage, int):
            raise InvalidOrder(f"leverage must be an integer, got {leverage!r}")
        if not 1 <= leverage <= _MAX_LEVERAGE:
            raise InvalidOrder(f"leverage must be within 1..{_MAX_LEVERAGE}, got {leverage}")
        unified = self._catalog.unified(symbol)
        self._read("set leverage", lambda: self._exchange.set_leverage(leverage, unified))

    def set_margin_mode(self, symbol: str, mode: MarginMode) -> None:
        """Set isolated or cross margin; "no need to change" (-4046) counts as success."""
        self._require_keys("set margin mode")
        if mode not in ("isolated", "cross"):
            raise InvalidOrder(f"margin mode must be 'isolated' or 'cross', got {mode!r}")
        unified = self._catalog.unified(symbol)

        def set_mode() -> None:
            try:
                self._exchange.set_margin_mode(mode, unified)
            except ccxt.MarginModeAlreadySet:
                # ccxt 4.5.90 raises on -4046 by default (options.setMarginMode.
                # throwMarginModeAlreadySet is True); already being in the mode is success.
                pass

        self._read("set margin mode", set_mode)

    # -- orders ----------------------------------------------------------------------------

    def create_market_order(
        self, symbol: str, side: OrderSide, quantity: float, client_order_id: str, *,
        reduce_only: bool = False, reference_price: float | None = None,
    ) -> ExchangeOrder:
        """Send a market order once (see the class doc for unclear outcomes).

        Args:
            symbol: either form.
            side: buy or sell.
            quantity: base-asset units; truncated to the lot step.
            client_order_id: ``^[.A-Z:/a-z0-9_-]{1,36}$``, unique among open orders.
            reduce_only: only reduce a position (exempt from MIN_NOTIONAL).
            reference_price: the price for the MIN_NOTIONAL check; the current mark
                price is fetched when it is not given.
        """
        self._require_keys("create order")
        check_client_order_id(client_order_id)
        unified = self._catalog.unified(symbol)
        amount = self._catalog.round_amount(unified, quantity)
        price = reference_price
        if price is None and not reduce_only:
            price = self.fetch_mark_price(unified).price
        self._catalog.check_order_size(
            unified, amount, price, reduce_only=reduce_only, market_order=True
        )
        request = orders.market_request(
            unified, side, amount, client_order_id, reduce_only=reduce_only
        )
        return self._place(request, client_order_id)

    def create_limit_order(
        self, symbol: str, side: OrderSide, quantity: float, price: float,
        client_order_id: str, *, reduce_only: bool = False, time_in_force: str = "GTC",
    ) -> ExchangeOrder:
        """Send a limit order once; quantity and price are rounded to the symbol's filters."""
        self._require_keys("create order")
        check_client_order_id(client_order_id)
        unified = self._catalog.unified(symbol)
        amount = self._catalog.round_amount(unified, quantity)
        rounded = self._catalog.round_price(unified, price)
        self._catalog.check_order_size(unified, amount, rounded, reduce_only=reduce_only)
        request = orders.limit_request(
            unified, side, amount, rounded, client_order_id,
            reduce_only=reduce_only, time_in_force=time_in_force,
        )
        return self._place(request, client_order_id)

    def create_stop_order(
        self, symbol: str, side: OrderSide, trigger_price: float, client_order_id: str, *,
        kind: StopKind, close_position: bool, quantity: float | None = None,
    ) -> ExchangeOrder:
        """Send a protective STOP_MARKET / TAKE_PROFIT_MARKET (mark-price triggered) once.

        Args:
            symbol: either form.
            side: the side that closes the position (sell for a long).
            trigger_price: rounded to the tick.
            client_order_id: becomes Binance's ``clientAlgoId``.
            kind: ``"stop"`` or ``"take_profit"``.
            close_position: close whatever position there is (then no ``quantity``).
            quantity: a reduce-only quantity instead of ``close_position``.
        """
        self._require_keys("create order")
        check_client_order_id(client_order_id)
        unified = self._catalog.unified(symbol)
        trigger = self._catalog.round_price(unified, trigger_price)
        amount = None
        if quantity is not None:
            amount = self._catalog.round_amount(unified, quantity)
            self._catalog.check_order_size(unified, amount, trigger, reduce_only=True)
        request = orders.stop_request(
            unified, side, trigger, client_order_id,
            kind=kind, close_position=close_position, quantity=amount,
        )
        return self._place(request, client_order_id)

    def fetch_order(
        self, symbol: str, client_order_id: str, *, trigger: bool = False
    ) -> ExchangeOrder | None:
        """The order with this client order id (a trigger order's ``clientAlgoId`` when
        ``trigger``), or ``None`` when the exchange does not know it (or not yet)."""
        self._require_keys("fetch order")
        try:
            return self._read(
                "fetch order", lambda: self._fetch_order_once(symbol, client_order_id, trigger)
            )
        except OrderNotFound:
            return None

    def fetch_open_orders(self, symbol: str, *, trigger: bool = False) -> list[ExchangeOrder]:
        """Open orders of ``symbol``: regular ones, or trigger (algo) ones with ``trigger``."""
        self._require_keys("fetch open orders")
        unified = self._catalog.unified(symbol)
        params = {"trigger": True} if trigger else {}
        raw = self._read(
            "fetch open orders",
            lambda: self._exchange.fetch_open_orders(unified, None, None, params),
        )
        return [parsing.order(o, trigger=trigger) for o in raw or []]

    def cancel_order(
        self, symbol: str, client_order_id: str, *, trigger: bool = False
    ) -> CancelledOrder:
        """Cancel by client order id (retried: cancelling twice cannot do harm).

        Raises:
            OrderNotFound: the order is already gone (filled, cancelled, expired) or never
                existed. After a retried cancel this can also mean the first attempt
                succeeded; ``fetch_order`` tells the final state.
        """
        self._require_keys("cancel order")
        check_client_order_id(client_order_id)
        unified = self._catalog.unified(symbol)
        params: dict[str, Any] = {"clientOrderId": client_order_id}
        if trigger:
            params["trigger"] = True
        raw = self._read(
            "cancel order", lambda: self._exchange.cancel_order(None, unified, params)
        )
        return parsing.cancelled(
            raw, symbol=to_exchange_id(unified), client_order_id=client_order_id,
            trigger=trigger,
        )

    def close(self) -> None:
        """Close the HTTP session (the gateway must not be used afterwards)."""
        with self._lock:
            self._exchange.close()

    def resync_clock(self) -> None:
        """Measure the exchange's clock offset again (ccxt's ``timeDifference``)."""
        self._call(lambda: self._exchange.load_time_difference())

    # -- internals -------------------------------------------------------------------------

    def _call(self, operation: Callable[[], T]) -> T:
        def request() -> T:
            with self._lock, translating(self._exchange):
                return operation()

        return self._gate.run(request)

    def _read(self, description: str, operation: Callable[[], T]) -> T:
        return self._retrier.call(
            lambda: self._call(operation), description=description,
            before_retry=self._before_retry,
        )

    def _before_retry(self, error: BotError) -> None:
        if isinstance(error, ClockSkew):
            self._resync_quietly()

    def _resync_quietly(self) -> None:
        try:
            self.resync_clock()
        except BotError as e:  # the next attempt reports the real trouble
            log.warning("clock resync failed: %s", e)

    def _require_keys(self, action: str) -> None:
        # ccxt would refuse too, but only deep inside sign(); saying it here is clearer,
        # and a paper-mode gateway provably never builds a signed request.
        if not self.has_keys:
            raise AuthenticationFailed(
                f"cannot {action}: this gateway holds no API keys (paper mode never does)"
            )

    def _fetch_order_once(self, symbol: str, client_order_id: str, trigger: bool) -> ExchangeOrder:
        unified = self._catalog.unified(symbol)
        params: dict[str, Any] = {"clientOrderId": client_order_id}
        if trigger:
            params["trigger"] = True
        raw = self._call(lambda: self._exchange.fetch_order(None, unified, params))
        return parsing.order(raw, trigger=trigger)

    def _place(self, request: OrderRequest, client_order_id: str) -> ExchangeOrder:
        try:
            raw = self._call(lambda: self._exchange.create_order(
                request.unified_symbol, request.type, request.side.value, request.amount,
                request.price, request.params,
            ))
        except BotError as error:
            if isinstance(error, ClockSkew):
                self._resync_quietly()  # refused before matching: the caller may resend
            if not orders.outcome_is_unknown(error):
                raise
            return self._resolve(request, client_order_id, error)
        return parsing.order(raw, trigger=request.trigger)

    def _resolve(
        self, request: OrderRequest, client_order_id: str, cause: BotError
    ) -> ExchangeOrder:
        symbol = to_exchange_id(request.unified_symbol)
        log.warning("order %s: outcome unknown (%s); looking it up", client_order_id, cause)
        for attempt in range(1, self._lookup.attempts + 1):
            self._retrier.sleep(self._lookup.delay_seconds)
            try:
                return self._fetch_order_once(symbol, client_order_id, request.trigger)
            except OrderNotFound:
                continue  # Binance may not show a just-accepted order for a moment
            except TemporaryExchangeError as e:
                log.warning("order %s lookup %d failed: %s", client_order_id, attempt, e)
        retry_after = cause.retry_after if isinstance(cause, TemporaryExchangeError) else None
        raise UnknownOrderOutcome(
            f"order {client_order_id} on {symbol}: the request failed ({cause}) and "
            f"{self._lookup.attempts} lookups did not find it; it may still appear",
            retry_after,
        ) from cause


def _step_ms(timeframe: str) -> int:
    try:
        return timeframe_ms(timeframe)
    except ValueError as e:
        raise ConfigError(str(e)) from None
