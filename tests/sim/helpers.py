"""Helpers shared by the simulator tests: a manual clock and websocket-client shorthands."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import websocket

CLIENT_TIMEOUT_S = 3.0
QUIET_S = 0.3  # how long "nothing arrives" is watched for

Connect = Callable[[str], websocket.WebSocket]
"""The ``connect`` fixture: open a client connection to a URL (closed after the test)."""


class ManualClock:
    """A clock tests move by hand (thread-safe: the simulator reads it from its own thread)."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now


def recv_json(ws: websocket.WebSocket) -> Any:
    """The next text frame, decoded."""
    return json.loads(ws.recv())


def request(ws: websocket.WebSocket, payload: dict[str, Any]) -> Any:
    """Send a control message and return the decoded reply."""
    ws.send(json.dumps(payload))
    return recv_json(ws)


def assert_silent(ws: websocket.WebSocket, seconds: float = QUIET_S) -> None:
    """Nothing arrives on ``ws`` for ``seconds``."""
    ws.settimeout(seconds)
    with pytest.raises(websocket.WebSocketTimeoutException):
        ws.recv()
    ws.settimeout(CLIENT_TIMEOUT_S)


def read_until_closed(ws: websocket.WebSocket, limit: int = 100) -> tuple[list[str], int | None]:
    """Read text frames until the connection ends.

    Returns the texts and the close code (``None`` when the TCP connection just dropped).
    """
    texts: list[str] = []
    for _ in range(limit):
        try:
            opcode, data = ws.recv_data(control_frame=True)
        except websocket.WebSocketConnectionClosedException:
            return texts, None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return texts, int.from_bytes(data[:2], "big")
        if opcode == websocket.ABNF.OPCODE_TEXT:
            texts.append(data.decode("utf-8"))
    raise AssertionError(f"connection still open after {limit} frames")
