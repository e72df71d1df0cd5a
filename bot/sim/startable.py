"""``Startable``: a simulator part run by ``start()`` / ``stop()`` or as a ``with`` block."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from abc import ABC, abstractmethod
from typing import Self

logger = logging.getLogger(__name__)


class Startable(ABC):
    """A part that runs between ``start()`` and ``stop()``; ``with part:`` does both.

    The WebSocket server, the REST server and the exchange composing them share this, so
    a test or the CLI scopes any of them the same way.
    """

    @abstractmethod
    def start(self) -> None:
        """Start running; raises if that fails."""

    @abstractmethod
    def stop(self) -> None:
        """Stop running (nothing happens if it is not running)."""

    def __enter__(self) -> Self:
        """Start, for a ``with`` block."""
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop, however the block ended; an exception in it propagates."""
        self.stop()


def stop_loop_thread(thread: threading.Thread | None, loop: asyncio.AbstractEventLoop | None,
                     stop_requested: asyncio.Event | None, timeout: float, what: str) -> None:
    """Ask a server's event loop (running in ``thread``) to stop, and join it within
    ``timeout``; nothing happens for a server that never started."""
    if thread is None or loop is None or stop_requested is None:
        return
    with contextlib.suppress(RuntimeError):  # the loop may already be gone
        loop.call_soon_threadsafe(stop_requested.set)
    thread.join(timeout)
    if thread.is_alive():
        logger.warning("%s thread did not stop in %.1f s", what, timeout)
