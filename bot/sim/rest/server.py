"""``SimRestServer``: the simulated Binance USDⓈ-M REST API over HTTP on 127.0.0.1.

A standard-library ``ThreadingHTTPServer`` on a background thread (one thread per
request, HTTP/1.0: every answer closes its connection, so a stopped server leaves no idle
keep-alive sockets behind). Each request goes: injected latency → route → injected
429 / 418 / 5xx → for SIGNED endpoints, key, signature and timestamp → handler → the
"fail after accept" fault for new orders → JSON answer.
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import string
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from bot.clock import Clock
from bot.domain import to_epoch_ms
from bot.sim.events import ForceOrder, dumps
from bot.sim.market import SimMarket
from bot.sim.rest import errors
from bot.sim.rest.accounts import AccountConfig, Liquidated
from bot.sim.rest.auth import Authenticator, Credentials, SignedRequestCounts
from bot.sim.rest.faults import AfterAccept, InjectedFaults, RestFaults
from bot.sim.rest.market_data import PriceHistory
from bot.sim.rest.matching import MatchingEngine
from bot.sim.rest.open_interest import OpenInterestHistory
from bot.sim.rest.params import Params, round_to
from bot.sim.rest.routes import Route, build_routes
from bot.sim.rest.user_stream import ListenKeys, UserEvents
from bot.sim.startable import Startable

logger = logging.getLogger(__name__)

_CLIENT_ID_ALPHABET = string.ascii_letters + string.digits
_POLL_S = 0.1
_RATE_LIMIT_MSG = (
    "Too many requests; current limit of IP(127.0.0.1) is 2400 requests per minute. "
    "Please use the websocket for live updates to avoid polling the API."
)
_BAN_MSG = (
    "Way too many requests; IP(127.0.0.1) banned until {until}. "
    "Please use the websocket for live updates to avoid bans."
)
_NEW_ORDER_PATH = "/fapi/v1/order"
# Binance's wording of the refusals ``RestFaults.refuse_order_next`` sends.
_REFUSALS = {
    -1013: "Filter failure: LOT_SIZE",
    -1106: "Parameter 'reduceOnly' sent when not required.",
    -1111: "Precision is over the maximum defined for this asset.",
    -4005: "Quantity greater than max quantity.",
}


@dataclass(frozen=True, slots=True)
class RestStats:
    """What the REST server has seen: requests in all, per endpoint, signed, faults."""

    requests: int
    by_endpoint: dict[str, int]
    signed: SignedRequestCounts
    injected: InjectedFaults


class SimRestServer(Startable):
    """Binance-compatible REST server for one simulated account, run in a background thread.

    Args:
        market: the shared market; its marks drive fills, triggers and liquidations.
        clock: the current UTC time (``faults.timestamp_skew_ms`` is added to it).
        rng: makes client ids for orders sent without one.
        credentials: the only API key / secret accepted.
        account: the account's settings (``None``: the defaults, 10,000 USDT).
        faults: fault settings, read on every request (``None``: none, switchable later).
        host: the interface to listen on.
        port: the TCP port; 0 picks a free one.
        on_liquidation: called (outside every lock) with each forceOrder of the account.
        on_user_event: called with ``(listen key, payload)`` for each user-data event
            (order, algo and account updates; ``listenKeyExpired``) while a key is active.
    """

    def __init__(
        self,
        *,
        market: SimMarket,
        clock: Clock,
        rng: random.Random,
        credentials: Credentials,
        account: AccountConfig | None = None,
        faults: RestFaults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        on_liquidation: Callable[[ForceOrder], None] | None = None,
        on_user_event: Callable[[str, dict[str, object]], None] | None = None,
    ) -> None:
        """Build the account and routes; nothing listens until ``start()``."""
        self.faults = faults if faults is not None else RestFaults()
        self._clock = clock
        self._rng = rng
        self._host = host
        self._requested_port = port
        self._on_liquidation = on_liquidation
        self._auth = Authenticator(credentials)
        self._history = PriceHistory()
        self.engine = MatchingEngine(
            market,
            account if account is not None else AccountConfig(),
            clock=self._server_now,
            new_client_id=self._new_client_id,
        )
        self.listen_keys = ListenKeys(self.server_ms)
        self._open_interest = OpenInterestHistory(market, self.server_ms)
        self._routes = build_routes(self.engine, market, self._history, self.server_ms,
                                    self.listen_keys, open_interest=self._open_interest)
        self._user_events = UserEvents(self.engine.all_orders, self.engine.all_algos,
                                       self.engine.ledger, self.engine.account_state)
        self._on_user_event = on_user_event
        self._lock = threading.Lock()
        self._requests = 0
        self._minute = self._minute_requests = 0
        self._by_endpoint: dict[str, int] = {}
        self._stopping = threading.Event()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    # -- identity ---------------------------------------------------------------------------

    @property
    def credentials(self) -> Credentials:
        """The accepted API key and secret."""
        return self._auth.credentials

    @property
    def port(self) -> int:
        """The listening port (valid once started)."""
        return 0 if self._httpd is None else int(self._httpd.server_address[1])

    @property
    def rest_url(self) -> str:
        """``http://127.0.0.1:PORT``: the scheme and host to put in ccxt's API URLs."""
        return f"http://{self._host}:{self.port}"

    @property
    def signed_requests(self) -> SignedRequestCounts:
        """Signed requests received, accepted and rejected so far."""
        return self._auth.counts()

    def stats(self) -> RestStats:
        """A snapshot of the request counters."""
        with self._lock:
            requests, by_endpoint = self._requests, dict(self._by_endpoint)
        return RestStats(requests, by_endpoint, self._auth.counts(), self.faults.injected())

    def server_ms(self) -> int:
        """The server's clock in epoch milliseconds (the injected skew included)."""
        return to_epoch_ms(self._server_now())

    # -- the market moves -------------------------------------------------------------------

    def on_mark_prices(self) -> list[ForceOrder]:
        """Evaluate triggers, resting limit orders and liquidations at the shared market's
        current marks; returns the account's liquidations as forceOrders (also handed to
        ``on_liquidation``). Thread-safe; the simulated exchange calls it every tick, a
        test may call it right after moving a price."""
        now_ms = self.server_ms()
        for update in self.engine.mark_updates():
            self._history.record(update.symbol, update.mark_price, now_ms)
        self._open_interest.record(now_ms)
        orders = [self._force_order(e, now_ms) for e in self.engine.on_mark_prices()]
        if self._on_liquidation is not None:
            for order in orders:
                self._on_liquidation(order)
        self.publish_user_events()
        return orders

    def publish_user_events(self) -> None:
        """Hand what changed in the account to ``on_user_event`` (after every request and
        every mark tick); a key that ran out gets its ``listenKeyExpired``."""
        now_ms = self.server_ms()
        events = self._user_events.collect(now_ms)
        if self._on_user_event is None:
            return
        expired = self.listen_keys.take_expired()
        if expired is not None:
            self._on_user_event(expired, {"e": "listenKeyExpired", "E": now_ms,
                                          "listenKey": expired})
        key = self.listen_keys.active()
        if key is None:
            return
        for event in events:
            self._on_user_event(key, event)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Listen and serve on a background thread."""
        if self._httpd is not None:
            raise RuntimeError("the REST server is already running")
        self._stopping.clear()
        httpd = _HttpServer((self._host, self._requested_port), _Handler)
        httpd.app = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(_POLL_S,), name="sim-rest", daemon=True
        )
        self._thread.start()
        logger.info("simulated REST API on %s", self.rest_url)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving and close the socket within ``timeout`` (requests in flight are
        abandoned: their threads are daemons)."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout)
        self._httpd = self._thread = None

    # -- one request (handler threads) ------------------------------------------------------

    def serve(self, handler: _Handler, method: str) -> None:
        """Answer one HTTP request (called by the handler thread)."""
        target = urlsplit(handler.path)
        body = _read_body(handler)
        self._count(method, target.path)
        if self.faults.latency_seconds > 0:
            self.faults.record_delay()
            if self._stopping.wait(self.faults.latency_seconds):
                return
        route = self._routes.get((method, target.path))
        if route is None:
            _send_text(handler, HTTPStatus.NOT_FOUND, "Not Found")
            return
        if route.signed:
            self._auth.received()
        if self._inject_refusal(handler):
            return
        if target.path == _NEW_ORDER_PATH and method == "POST" and self._refuse_order(handler):
            return
        self._answer(handler, route, target.query, body)
        if route.signed or route.key_only:
            self.publish_user_events()

    def _answer(self, handler: _Handler, route: Route, query: str, body: str) -> None:
        params = _params(query, body)
        try:
            if route.signed:
                key = handler.headers.get("X-MBX-APIKEY")
                self._auth.verify(key, query, body, params, self.server_ms())
            elif route.key_only:
                self._auth.verify_key(handler.headers.get("X-MBX-APIKEY"))
            payload = route.handler(params)
        except errors.ApiError as exc:
            self._send_json(handler, exc.status, exc.body())
            return
        except Exception:
            logger.exception("simulated REST handler failed")
            failure = errors.INTERNAL()
            self._send_json(handler, failure.status, failure.body())
            return
        if route.places_order:
            kind = self.faults.take_fail_after_accept()
            if kind is not None:
                _fail_after_accept(handler, kind)
                return
        self._send_json(handler, HTTPStatus.OK, payload)

    def _inject_refusal(self, handler: _Handler) -> bool:
        faults = self.faults
        if faults.take("ban_next"):
            until = self.server_ms() + faults.ban_seconds * 1000
            body = {"code": -1003, "msg": _BAN_MSG.format(until=until)}
            headers = {"Retry-After": str(faults.ban_seconds)}
            self._send_json(handler, HTTPStatus.IM_A_TEAPOT, body, headers)
            return True
        if faults.take("rate_limit_next"):
            body = {"code": -1003, "msg": _RATE_LIMIT_MSG}
            headers = {"Retry-After": str(faults.retry_after_seconds)}
            self._send_json(handler, HTTPStatus.TOO_MANY_REQUESTS, body, headers)
            return True
        if faults.take("server_error_next"):
            status = HTTPStatus(faults.server_error_status)
            _send_text(handler, status, status.phrase)
            return True
        return False

    def _refuse_order(self, handler: _Handler) -> bool:
        if not self.faults.take("refuse_order_next"):
            return False
        code = self.faults.refusal_code
        message = _REFUSALS.get(code, "Order refused by the simulator's fault injection.")
        self._send_json(handler, HTTPStatus.BAD_REQUEST, {"code": code, "msg": message})
        return True

    def _send_json(
        self,
        handler: _Handler,
        status: int,
        payload: object,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        data = dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json;charset=UTF-8")
        handler.send_header("Content-Length", str(len(data)))
        # Every request weighs 1 here (Binance weighs endpoints 1..40): enough for a client
        # that watches the header, not a model of Binance's weights.
        with self._lock:
            weight = self._minute_requests
        handler.send_header("X-MBX-USED-WEIGHT-1M", str(weight))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _count(self, method: str, path: str) -> None:
        key = f"{method} {path}"
        minute = self.server_ms() // 60_000
        with self._lock:
            if minute != self._minute:
                self._minute, self._minute_requests = minute, 0
            self._minute_requests += 1
            self._requests += 1
            self._by_endpoint[key] = self._by_endpoint.get(key, 0) + 1

    def _server_now(self) -> datetime:
        return self._clock() + timedelta(milliseconds=self.faults.timestamp_skew_ms)

    def _new_client_id(self) -> str:
        return "".join(self._rng.choices(_CLIENT_ID_ALPHABET, k=22))

    def _force_order(self, event: Liquidated, now_ms: int) -> ForceOrder:
        filters = self.engine.filters(event.symbol)
        tick = filters.tick_size
        selling = event.side == "SELL"
        price = round_to(event.bankruptcy_price, tick, up=selling)
        # The liquidation order is a LIMIT IOC at the bankruptcy price: a SELL fills at or
        # above it, a BUY at or below it (as the simulated crowd's liquidations do).
        fill = max(event.mark_price, price) if selling else min(event.mark_price, price)
        return ForceOrder.filled(
            event.symbol,
            event.side,
            price.quantize(tick),
            event.quantity.quantize(filters.step_size),
            now_ms,
            average_price=round_to(fill, tick, up=selling).quantize(tick),
        )


class _HttpServer(ThreadingHTTPServer):
    """The listening socket; ``app`` is the ``SimRestServer`` that answers."""

    daemon_threads = True
    block_on_close = False  # stop() must not wait for a request held by injected latency
    app: SimRestServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Log a failed request through ``logging`` (the standard library prints it)."""
        logger.exception("simulated REST request from %s failed", client_address)


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to the ``SimRestServer``."""

    server: _HttpServer
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        """GET."""
        self.server.app.serve(self, "GET")

    def do_POST(self) -> None:
        """POST."""
        self.server.app.serve(self, "POST")

    def do_DELETE(self) -> None:
        """DELETE."""
        self.server.app.serve(self, "DELETE")

    def do_PUT(self) -> None:
        """PUT (no endpoint uses it: answered 404)."""
        self.server.app.serve(self, "PUT")

    def log_message(self, format: str, *args: object) -> None:
        """Route the standard library's access log to ``logging`` at DEBUG."""
        logger.debug("%s " + format, self.address_string(), *args)


def _read_body(handler: _Handler) -> str:
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        return ""
    return handler.rfile.read(length).decode(errors="replace") if length > 0 else ""


def _params(query: str, body: str) -> Params:
    values: dict[str, str] = {}
    for raw in (query, body):
        for name, value in parse_qsl(raw, keep_blank_values=True):
            if name != "signature":
                values[name] = value
    return Params(values)


def _send_text(handler: _Handler, status: int, text: str) -> None:
    # Binance's gateway answers 5xx with an HTML page, not a JSON error object.
    data = f"<html><body><h1>{status} {text}</h1></body></html>".encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _fail_after_accept(handler: _Handler, kind: AfterAccept) -> None:
    if kind is AfterAccept.DROP:
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)
        return
    status = HTTPStatus.SERVICE_UNAVAILABLE
    if kind is AfterAccept.HTTP_504:
        status = HTTPStatus.GATEWAY_TIMEOUT
    _send_text(handler, status, status.phrase)
