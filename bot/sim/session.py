"""Per-connection state of the simulated market-stream server, and what tests can see of it."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import NamedTuple

from bot.sim.control import SubscriptionState
from bot.sim.streams import Route


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """A snapshot of one open connection, for tests and diagnostics."""

    id: int
    path: str
    market: bool
    combined: bool
    subscriptions: tuple[str, ...]
    messages_sent: int
    data_frames_sent: int
    malformed_sent: int
    frames_dropped: int
    control_messages: int
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class ServerStats:
    """Server counters since start (``current_connections`` is a live count)."""

    current_connections: int
    total_connections: int
    rejected_requests: int
    messages_sent: int
    data_frames_sent: int
    malformed_sent: int
    frames_dropped: int
    control_messages: int
    fault_closes: int


@dataclass
class Totals:
    """The server's running counters (mutated on the server's loop thread only).

    Field for field the counters of ``ServerStats`` after ``current_connections``, so a
    snapshot copies them by name.
    """

    total_connections: int = 0
    rejected_requests: int = 0
    messages_sent: int = 0
    data_frames_sent: int = 0
    malformed_sent: int = 0
    frames_dropped: int = 0
    control_messages: int = 0
    fault_closes: int = 0

    def snapshot(self, current_connections: int) -> ServerStats:
        """Freeze the counters, with the live connection count."""
        return ServerStats(current_connections=current_connections, **asdict(self))


class Outgoing(NamedTuple):
    """A frame waiting to be sent; only data frames (not control replies) may be spoiled.

    ``close_code`` set means: no frame, close the connection with that code here, after
    everything queued before it.
    """

    text: str
    data: bool
    close_code: int | None = None


class Session:
    """One client connection: its route, subscriptions, outgoing queue and counters."""

    def __init__(self, connection_id: int, path: str, route: Route, opened_at: datetime) -> None:
        """Create the session for a connection accepted on ``path``."""
        self.id = connection_id
        self.path = path
        self.market = route.market
        self.state = SubscriptionState(route.streams, combined=route.combined)
        self.opened_at = opened_at
        self.opened_monotonic = 0.0
        self.queue: asyncio.Queue[Outgoing] = asyncio.Queue()
        self.handler_started = False
        self.closing = False
        self.messages_sent = 0
        self.data_frames_sent = 0
        self.malformed_sent = 0
        self.frames_dropped = 0
        self.control_messages = 0
        self._recent_incoming: deque[float] = deque()

    def wants(self, stream: str) -> bool:
        """Whether a data frame of ``stream`` goes to this connection."""
        return self.market and self.state.has(stream)

    def enqueue_data(self, stream: str, event_text: str) -> None:
        """Queue one event of ``stream``: bare, or in the combined envelope if so configured."""
        if self.state.combined:
            text = f'{{"stream":{json.dumps(stream)},"data":{event_text}}}'
        else:
            text = event_text
        self.queue.put_nowait(Outgoing(text, data=True))

    def enqueue(self, text: str, *, data: bool) -> None:
        """Queue a frame as it is (a control reply, or a raw frame from a test)."""
        self.queue.put_nowait(Outgoing(text, data=data))

    def enqueue_close(self, code: int, reason: str) -> None:
        """Queue a close after the frames already queued; later frames are not sent."""
        self.closing = True
        self.queue.put_nowait(Outgoing(reason, data=False, close_code=code))

    def too_chatty(self, now_monotonic: float, limit: int | None) -> bool:
        """Record an incoming message; true once more than ``limit`` arrived within 1 s."""
        if limit is None:
            return False
        recent = self._recent_incoming
        recent.append(now_monotonic)
        while recent and now_monotonic - recent[0] >= 1.0:
            recent.popleft()
        return len(recent) > limit

    def info(self) -> ConnectionInfo:
        """A snapshot of this connection."""
        return ConnectionInfo(
            id=self.id,
            path=self.path,
            market=self.market,
            combined=self.state.combined,
            subscriptions=self.state.streams,
            messages_sent=self.messages_sent,
            data_frames_sent=self.data_frames_sent,
            malformed_sent=self.malformed_sent,
            frames_dropped=self.frames_dropped,
            control_messages=self.control_messages,
            opened_at=self.opened_at,
        )
