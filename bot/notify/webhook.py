"""``WebhookSender``: one JSON ``POST`` per notification (``Notification.to_json_dict``)."""

from __future__ import annotations

import httpx

from bot.notify.message import Notification


class WebhookSender:
    """POSTs notifications as JSON to ``url``; any status but 2xx is a failure.

    Args:
        client: an ``httpx.Client`` (its timeout applies to every request).
        url: the webhook's address.
    """

    name = "webhook"

    def __init__(self, client: httpx.Client, url: str) -> None:
        self._client = client
        self._url = url

    def send(self, notification: Notification) -> None:
        """POST ``notification``; raises ``httpx.HTTPError`` on a failure."""
        response = self._client.post(self._url, json=notification.to_json_dict())
        response.raise_for_status()
