"""The ``Notifier`` port the app calls, and its implementations (fan-out, nothing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from bot.notify.message import EventName, JsonValue, Notification


class Sender(Protocol):
    """One channel's delivery of one notification (blocking; raises when it failed)."""

    name: str

    def send(self, notification: Notification) -> None:
        """Deliver ``notification`` or raise (any exception means: try again later)."""
        ...


class Channel(Protocol):
    """A queue in front of a sender: ``offer`` never blocks, ``close`` drains."""

    def offer(self, notification: Notification) -> None:
        """Queue ``notification``; never blocks, never raises."""
        ...

    def close(self, timeout: float) -> None:
        """Deliver what is queued for up to ``timeout`` seconds, then stop."""
        ...


class Notifier(Protocol):
    """What the app tells about itself; calls return at once and never raise."""

    def notify(self, event: EventName, at: datetime,
               fields: Mapping[str, JsonValue] | None = None) -> None:
        """Send ``event``, which happened at ``at``, with ``fields``."""
        ...

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (up to ``timeout`` seconds), then stop."""
        ...


class NullNotifier:
    """A notifier for a bot without any channel configured."""

    def notify(self, event: EventName, at: datetime,
               fields: Mapping[str, JsonValue] | None = None) -> None:
        """Do nothing."""

    def close(self, timeout: float = 5.0) -> None:
        """Do nothing."""


class Notifications:
    """Stamps events with the bot's id and mode and hands them to every channel.

    Args:
        channels: one per destination (``QueuedChannel`` around a sender).
        bot_id: ``run.bot_id``.
        mode: ``paper`` or ``live``.
    """

    def __init__(self, channels: Sequence[Channel], bot_id: str, mode: str) -> None:
        self._channels = list(channels)
        self._bot_id = bot_id
        self._mode = mode

    def notify(self, event: EventName, at: datetime,
               fields: Mapping[str, JsonValue] | None = None) -> None:
        """Build the notification once (its time and id never change) and queue it."""
        notification = Notification(event, self._bot_id, self._mode, at, dict(fields or {}))
        for channel in self._channels:
            channel.offer(notification)

    def close(self, timeout: float = 5.0) -> None:
        """Close every channel, sharing ``timeout`` between them."""
        share = timeout / max(1, len(self._channels))
        for channel in self._channels:
            channel.close(share)
