"""The REST endpoints: ``(method, path)`` → handler, as ccxt ``binanceusdm`` calls them.

Handlers take the request's ``Params`` and return the JSON-ready answer, or raise
``ApiError``. Parsing lives here (Binance's parameter errors); the rules of trading live in
the matching engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import cast

from bot.sim.market import SimMarket
from bot.sim.rest import errors
from bot.sim.rest.accounts import MarginType, OrderSide
from bot.sim.rest.klines import SyntheticKlines
from bot.sim.rest.ledger import HistoryQuery, fill_json, income_json
from bot.sim.rest.market_data import PriceHistory, exchange_info, premium_index, ticker_24h
from bot.sim.rest.matching import MatchingEngine
from bot.sim.rest.open_interest import OpenInterestHistory
from bot.sim.rest.orders import ALGO_TYPES, REGULAR_TYPES, ZERO, AlgoRequest, OrderRequest
from bot.sim.rest.params import Params
from bot.sim.rest.payloads import (
    account_json,
    algo_cancel_json,
    algo_json,
    leverage_bracket_json,
    order_json,
    position_risk_json,
)
from bot.sim.rest.user_stream import ListenKeys

Handler = Callable[[Params], object]
_TIME_IN_FORCE = ("GTC", "IOC", "FOK", "GTX")
_SIDES = ("BUY", "SELL")


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint.

    Attributes:
        handler: computes the answer.
        signed: a SIGNED (TRADE / USER_DATA) endpoint: key, signature and timestamp checked.
        places_order: a new-order endpoint (the "fail after accept" fault applies).
        key_only: a USER_STREAM endpoint: the API key header is checked, no signature.
    """

    handler: Handler
    signed: bool = False
    places_order: bool = False
    key_only: bool = False


def build_routes(
    engine: MatchingEngine, market: SimMarket, history: PriceHistory,
    server_ms: Callable[[], int], listen_keys: ListenKeys, *,
    open_interest: OpenInterestHistory | None = None,
) -> dict[tuple[str, str], Route]:
    """Every endpoint the simulator serves, keyed by ``(HTTP method, path)``."""
    public = _Public(engine, market, history, server_ms)
    interest = open_interest if open_interest is not None else OpenInterestHistory(
        market, server_ms)
    private = _Private(engine)
    return {
        ("POST", "/fapi/v1/listenKey"): Route(
            lambda _: {"listenKey": listen_keys.create()}, key_only=True),
        ("PUT", "/fapi/v1/listenKey"): Route(
            lambda p: _done(listen_keys.keepalive, p, listen_keys), key_only=True),
        ("DELETE", "/fapi/v1/listenKey"): Route(
            lambda p: _done(listen_keys.close, p, listen_keys), key_only=True),
        ("GET", "/fapi/v1/ping"): Route(lambda _: {}),
        ("GET", "/fapi/v1/time"): Route(lambda _: {"serverTime": server_ms()}),
        ("GET", "/fapi/v1/exchangeInfo"): Route(public.exchange_info),
        ("GET", "/fapi/v1/premiumIndex"): Route(public.premium_index),
        ("GET", "/fapi/v1/ticker/24hr"): Route(public.ticker),
        ("GET", "/fapi/v1/klines"): Route(SyntheticKlines(market, server_ms)),
        ("GET", "/fapi/v1/openInterest"): Route(interest.current),
        ("GET", "/futures/data/openInterestHist"): Route(interest.history),
        ("GET", "/fapi/v3/account"): Route(private.account, signed=True),
        ("GET", "/fapi/v3/positionRisk"): Route(private.position_risk, signed=True),
        ("GET", "/fapi/v1/leverageBracket"): Route(private.leverage_bracket, signed=True),
        ("POST", "/fapi/v1/leverage"): Route(private.leverage, signed=True),
        ("POST", "/fapi/v1/marginType"): Route(private.margin_type, signed=True),
        ("POST", "/fapi/v1/order"): Route(private.new_order, signed=True, places_order=True),
        ("GET", "/fapi/v1/order"): Route(private.query_order, signed=True),
        ("DELETE", "/fapi/v1/order"): Route(private.cancel_order, signed=True),
        ("GET", "/fapi/v1/openOrders"): Route(private.open_orders, signed=True),
        ("POST", "/fapi/v1/algoOrder"): Route(private.new_algo, signed=True, places_order=True),
        ("GET", "/fapi/v1/algoOrder"): Route(private.query_algo, signed=True),
        ("DELETE", "/fapi/v1/algoOrder"): Route(private.cancel_algo, signed=True),
        ("GET", "/fapi/v1/openAlgoOrders"): Route(private.open_algos, signed=True),
        ("GET", "/fapi/v1/userTrades"): Route(private.user_trades, signed=True),
        ("GET", "/fapi/v1/income"): Route(private.income, signed=True),
        ("GET", "/fapi/v1/positionSide/dual"): Route(private.position_mode, signed=True),
        ("POST", "/fapi/v1/positionSide/dual"): Route(private.set_position_mode, signed=True),
    }


