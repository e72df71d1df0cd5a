"""``UserDataStream``: the listen key's life and the private socket, on two threads.

Binance's rules (``reference/binance-user-data.md``): a key lives 60 minutes unless kept
alive (``PUT``, every 30 minutes here); a refused keep-alive (-1125) or a
``listenKeyExpired`` event means a new key (``POST``) and a new connection. A connection
lasts at most 24 hours. Nothing here decides anything: events and (re)connections are
handed to callbacks, and the venue's REST reconciliation stays the safety net.
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import websocket

from bot.errors import BotError
from bot.execution.live.user_stream.events import ListenKeyExpired, UserEvent, parse_user_event

log = logging.getLogger(__name__)


class ListenKeySource(Protocol):
    """What the stream needs from the gateway."""

    def create_listen_key(self) -> str:
        """``POST /fapi/v1/listenKey``: the active key (extended) or a new one."""
        ...

    def keepalive_listen_key(self, listen_key: str) -> None:
        """``PUT /fapi/v1/listenKey``; raises when the key is gone (-1125)."""
        ...

    def close_listen_key(self, listen_key: str) -> None:
        """``DELETE /fapi/v1/listenKey``."""
        ...


@dataclass(frozen=True, slots=True)
class StreamTiming:
    """How often the key is kept alive and how reconnects back off (seconds)."""

    keepalive_seconds: float = 30 * 60.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0


class UserDataStream:
    """The account's user-data stream (see the module docstring).

    Args:
        keys: the listen-key endpoints (the gateway).
        ws_root: the WebSocket root, e.g. ``wss://fstream.binance.com``; the socket is
            ``{ws_root}/private/ws/<listenKey>``.
        on_event: called in the stream thread with every parsed event.
        on_connected: called after every (re)connection (to reconcile what was missed).
        timing: see ``StreamTiming``.
        rng: jitter of the backoff.
    """

    def __init__(self, keys: ListenKeySource, ws_root: str,
                 on_event: Callable[[UserEvent], None], on_connected: Callable[[], None],
                 timing: StreamTiming, rng: random.Random) -> None:
        """Prepare; nothing connects before ``start``."""
        self._keys = keys
        self._root = ws_root.rstrip("/")
        self._on_event = on_event
        self._on_connected = on_connected
        self._timing = timing
        self._rng = rng
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._app: websocket.WebSocketApp | None = None
        self._key: str | None = None
        self._threads: list[threading.Thread] = []
        self.connections = 0
        self.malformed = 0

    @property
    def listen_key(self) -> str | None:
        """The key in use (never logged: it gives read access to the account's events)."""
        return self._key

    def start(self) -> None:
        """Start the socket and keep-alive threads; returns at once."""
        for name, target in (("user-stream", self._run), ("user-stream-keepalive",
                                                          self._keep_alive)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Close the socket, the key and the threads (within ``timeout``)."""
        self._stop.set()
        self._drop_connection()
        for thread in self._threads:
            thread.join(timeout)
        key, self._key = self._key, None
        if key is not None:
            try:
                self._keys.close_listen_key(key)
            except BotError as exc:
                log.warning("closing the listen key failed: %s", exc)

    def renew(self) -> None:
        """Drop the key and the connection: the stream comes back with a new key."""
        self._key = None
        self._drop_connection()

    # -- threads ---------------------------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                if self._key is None:
                    self._key = self._keys.create_listen_key()
                healthy = self._connect(self._key)
            except BotError as exc:
                log.warning("user-data stream: no listen key: %s", exc)
                healthy = False
            failures = 0 if healthy else failures + 1
            delay = min(self._timing.backoff_cap,
                        self._timing.backoff_base * 2 ** failures) * self._rng.uniform(0.5, 1)
            if self._stop.wait(delay if failures else 0.0):
                return

    def _connect(self, key: str) -> bool:
        opened = threading.Event()
        app = websocket.WebSocketApp(
            f"{self._root}/private/ws/{key}",
            on_open=lambda _a: self._opened(opened),
            on_message=self._message,
        )
        with self._lock:
            if self._stop.is_set():
                return False
            self._app = app
        try:
            app.run_forever(reconnect=0)
        finally:
            with self._lock:
                self._app = None
        if not self._stop.is_set():
            log.warning("user-data stream closed; reconnecting")
        return opened.is_set()

    def _opened(self, opened: threading.Event) -> None:
        opened.set()
        self.connections += 1
        log.info("user-data stream connected")
        try:
            self._on_connected()
        except Exception:  # a consumer bug must not kill the stream
            log.exception("user-data reconnect handler failed")

    def _message(self, _app: Any, message: str | bytes) -> None:
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
        try:
            event = parse_user_event(text)
        except ValueError as exc:
            self.malformed += 1
            log.warning("user-data frame skipped: %s", exc)
            return
        if event is None:
            return
        if isinstance(event, ListenKeyExpired):
            log.warning("listen key expired: renewing it")
            self.renew()
        try:
            self._on_event(event)
        except Exception:  # a consumer bug must not kill the stream
            log.exception("user-data event handler failed")

    def _keep_alive(self) -> None:
        while not self._stop.wait(self._timing.keepalive_seconds):
            key = self._key
            if key is None:
                continue
            try:
                self._keys.keepalive_listen_key(key)
            except BotError as exc:  # -1125: the key is gone
                log.warning("listen key keep-alive refused (%s): renewing it", exc)
                self.renew()

    def _drop_connection(self) -> None:
        """End the current connection at once, from any thread (``close()`` alone waits
        for the peer; shutting the socket down wakes the blocked reader)."""
        with self._lock:
            app = self._app
        if app is None:
            return
        app.keep_running = False
        ws = app.sock
        raw = getattr(ws, "sock", None) if ws is not None else None
        if isinstance(raw, socket.socket):
            with contextlib.suppress(OSError):
                raw.shutdown(socket.SHUT_RDWR)
