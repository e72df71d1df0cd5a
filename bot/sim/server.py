"""The simulated Binance USDⓈ-M market-stream WebSocket server (socket I/O only).

A ``websockets`` asyncio server on its own thread and event loop. It routes the paths
Binance uses (``/market/ws/...``, ``/market/stream?streams=...``, the retired ones without
``/market``), answers control messages, fans events out to subscribers and applies the
injected ``Faults``. What to send comes from outside: ``SimExchange`` drives it from a
``SimMarket`` or a replay, tests call the ``publish_*`` methods directly.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import random
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from decimal import Decimal
from http import HTTPStatus
from typing import Any, TypeVar

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response
from websockets.protocol import State

from bot.clock import Clock
from bot.domain import to_epoch_ms
from bot.sim.connection import ConnectionWorker
from bot.sim.events import ForceOrder, MarkPriceUpdate, OrderSideName, dumps, force_order_json
from bot.sim.faults import Faults
from bot.sim.session import ConnectionInfo, ServerStats, Session, Totals
from bot.sim.startable import Startable, stop_loop_thread
from bot.sim.streams import (
    FORCE_ORDER_ALL,
    force_order_stream,
    mark_price_all_stream,
    mark_price_stream,
    route_for,
)
from bot.symbols import to_exchange_id

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
_CALL_TIMEOUT_S = 5.0
_WATCH_INTERVAL_S = 0.05


class SimWsServer(Startable):
    """Binance-compatible market-stream server on 127.0.0.1, run in a background thread.

    Args:
        clock: the current UTC time, for event times ``E`` the caller does not give.
        rng: chooses which frames are spoiled when ``faults.malformed_rate`` > 0.
        faults: the fault settings, read before every frame (``None``: no faults).
        host: the interface to listen on.
        port: the TCP port; 0 picks a free one (see ``port`` after ``start()``).
        max_incoming_per_second: Binance's limit on client messages (more = disconnect).
        close_timeout: seconds to wait for a client's close reply before dropping it.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        rng: random.Random,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        max_incoming_per_second: int | None = 10,
        close_timeout: float = 0.5,
    ) -> None:
        """Configure the server; nothing listens until ``start()``."""
        self.faults = faults if faults is not None else Faults()
        self._clock = clock
        self._rng = rng
        self._host = host
        self._requested_port = port
        self._max_incoming = max_incoming_per_second
        self._close_timeout = close_timeout
        self._port = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._listening = False
        self._stop_requested: asyncio.Event | None = None
        self._ws: Server | None = None
        self._sessions: dict[ServerConnection, Session] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._next_id = 1
        self._totals = Totals()

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The listening port (valid once started)."""
        return self._port

    @property
    def base_url(self) -> str:
        """``ws://127.0.0.1:PORT``: the root, where the retired data-less paths live."""
        return f"ws://{self._host}:{self._port}"

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:PORT/market``: the value to use as a client's ``ws_base_url``."""
        return f"{self.base_url}/market"

    @property
    def running(self) -> bool:
        """Whether the server thread is up and listening."""
        return self._listening

    def start(self) -> None:
        """Start listening; returns once the port is bound. Raises if that fails."""
        if self._thread is not None:
            raise RuntimeError("SimWsServer can be started once")
        self._thread = threading.Thread(target=self._run, name="sim-ws-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(_CALL_TIMEOUT_S):
            raise RuntimeError("simulated WebSocket server did not start in time")
        if self._startup_error is not None:
            raise RuntimeError("simulated WebSocket server failed to start") from (
                self._startup_error
            )
        logger.info("simulated market streams listening on %s", self.ws_url)

    def stop(self, timeout: float = 2.0) -> None:
        """Close every connection and the listener, and join the thread within ``timeout``."""
        stop_loop_thread(self._thread, self._loop, self._stop_requested, timeout,
                         "simulated WebSocket server")

    def run_background(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run ``coroutine`` as a task on the server's loop; it is cancelled by ``stop()``."""

        def spawn() -> None:
            task = asyncio.get_running_loop().create_task(coroutine)
            self._background.add(task)
            task.add_done_callback(self._background_done)

        self._call(spawn)

    # -- publishing (thread-safe; each returns the number of frames queued) ---------------

    def publish_order(self, order: ForceOrder, event_time_ms: int | None = None) -> int:
        """Send a forceOrder event to ``<symbol>@forceOrder`` and ``!forceOrder@arr``."""
        text = force_order_json(order, event_time_ms)
        streams = (force_order_stream(order.symbol), FORCE_ORDER_ALL)
        return self._call(lambda: self._fanout(streams, text))

    def publish_force_order(
        self,
        symbol: str,
        side: OrderSideName,
        price: float | str | Decimal,
        quantity: float | str | Decimal,
        trade_time_ms: int | None = None,
    ) -> int:
        """Send one filled liquidation (``p`` = ``ap`` = price, ``q`` = ``z`` = quantity).

        Bypasses the market's 1 s throttle: what a test publishes is what clients get.
        """
        now_ms = to_epoch_ms(self._clock())
        trade_ms = now_ms if trade_time_ms is None else trade_time_ms
        order = ForceOrder.filled(to_exchange_id(symbol), side, price, quantity, trade_ms)
        return self.publish_order(order, event_time_ms=max(now_ms, trade_ms))

    def publish_mark_price(
        self, symbol: str, price: float | str | Decimal, event_time_ms: int | None = None
    ) -> int:
        """Send one mark price to every mark-price stream of ``symbol`` (1 s and 3 s, arrays)."""
        event_ms = to_epoch_ms(self._clock()) if event_time_ms is None else event_time_ms
        update = MarkPriceUpdate.at(to_exchange_id(symbol), price, event_ms)
        return self.publish_mark_prices([update], 1) + self.publish_mark_prices([update], 3)

    def publish_mark_prices(self, updates: Sequence[MarkPriceUpdate], interval_seconds: int) -> int:
        """Send one round of mark prices to the streams of that interval (1 or 3 seconds)."""
        per_symbol = [
            ((mark_price_stream(u.symbol, interval_seconds),), dumps(u.to_event())) for u in updates
        ]
        array_text = dumps([u.to_event() for u in updates])
        array_streams = (mark_price_all_stream(interval_seconds),)

        def fanout_all() -> int:
            sent = sum(self._fanout(streams, text) for streams, text in per_symbol)
            return sent + (self._fanout(array_streams, array_text) if updates else 0)

        return self._call(fanout_all)

    def publish_event(self, stream: str, payload: object) -> int:
        """Send any JSON payload to the subscribers of ``stream`` (exact name)."""
        text = dumps(payload)
        return self._call(lambda: self._fanout((stream,), text))

    def publish_raw(self, text: str) -> int:
        """Send ``text`` verbatim to every connection on a ``/market`` path, subscribed or not."""

        def send_all() -> int:
            sessions = [s for s in self._live_sessions() if s.market]
            for session in sessions:
                session.enqueue(text, data=False)
            return len(sessions)

        return self._call(send_all)

    # -- observability --------------------------------------------------------------------

    def stats(self) -> ServerStats:
        """Counters since start."""

        return self._call(lambda: self._totals.snapshot(len(self._live_sessions())))

    def connections(self) -> list[ConnectionInfo]:
        """A snapshot of every open connection, oldest first."""
        return self._call(lambda: [s.info() for s in self._live_sessions()])

    def wait_for_subscribers(self, stream: str, count: int = 1, timeout: float = 5.0) -> bool:
        """Block until ``count`` connections on ``/market`` paths subscribe to ``stream``."""
        return self._poll(
            lambda: sum(s.wants(stream) for s in self._live_sessions()) >= count, timeout
        )

    def wait_for_connections(self, count: int, timeout: float = 5.0) -> bool:
        """Block until exactly ``count`` connections are open (closes finish asynchronously)."""
        return self._poll(lambda: len(self._live_sessions()) == count, timeout)

    def _poll(self, condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self._call(condition):
            if time.monotonic() >= deadline:
                return False
            time.sleep(_WATCH_INTERVAL_S)
        return True

    # -- internals: loop thread only ------------------------------------------------------

    def _call(self, fn: Callable[[], _T]) -> _T:
        # Every piece of shared state is touched on the loop thread only; callers from other
        # threads hand the work over and wait for it, so publish-then-assert is race-free.
        loop = self._loop
        if loop is None or not self.running or loop.is_closed():
            raise RuntimeError("the simulated WebSocket server is not running")
        if self._thread is threading.current_thread():
            return fn()
        future: concurrent.futures.Future[_T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn())
            except Exception as exc:
                future.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return future.result(timeout=_CALL_TIMEOUT_S)

    def _fanout(self, streams: Iterable[str], event_text: str) -> int:
        queued = 0
        for session in self._live_sessions():
            for stream in streams:
                if session.wants(stream):
                    session.enqueue_data(stream, event_text)
                    queued += 1
        return queued

    def _live_sessions(self) -> list[Session]:
        # A session registered during a handshake that then failed never gets a handler to
        # remove it; drop such leftovers here.
        for connection, session in list(self._sessions.items()):
            if connection.state is State.CLOSED and not session.handler_started:
                del self._sessions[connection]
        return list(self._sessions.values())

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("simulator task failed", exc_info=task.exception())

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:
            logger.exception("simulated WebSocket server crashed")
            self._startup_error = exc
        finally:
            self._listening = False
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        try:
            self._ws = await serve(
                self._handle,
                self._host,
                self._requested_port,
                process_request=self._process_request,
                process_response=self._process_response,
                ping_interval=180,  # Binance pings every 3 min, drops after 10 min unanswered
                ping_timeout=600,
                close_timeout=self._close_timeout,
            )
        except OSError as exc:
            self._startup_error = exc
            self._ready.set()
            return
        self._port = self._ws.sockets[0].getsockname()[1]
        self._listening = True
        self._ready.set()
        await self._stop_requested.wait()
        self._listening = False
        await self._shutdown(self._ws)

    async def _shutdown(self, ws: Server) -> None:
        for task in list(self._background):
            task.cancel()
        ws.close(close_connections=True)
        try:
            await asyncio.wait_for(ws.wait_closed(), timeout=self._close_timeout + 0.5)
        except TimeoutError:
            for connection in list(self._sessions):
                connection.transport.abort()
        logger.info("simulated market streams stopped")

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if route_for(request.path) is None:
            self._totals.rejected_requests += 1
            return connection.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
        return None

    def _process_response(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> None:
        # Register before the 101 goes out, so an event published the moment the client's
        # handshake returns already reaches it.
        route = route_for(request.path)
        if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS or route is None:
            return
        session = Session(self._next_id, request.path, route, self._clock())
        self._next_id += 1
        self._sessions[connection] = session
        self._totals.total_connections += 1

    async def _handle(self, connection: ServerConnection) -> None:
        session = self._sessions.get(connection)
        if session is None:  # the server is closing; nothing to serve
            return
        worker = ConnectionWorker(
            connection,
            session,
            faults=lambda: self.faults,
            rng=self._rng,
            totals=self._totals,
            max_incoming_per_second=self._max_incoming,
        )
        try:
            await worker.run()
        finally:
            self._sessions.pop(connection, None)