class _Public:
    """MARKET_DATA endpoints (no key, no signature)."""

    def __init__(
        self,
        engine: MatchingEngine,
        market: SimMarket,
        history: PriceHistory,
        server_ms: Callable[[], int],
    ) -> None:
        self._engine = engine
        self._market = market
        self._history = history
        self._server_ms = server_ms

    def exchange_info(self, _: Params) -> object:
        return exchange_info(self._engine.all_filters(), self._server_ms())

    def premium_index(self, p: Params) -> object:
        symbol = _symbol(self._engine, p)
        marks = self._engine.mark_updates()
        if symbol is None:
            return [premium_index(m) for m in marks]
        return next(premium_index(m) for m in marks if m.symbol == symbol)

    def ticker(self, p: Params) -> object:
        symbol = _symbol(self._engine, p)
        marks = self._engine.marks()
        now_ms = self._server_ms()
        tickers = [
            ticker_24h(self._market.spec(f.symbol), f, marks[f.symbol], self._history, now_ms)
            for f in self._engine.all_filters()
            if symbol is None or f.symbol == symbol
        ]
        return tickers if symbol is None else tickers[0]


class _Private:
    """USER_DATA and TRADE endpoints (signed)."""

    def __init__(self, engine: MatchingEngine) -> None:
        self._engine = engine

    def account(self, _: Params) -> object:
        return account_json(self._engine.account())

    def position_risk(self, p: Params) -> object:
        # Binance's v3 lists only the symbols with a position.
        symbol = _symbol(self._engine, p)
        return [
            position_risk_json(view, self._engine.filters(view.symbol))
            for view in self._engine.account().positions
            if symbol is None or view.symbol == symbol
        ]

    def leverage_bracket(self, p: Params) -> object:
        symbol = _symbol(self._engine, p)
        brackets = self._engine.brackets
        if symbol is not None:
            return leverage_bracket_json(symbol, brackets)
        return [leverage_bracket_json(f.symbol, brackets) for f in self._engine.all_filters()]

    def leverage(self, p: Params) -> object:
        symbol = _required_symbol(self._engine, p)
        leverage = p.integer("leverage")
        if leverage is None:
            raise errors.mandatory("leverage")
        cap = self._engine.set_leverage(symbol, leverage)
        return {"leverage": leverage, "maxNotionalValue": str(int(cap)), "symbol": symbol}

    def margin_type(self, p: Params) -> object:
        symbol = _required_symbol(self._engine, p)
        margin_type = cast(MarginType, p.choice("marginType", ("ISOLATED", "CROSSED")))
        self._engine.set_margin_type(symbol, margin_type)
        return {"code": 200, "msg": "success"}

    def new_order(self, p: Params) -> object:
        request = _order_request(self._engine, p)
        respond = p.choice("newOrderRespType", ("ACK", "RESULT"), "ACK")
        order = self._engine.place(request)
        if respond == "ACK":
            # ACK reports the order as accepted, before any execution.
            order = replace(order, status="NEW", executed_qty=ZERO, cum_quote=ZERO)
        return order_json(order, self._engine.filters(order.symbol), query=False)

    def query_order(self, p: Params) -> object:
        symbol, order_id, client_id = _order_ref(self._engine, p)
        order = self._engine.order(symbol, order_id, client_id)
        return order_json(order, self._engine.filters(symbol), query=True)

    def cancel_order(self, p: Params) -> object:
        symbol, order_id, client_id = _order_ref(self._engine, p)
        order = self._engine.cancel(symbol, order_id, client_id)
        return order_json(order, self._engine.filters(symbol), query=False)

    def open_orders(self, p: Params) -> object:
        orders = self._engine.open_orders(_symbol(self._engine, p))
        return [order_json(o, self._engine.filters(o.symbol), query=True) for o in orders]

    def new_algo(self, p: Params) -> object:
        algo = self._engine.place_algo(_algo_request(self._engine, p))
        return algo_json(algo, self._engine.filters(algo.symbol))

    def query_algo(self, p: Params) -> object:
        algo = self._engine.algo(_symbol(self._engine, p), *_algo_ref(p))
        return algo_json(algo, self._engine.filters(algo.symbol))

    def cancel_algo(self, p: Params) -> object:
        return algo_cancel_json(self._engine.cancel_algo(_symbol(self._engine, p), *_algo_ref(p)))

    def open_algos(self, p: Params) -> object:
        algos = self._engine.open_algos(_symbol(self._engine, p))
        return [algo_json(a, self._engine.filters(a.symbol)) for a in algos]

    def user_trades(self, p: Params) -> object:
        query = _history_query(self._engine, p, symbol_required=True)
        filters = self._engine.filters(str(query.symbol))
        return [fill_json(f, filters) for f in self._engine.ledger.fills(query)]

    def income(self, p: Params) -> object:
        query = _history_query(self._engine, p, symbol_required=False)
        return [income_json(i) for i in self._engine.ledger.income(query)]

    def position_mode(self, _: Params) -> object:
        return {"dualSidePosition": self._engine.dual_side}

    def set_position_mode(self, p: Params) -> object:
        dual = p.choice("dualSidePosition", ("true", "false", "True", "False"))
        self._engine.set_dual_side(dual.lower() == "true")
        return {"code": 200, "msg": "success"}


