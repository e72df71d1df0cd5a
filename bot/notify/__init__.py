"""Notifications: what happened to the bot (entries, exits, locks, errors, start, stop), sent
to a webhook and to Telegram without ever holding up or failing the trading loop.

Offers ``Notification`` (one event, its time fixed when it happened), the ``Notifier`` port
the app calls, ``Notifications`` (fan-out to channels, each a ``QueuedChannel``: a bounded
queue on its own thread, retried with backoff), the ``WebhookSender`` and ``TelegramSender``,
and ``NullNotifier`` for a bot with nothing configured.
"""

from bot.notify.channel import Backoff, QueuedChannel
from bot.notify.message import EVENTS, EventName, Notification
from bot.notify.notifier import Notifications, Notifier, NullNotifier, Sender
from bot.notify.telegram import TelegramSender
from bot.notify.webhook import WebhookSender

__all__ = [
    "EVENTS",
    "Backoff",
    "EventName",
    "Notification",
    "Notifications",
    "Notifier",
    "NullNotifier",
    "QueuedChannel",
    "Sender",
    "TelegramSender",
    "WebhookSender",
]
