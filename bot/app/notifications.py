"""Builds the bot's ``Notifier`` from ``notify.*`` settings (part of the composition root)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from bot.logs import redact_also
from bot.notify import (
    Backoff,
    Notifications,
    Notifier,
    NullNotifier,
    QueuedChannel,
    Sender,
    TelegramSender,
    WebhookSender,
)
from bot.settings import Settings


def build_notifier(settings: Settings,
                   register_closer: Callable[[Callable[[], None]], None]) -> Notifier:
    """A ``Notifications`` over every configured channel (``NullNotifier`` when none is).

    ``register_closer`` receives what must run at shutdown: the notifier's drain (a few
    seconds at most), then the HTTP client's close.
    """
    n = settings.notify
    senders: list[Sender] = []
    client = httpx.Client(timeout=n.timeout_seconds, follow_redirects=False)
    if n.webhook_url is not None:
        senders.append(WebhookSender(client, n.webhook_url))
    if n.telegram_token is not None and n.telegram_chat_id is not None:
        # The token travels in the request path: keep it out of every log line.
        redact_also([n.telegram_token.get_secret_value()])
        senders.append(TelegramSender(client, n.telegram_api_url, n.telegram_token,
                                      n.telegram_chat_id))
    if not senders:
        client.close()
        return NullNotifier()
    backoff = Backoff(max_attempts=n.max_attempts)
    notifier = Notifications(
        [QueuedChannel(sender, n.queue_size, backoff) for sender in senders],
        settings.run.bot_id, settings.run.mode)
    register_closer(client.close)
    register_closer(notifier.close)
    return notifier
