"""``Startable``: a simulator part run by ``start()`` / ``stop()`` or as a ``with`` block."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Self


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
