"""The market-stream connection: websocket-client in a background thread that never gives up.

``MarketStream`` keeps one WebSocket open to a Binance-compatible URL and hands every text
frame to a callback. It reconnects after any close or error with exponential backoff and
jitter (capped, reset once a connection has delivered data), replaces a socket that stays
open but silent for ``silence_timeout`` seconds (the URL should carry a once-a-second
mark-price stream, so silence means a dead socket, not a quiet market), rotates the
connection before Binance's 24-hour limit, and stops within ``stop_timeout`` seconds whatever
it is doing, handshake included. Pings are answered by websocket-client itself.

Venues that take their subscriptions as messages (Bybit, OKX) pass ``subscribe``: frames sent
on every (re)connection; venues that drop a socket whose client stays quiet pass a
``Heartbeat``: a text frame the watchdog sends every ``interval`` seconds while connected.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import websocket

log = logging.getLogger(__name__)

Clock = Callable[[], float]
"""Monotonic seconds, injectable for tests."""


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """A text frame the client sends every ``interval`` seconds to keep a socket alive."""

    frame: str
    interval: float


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """Backoff and liveness settings of a ``MarketStream``."""

    backoff_initial: float = 0.5
    backoff_cap: float = 30.0
    silence_timeout: float = 5.0
    max_connection_age: float = 23.5 * 3600.0
    watchdog_period: float = 0.25

    def backoff(self, failures: int, rng: random.Random) -> float:
        """Seconds to wait after ``failures`` consecutive failed connections ("full jitter")."""
        ceiling = min(self.backoff_cap, self.backoff_initial * (2.0 ** max(failures - 1, 0)))
        return rng.uniform(ceiling / 2.0, ceiling)


class MarketStream:
    """A self-healing WebSocket subscription delivering raw text frames to ``on_frame``."""

    def __init__(
        self,
        url: str,
        on_frame: Callable[[str], None],
        *,
        policy: ReconnectPolicy,
        rng: random.Random,
        clock: Clock = time.monotonic,
        on_state: Callable[[bool], None] | None = None,
        subscribe: Callable[[], Sequence[str]] | None = None,
        heartbeat: Heartbeat | None = None,
        before_connect: Callable[[], None] | None = None,
        name: str = "market-stream",
    ) -> None:
        """Prepare (not start) a stream.

        Args:
            url: the full stream URL.
            on_frame: called in the stream thread with every text frame.
            policy: backoff and liveness settings.
            rng: source of jitter.
            clock: monotonic seconds.
            on_state: called with True when a connection opens and False when it ends.
            subscribe: returns the frames to send once each connection opens.
            heartbeat: the keep-alive frame and its period, or None (the server pings).
            before_connect: called in the stream thread before every connection attempt
                (fetch what parsing needs); an exception is logged and the attempt goes on.
            name: the threads' name prefix (the venue), for logs and debuggers.
        """
        self._url = url
        self._on_frame = on_frame
        self._policy = policy
        self._rng = rng
        self._clock = clock
        self._on_state = on_state or (lambda _connected: None)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._app: websocket.WebSocketApp | None = None
        self._attempt_started = 0.0
        self._opened_at: float | None = None
        self._last_frame = 0.0
        self._frames_this_connection = 0
        self._threads: list[threading.Thread] = []
        self._rotating = False
        self._subscribe = subscribe
        self._heartbeat = heartbeat
        self._before_connect = before_connect
        self._name = name
        self._last_heartbeat = 0.0
        self.reconnects = 0

    @property
    def url(self) -> str:
        """The stream URL."""
        return self._url

    def start(self) -> None:
        """Start the connection and watchdog threads; returns at once."""
        if self._threads:
            raise RuntimeError("stream already started")
        for name, target in ((self._name, self._run), (f"{self._name}-watchdog", self._watch)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def request_stop(self) -> None:
        """Begin stopping without waiting: close the socket and end the loops soon."""
        self._stop.set()
        self._abort_socket()

    def stop(self, timeout: float = 2.0) -> bool:
        """Close the socket and join the threads; True if they ended within ``timeout``."""
        self.request_stop()
        deadline = self._clock() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - self._clock()))
        return not any(thread.is_alive() for thread in self._threads)

    # -- connection loop -------------------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            delivered = self._connect_once()
            if self._stop.is_set():
                break
            # A connection that delivered data was healthy: start the backoff afresh.
            failures = 1 if delivered else failures + 1
            if self._rotating:
                # A planned rotation (24 h limit) reconnects at once: no gap to back off from.
                self._rotating, delay = False, 0.0
                log.info("rotating the stream connection before its maximum age")
            else:
                delay = self._policy.backoff(failures, self._rng)
                log.warning("stream closed; reconnecting in %.1f s (%s)", delay, self._url)
            if self._stop.wait(delay):
                break
            self.reconnects += 1

    def _connect_once(self) -> bool:
        if self._before_connect is not None:
            try:
                self._before_connect()
            except Exception:  # parsing may lack data; the connection is still worth having
                log.exception("%s: preparing the connection failed", self._name)
        app = websocket.WebSocketApp(
            self._url,
            on_open=self._handle_open,
            on_message=self._handle_message,
            on_error=self._handle_error,
        )
        with self._lock:
            if self._stop.is_set():
                return False
            self._app = app
            self._attempt_started = self._clock()
            self._opened_at = None
            self._frames_this_connection = 0
        try:
            app.run_forever(reconnect=0, skip_utf8_validation=True)
        except Exception:  # run_forever re-raises only what its callbacks leak
            log.exception("stream loop failed")
        finally:
            with self._lock:
                self._app = None
                was_open = self._opened_at is not None
                self._opened_at = None
            if was_open:
                self._on_state(False)
        return self._frames_this_connection > 0

    def _handle_open(self, app: Any) -> None:
        now = self._clock()
        with self._lock:
            self._opened_at = now
            self._last_frame = now
            self._last_heartbeat = now
        log.info("stream connected: %s", self._url)
        if self._subscribe is not None:
            for frame in self._subscribe():
                app.send(frame)
        self._on_state(True)

    def _handle_message(self, _app: Any, message: str | bytes) -> None:
        self._last_frame = self._clock()
        self._frames_this_connection += 1
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
        try:
            self._on_frame(text)
        except Exception:  # a consumer bug must not kill the connection
            log.exception("frame handler failed")

    def _handle_error(self, _app: Any, error: BaseException) -> None:
        if not self._stop.is_set():
            log.warning("stream error: %s", error)

    # -- watchdog --------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stop.wait(self._policy.watchdog_period):
            self._beat()
            reason = self._unhealthy_reason()
            if reason:
                level = logging.INFO if self._rotating else logging.WARNING
                log.log(level, "replacing stream connection: %s", reason)
                self._abort_socket()

    def _beat(self) -> None:
        """Send the heartbeat frame when it is due on an open connection."""
        if self._heartbeat is None:
            return
        with self._lock:
            app, opened = self._app, self._opened_at
            now = self._clock()
            if app is None or opened is None:
                return
            if now - self._last_heartbeat < self._heartbeat.interval:
                return
            self._last_heartbeat = now
        try:
            app.send(self._heartbeat.frame)
        except (OSError, websocket.WebSocketException) as exc:
            # A dead socket: the read loop sees it too and reconnects.
            log.debug("%s: heartbeat not sent: %s", self._name, exc)

    def _unhealthy_reason(self) -> str:
        with self._lock:
            if self._app is None:
                return ""
            now = self._clock()
            if self._opened_at is None:
                waited = now - self._attempt_started
                if waited > self._policy.silence_timeout:
                    return f"handshake took more than {waited:.1f} s"
                return ""
            silent = now - self._last_frame
            if silent > self._policy.silence_timeout:
                return f"no frame for {silent:.1f} s"
            if now - self._opened_at > self._policy.max_connection_age:
                self._rotating = True
                return "connection reached its maximum age"
        return ""

    def _abort_socket(self) -> None:
        """End the current connection at once, from any thread, at any stage."""
        with self._lock:
            app = self._app
        if app is None:
            return
        app.keep_running = False
        ws = app.sock
        raw = getattr(ws, "sock", None) if ws is not None else None
        if ws is not None and getattr(ws, "connected", False):
            try:
                # A polite close frame, without waiting for the peer's reply.
                ws.send_close(reason=b"client closing")
            except (OSError, websocket.WebSocketException):
                pass
        if isinstance(raw, socket.socket):
            try:
                # shutdown wakes a thread blocked in recv (read loop or handshake).
                raw.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
