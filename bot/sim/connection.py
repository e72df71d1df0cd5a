"""Serving one accepted WebSocket connection: control messages in, frames out, faults applied."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from bot.sim.control import handle_control
from bot.sim.faults import Faults, corrupt_frame
from bot.sim.session import Outgoing, Session, Totals

logger = logging.getLogger(__name__)

_WATCH_INTERVAL_S = 0.05
_POLICY_VIOLATION = 1008


class ConnectionWorker:
    """Runs one connection until it closes: a receive loop, a send loop and an age watch.

    Faults apply to ``/market`` connections only (the retired paths carry no data anyway).

    Args:
        connection: the accepted ``websockets`` connection.
        session: its state (subscriptions, queue, counters).
        faults: returns the current fault settings; read before every frame.
        rng: chooses spoiled frames and their kind.
        totals: the server-wide counters to update.
        max_incoming_per_second: Binance's limit on client messages (more = disconnect).
    """

    def __init__(
        self,
        connection: ServerConnection,
        session: Session,
        *,
        faults: Callable[[], Faults],
        rng: random.Random,
        totals: Totals,
        max_incoming_per_second: int | None,
    ) -> None:
        """Bind the worker to its connection; nothing runs until ``run()``."""
        self._connection = connection
        self._session = session
        self._faults = faults
        self._rng = rng
        self._totals = totals
        self._max_incoming = max_incoming_per_second

    async def run(self) -> None:
        """Serve until the connection closes (by the client, a fault, or server shutdown)."""
        session = self._session
        session.handler_started = True
        session.opened_monotonic = asyncio.get_running_loop().time()
        sender = asyncio.create_task(self._send_loop())
        watcher = asyncio.create_task(self._watch_age())
        try:
            await self._receive_loop()
        finally:
            sender.cancel()
            watcher.cancel()

    async def _receive_loop(self) -> None:
        session, loop = self._session, asyncio.get_running_loop()
        with contextlib.suppress(ConnectionClosed):
            async for message in self._connection:
                if session.closing:
                    continue  # a close is queued; Binance ignores what arrives meanwhile
                if session.too_chatty(loop.time(), self._max_incoming):
                    # Replies already owed go out first, then the close.
                    session.enqueue_close(_POLICY_VIOLATION, "Too many requests")
                    continue
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                session.control_messages += 1
                self._totals.control_messages += 1
                session.enqueue(handle_control(text, session.state), data=False)

    async def _send_loop(self) -> None:
        session = self._session
        with contextlib.suppress(ConnectionClosed):
            while True:
                item = await session.queue.get()
                if item.close_code is not None:
                    await self._connection.close(item.close_code, item.text)
                    return
                faults = self._faults() if session.market else None
                if faults is not None and faults.stalled:
                    # A stalled server sends nothing at all; frames are lost, not delayed.
                    session.frames_dropped += 1
                    self._totals.frames_dropped += 1
                    continue
                if faults is not None and faults.delay_seconds > 0:
                    await asyncio.sleep(faults.delay_seconds)
                await self._connection.send(self._maybe_spoil(item, faults))
                self._count_sent(item)
                limit = faults.close_every_messages if faults is not None else None
                if limit is not None and session.messages_sent >= limit:
                    await self._fault_close("message count")
                    return

    def _maybe_spoil(self, item: Outgoing, faults: Faults | None) -> str:
        if faults is None or not item.data or faults.malformed_rate <= 0:
            return item.text
        if not faults.malformed_kinds or self._rng.random() >= faults.malformed_rate:
            return item.text
        self._session.malformed_sent += 1
        self._totals.malformed_sent += 1
        return corrupt_frame(item.text, self._rng.choice(faults.malformed_kinds))

    def _count_sent(self, item: Outgoing) -> None:
        self._session.messages_sent += 1
        self._totals.messages_sent += 1
        if item.data:
            self._session.data_frames_sent += 1
            self._totals.data_frames_sent += 1

    async def _watch_age(self) -> None:
        if not self._session.market:
            return
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(_WATCH_INTERVAL_S)
            limit = self._faults().close_every_seconds
            if limit is not None and loop.time() - self._session.opened_monotonic >= limit:
                await self._fault_close("connection age")
                return

    async def _fault_close(self, reason: str) -> None:
        faults = self._faults()
        self._totals.fault_closes += 1
        logger.debug("fault injection: closing connection %d (%s)", self._session.id, reason)
        if faults.abrupt_close:
            self._connection.transport.abort()
        else:
            await self._connection.close(faults.close_code, f"simulated fault: {reason}")
