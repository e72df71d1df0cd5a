"""``VenueWsServer``: one simulated venue's public liquidation stream on 127.0.0.1.

A ``websockets`` asyncio server on its own thread speaking a ``Dialect`` (Bybit, OKX): it
answers subscriptions and pings, pushes the liquidations it is given to the connections that
asked for them, serves the dialect's REST endpoints over plain HTTP on the same port, closes a
socket whose client has not pinged for ``idle_limit`` seconds (as the real venues do), and
applies the same ``Faults`` switches as the Binance half (closes, malformed frames, stalls,
delays). It counts what it delivered intact per symbol and liquidated side, so tests can
compare a client's totals with what was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from bot.clock import Clock
from bot.domain import to_epoch_ms
from bot.sim.events import ForceOrder, dumps
from bot.sim.faults import Faults
from bot.sim.startable import Startable, stop_loop_thread
from bot.sim.venues.dialect import Dialect, Subscriptions, liquidated_side

logger = logging.getLogger(__name__)

_START_TIMEOUT_S = 5.0
_WATCH_PERIOD_S = 0.05


@dataclass(frozen=True, slots=True)
class Delivered:
    """Liquidations delivered intact for one (symbol, liquidated side).

    ``distinct`` and ``distinct_notional`` count an exact repeat (same time, price and
    quantity: two positions liquidated alike in one step) once, as a client's store does.
    """

    count: int
    notional: float
    distinct: int
    distinct_notional: float


@dataclass(slots=True)
class VenueStats:
    """Counters of a ``VenueWsServer`` (read a copy with ``VenueWsServer.stats``)."""

    connections: int = 0
    open_connections: int = 0
    pings: int = 0
    idle_closes: int = 0
    fault_closes: int = 0
    malformed_sent: int = 0
    data_frames_sent: int = 0


@dataclass(slots=True, eq=False)  # identity-hashed: connections live in a set
class _Connection:
    socket: ServerConnection
    opened: float
    last_ping: float
    queue: asyncio.Queue[tuple[str, tuple[ForceOrder, ...]]]
    subscriptions: Subscriptions = field(default_factory=Subscriptions)
    sent: int = 0


class VenueWsServer(Startable):
    """A simulated venue (``dialect``) on 127.0.0.1, run in a background thread.

    Args:
        dialect: what the venue says (``BybitDialect``, ``OkxDialect``).
        clock: the current UTC time, for push timestamps.
        rng: chooses which frames are spoiled when ``faults.malformed_rate`` > 0.
        faults: fault switches, read before every frame (``None``: none).
        idle_limit: seconds without a client ping before the server closes the socket.
        host: the interface to listen on.
        port: the TCP port; 0 picks a free one.
    """

    def __init__(self, dialect: Dialect, *, clock: Clock, rng: random.Random,
                 faults: Faults | None = None, idle_limit: float, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        """Configure the server; nothing listens until ``start()``."""
        if not idle_limit > 0:
            raise ValueError(f"idle_limit must be positive, got {idle_limit!r}")
        self.dialect, self.idle_limit = dialect, idle_limit
        self.faults = faults if faults is not None else Faults()
        self._clock, self._rng = clock, rng
        self._host, self._requested_port, self._port = host, port, 0
        # The server's thread and event loop, set once it runs.
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._connections: set[_Connection] = set()
        self._lock = threading.Lock()
        self._stats = VenueStats()
        self._delivered: dict[tuple[str, str], Delivered] = {}
        self._seen: set[tuple[str, str, int, object, object]] = set()

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the REST base (OKX's ``okx_rest_url``)."""
        return f"http://{self._host}:{self._port}"

    @property
    def ws_url(self) -> str:
        """The WebSocket URL a client connects to (valid once started)."""
        return f"ws://{self._host}:{self._port}{self.dialect.ws_path}"

    def start(self) -> None:
        """Start listening; returns once the port is bound. Raises if that fails."""
        if self._thread is not None:
            raise RuntimeError("VenueWsServer can be started once")
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()),
                                        name=f"sim-{self.dialect.name}", daemon=True)
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT_S) or self._startup_error is not None:
            raise RuntimeError(f"simulated {self.dialect.name} server did not start") from (
                self._startup_error)
        logger.info("simulated %s liquidations on %s", self.dialect.name, self.ws_url)

    def stop(self, timeout: float = 2.0) -> None:
        """Close every connection and the listener; join the thread within ``timeout``."""
        stop_loop_thread(self._thread, self._loop, self._stop_requested, timeout,
                         f"simulated {self.dialect.name} server")

    # -- publishing and counters (thread-safe) ---------------------------------------------

    def publish(self, orders: Sequence[ForceOrder]) -> None:
        """Push ``orders`` (one batch) to every connection subscribed to their symbols."""
        loop = self._loop
        if loop is None or not orders:
            return
        batch = tuple(orders)
        with contextlib.suppress(RuntimeError):  # stopping: nothing to push to
            loop.call_soon_threadsafe(self._fanout, batch, to_epoch_ms(self._clock()))

    def stats(self) -> VenueStats:
        """A copy of the counters."""
        with self._lock:
            s = self._stats
            return VenueStats(s.connections, s.open_connections, s.pings, s.idle_closes,
                              s.fault_closes, s.malformed_sent, s.data_frames_sent)

    def delivered(self) -> dict[tuple[str, str], Delivered]:
        """Intact liquidations delivered so far, by (symbol, liquidated side)."""
        with self._lock:
            return dict(self._delivered)

    # -- the loop ---------------------------------------------------------------------------

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        try:
            server = await serve(self._handle, self._host, self._requested_port,
                                 process_request=self._process_request, ping_interval=None,
                                 close_timeout=0.5)
        except OSError as exc:
            self._startup_error = exc
            self._ready.set()
            return
        self._port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop_requested.wait()
        await self._shutdown(server)

    async def _shutdown(self, server: Server) -> None:
        server.close(close_connections=True)
        try:
            await asyncio.wait_for(server.wait_closed(), timeout=1.0)
        except TimeoutError:
            for connection in list(self._connections):
                connection.socket.transport.abort()

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?")[0] == self.dialect.ws_path:
            return None
        body = self.dialect.http(request.path)
        if body is None:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
        headers = Headers([("Content-Type", "application/json"),
                           ("Content-Length", str(len(body))), ("Connection", "close")])
        return Response(HTTPStatus.OK, "OK", headers, body)

    async def _handle(self, socket: ServerConnection) -> None:
        now = asyncio.get_running_loop().time()
        connection = _Connection(socket, now, now, asyncio.Queue())
        self._connections.add(connection)
        with self._lock:
            self._stats.connections += 1
            self._stats.open_connections += 1
        tasks = [asyncio.create_task(self._send_loop(connection)),
                 asyncio.create_task(self._watch(connection))]
        try:
            async for message in socket:
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                self._on_message(connection, text)
        except ConnectionClosed:
            pass
        finally:
            for task in tasks:
                task.cancel()
            self._connections.discard(connection)
            with self._lock:
                self._stats.open_connections -= 1

    def _on_message(self, connection: _Connection, text: str) -> None:
        reply = self.dialect.on_message(text, connection.subscriptions)
        if reply.ping:
            connection.last_ping = asyncio.get_running_loop().time()
            with self._lock:
                self._stats.pings += 1
        for frame in reply.frames:
            connection.queue.put_nowait((frame, ()))

    def _fanout(self, orders: tuple[ForceOrder, ...], now_ms: int) -> None:
        faults = self.faults
        for connection in list(self._connections):
            for frame in self.dialect.data_frames(orders, connection.subscriptions, now_ms):
                if faults.malformed_rate > 0 and self._rng.random() < faults.malformed_rate:
                    kind = self._rng.choice(faults.malformed_kinds)
                    connection.queue.put_nowait((self.dialect.spoil(frame.payload, kind), ()))
                    with self._lock:
                        self._stats.malformed_sent += 1
                else:
                    connection.queue.put_nowait((dumps(frame.payload), frame.orders))

    async def _send_loop(self, connection: _Connection) -> None:
        while True:
            text, orders = await connection.queue.get()
            faults = self.faults
            if faults.stalled:
                continue  # dropped, not queued: a stalled venue sends nothing
            if faults.delay_seconds > 0:
                await asyncio.sleep(faults.delay_seconds)
            try:
                await connection.socket.send(text)
            except ConnectionClosed:
                return
            connection.sent += 1
            if orders:
                self._count(orders)
            limit = faults.close_every_messages
            if limit is not None and connection.sent >= limit:
                await self._close(connection, faults, idle=False)
                return

    def _count(self, orders: tuple[ForceOrder, ...]) -> None:
        with self._lock:
            self._stats.data_frames_sent += 1
            for order in orders:
                key = (order.symbol, liquidated_side(order))
                price = order.average_price if order.average_price > 0 else order.price
                quantity = order.filled_quantity or order.quantity
                notional = float(price * quantity)
                identity = (*key, order.trade_time_ms, price, quantity)
                new = identity not in self._seen
                self._seen.add(identity)
                held = self._delivered.get(key, Delivered(0, 0.0, 0, 0.0))
                self._delivered[key] = Delivered(
                    held.count + 1, held.notional + notional, held.distinct + new,
                    held.distinct_notional + (notional if new else 0.0))

    async def _watch(self, connection: _Connection) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(_WATCH_PERIOD_S)
            now = loop.time()
            if now - connection.last_ping > self.idle_limit:
                logger.info("%s: closing a connection that did not ping for %.1f s",
                            self.dialect.name, self.idle_limit)
                await self._close(connection, self.faults, idle=True)
                return
            age_limit = self.faults.close_every_seconds
            if age_limit is not None and now - connection.opened >= age_limit:
                await self._close(connection, self.faults, idle=False)
                return

    async def _close(self, connection: _Connection, faults: Faults, *, idle: bool) -> None:
        with self._lock:
            if idle:
                self._stats.idle_closes += 1
            else:
                self._stats.fault_closes += 1
        if faults.abrupt_close and not idle:
            connection.socket.transport.abort()
        else:
            await connection.socket.close(code=1000 if idle else faults.close_code,
                                          reason="idle" if idle else "fault")