def _done(action: Callable[[str | None], None], p: Params, listen_keys: ListenKeys) -> object:
    # Binance's futures API needs no listenKey parameter on PUT / DELETE (the account has
    # one key); ccxt sends it anyway.
    action(p.text("listenKey") or listen_keys.active())
    return {}


def _history_query(engine: MatchingEngine, p: Params, *, symbol_required: bool) -> HistoryQuery:
    symbol = _required_symbol(engine, p) if symbol_required else _symbol(engine, p)
    return HistoryQuery(
        symbol=symbol, order_id=p.integer("orderId"), from_id=p.integer("fromId"),
        start_ms=p.integer("startTime"), end_ms=p.integer("endTime"),
        limit=p.integer("limit") or (500 if symbol_required else 100),
        income_type=p.text("incomeType"),
    )


def _symbol(engine: MatchingEngine, p: Params) -> str | None:
    symbol = p.text("symbol")
    return None if symbol is None else engine.filters(symbol).symbol


def _required_symbol(engine: MatchingEngine, p: Params) -> str:
    return engine.filters(p.required("symbol")).symbol


def _side(p: Params) -> OrderSide:
    side = p.required("side")
    if side not in _SIDES:
        raise errors.INVALID_SIDE()
    return cast(OrderSide, side)


def _time_in_force(p: Params) -> str:
    value = p.text("timeInForce") or "GTC"
    if value not in _TIME_IN_FORCE:
        raise errors.INVALID_TIME_IN_FORCE()
    return value


def _check_position_side(p: Params) -> None:
    if p.text("positionSide") not in (None, "BOTH"):
        raise errors.ApiError(-4061, "Order's position side does not match user's setting.")


def _order_request(engine: MatchingEngine, p: Params) -> OrderRequest:
    symbol = _required_symbol(engine, p)
    side = _side(p)
    order_type = p.required("type")
    if order_type in ALGO_TYPES or order_type == "TRAILING_STOP_MARKET":
        raise errors.ALGO_ONLY_TYPE()
    if order_type not in REGULAR_TYPES:
        raise errors.INVALID_ORDER_TYPE()
    _check_position_side(p)
    if p.boolean("closePosition"):
        raise errors.not_required("closePosition")
    quantity = p.decimal("quantity")
    if quantity is None:
        raise errors.mandatory("quantity")
    price = p.decimal("price")
    if order_type == "LIMIT":
        if price is None:
            raise errors.mandatory("price")
        if p.text("timeInForce") is None:
            raise errors.mandatory("timeInForce")
    elif price is not None:
        raise errors.not_required("price")
    return OrderRequest(
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=quantity,
        price=price if price is not None else ZERO,
        time_in_force=_time_in_force(p),
        reduce_only=p.boolean("reduceOnly"),
        client_order_id=p.text("newClientOrderId"),
    )


def _algo_request(engine: MatchingEngine, p: Params) -> AlgoRequest:
    p.choice("algoType", ("CONDITIONAL",))
    symbol = _required_symbol(engine, p)
    side = _side(p)
    order_type = p.required("type")
    if order_type not in ALGO_TYPES:
        raise errors.INVALID_ORDER_TYPE()
    _check_position_side(p)
    trigger = p.decimal("triggerPrice")
    if trigger is None:
        raise errors.mandatory("triggerPrice")
    return AlgoRequest(
        symbol=symbol,
        side=side,
        order_type=order_type,
        trigger_price=trigger,
        quantity=p.decimal("quantity"),
        price=p.decimal("price"),
        time_in_force=_time_in_force(p),
        working_type=p.choice("workingType", ("MARK_PRICE", "CONTRACT_PRICE"), "CONTRACT_PRICE"),
        close_position=p.boolean("closePosition"),
        reduce_only=p.boolean("reduceOnly"),
        price_protect=p.boolean("priceProtect"),
        client_algo_id=p.text("clientAlgoId"),
    )


def _order_ref(engine: MatchingEngine, p: Params) -> tuple[str, int | None, str | None]:
    symbol = _required_symbol(engine, p)
    order_id = p.integer("orderId")
    client_id = p.text("origClientOrderId")
    if order_id is None and client_id is None:
        raise errors.ORDER_ID_REQUIRED()
    return symbol, order_id, client_id


def _algo_ref(p: Params) -> tuple[int | None, str | None]:
    algo_id = p.integer("algoId")
    client_id = p.text("clientAlgoId")
    if algo_id is None and client_id is None:
        raise errors.ALGO_ID_REQUIRED()
    return algo_id, client_id
