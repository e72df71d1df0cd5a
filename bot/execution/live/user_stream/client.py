"""``UserDataStream``: the listen key's life, and the private socket that rides on it.

Binance's rules (``reference/binance-user-data.md``): a key lives 60 minutes unless kept
alive (``PUT``, every 30 minutes here); a refused keep-alive (-1125) or a
``listenKeyExpired`` event means a new key (``POST``) and a new connection. One keeper
thread does all the key work; the socket itself is a ``MarketStream`` (websocket-client in
a thread: reconnects with backoff and jitter, the 24-hour rotation, a stop within 2 s).
Nothing here decides anything: events and (re)connections are handed to callbacks, and
the venue's REST reconciliation stays the safety net.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.errors import BotError
from bot.execution.live.user_stream.events import ListenKeyExpired, UserEvent, parse_user_event
from bot.heatmap.stream import MarketStream, ReconnectPolicy

log = logging.getLogger(__name__)

# The user-data stream is silent while nothing happens on the account: silence there says
# nothing about the socket (Binance's pings keep it honest), so no silence watchdog.
_NO_SILENCE_LIMIT = 24 * 3600.0


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
    """How often the key is kept alive, how long to wait before asking for a key again
    after a failure (seconds)."""

    keepalive_seconds: float = 30 * 60.0
    retry_seconds: float = 5.0


class UserDataStream:
    """The account's user-data stream (see the module docstring).

    Args:
        keys: the listen-key endpoints (the gateway).
        ws_root: the WebSocket root, e.g. ``wss://fstream.binance.com``; the socket is
            ``{ws_root}/private/ws/<listenKey>``.
        on_event: called in the socket's thread with every parsed event.
        on_connected: called after every (re)connection (to reconcile what was missed).
        timing: see ``StreamTiming``.
        rng: jitter of the socket's reconnect backoff.
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
        self._renew = threading.Event()
        self._socket: MarketStream | None = None
        self._key: str | None = None
        self._keeper: threading.Thread | None = None
        self.connections = 0
        self.malformed = 0

    @property
    def listen_key(self) -> str | None:
        """The key in use (never logged: it gives read access to the account's events)."""
        return self._key

    def start(self) -> None:
        """Start the keeper thread (it opens the socket); returns at once."""
        self._keeper = threading.Thread(target=self._keep, name="user-stream", daemon=True)
        self._keeper.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Close the socket and the key; the threads end within ``timeout``."""
        self._stop.set()
        self._renew.set()
        if self._keeper is not None:
            self._keeper.join(timeout)
        self._close_socket(timeout)

    def renew(self) -> None:
        """Ask for a new key and a new connection (from any thread)."""
        self._renew.set()

    # -- the keeper thread -----------------------------------------------------------------

    def _keep(self) -> None:
        while not self._stop.is_set():
            if self._key is None and not self._open():
                self._stop.wait(self._timing.retry_seconds)
                continue
            if self._renew.wait(self._timing.keepalive_seconds):
                self._renew.clear()
                self._close_socket(2.0)
                continue
            try:
                self._keys.keepalive_listen_key(str(self._key))
            except BotError as exc:  # -1125: the key is gone
                log.warning("listen key keep-alive refused (%s): renewing it", exc)
                self._close_socket(2.0)

    def _open(self) -> bool:
        try:
            key = self._keys.create_listen_key()
        except BotError as exc:
            log.warning("user-data stream: no listen key (retrying): %s", exc)
            return False
        self._key = key
        self._socket = MarketStream(
            f"{self._root}/private/ws/{key}", self._frame,
            policy=ReconnectPolicy(silence_timeout=_NO_SILENCE_LIMIT), rng=self._rng,
            on_state=self._state)
        self._socket.start()
        return True

    def _close_socket(self, timeout: float) -> None:
        socket, self._socket = self._socket, None
        key, self._key = self._key, None
        if socket is not None:
            socket.stop(timeout)
        if key is not None:
            try:
                self._keys.close_listen_key(key)
            except BotError as exc:
                log.info("closing the old listen key failed: %s", exc)

    # -- the socket's thread ---------------------------------------------------------------

    def _state(self, connected: bool) -> None:
        if not connected:
            return
        self.connections += 1
        log.info("user-data stream connected")
        try:
            self._on_connected()
        except Exception:  # a consumer bug must not kill the stream
            log.exception("user-data reconnect handler failed")

    def _frame(self, text: str) -> None:
        try:
            event = parse_user_event(text)
        except ValueError as exc:
            self.malformed += 1
            log.warning("user-data frame skipped: %s", exc)
            return
        if isinstance(event, ListenKeyExpired):
            log.warning("listen key expired: renewing it")
            self.renew()
        if event is not None:
            self._on_event(event)
