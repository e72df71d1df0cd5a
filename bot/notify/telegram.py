"""``TelegramSender``: notifications as Telegram Bot API ``sendMessage`` calls.

The token is part of the request path (``/bot<token>/sendMessage``), so no error this module
raises or logs carries the URL: a failure is described by its status and Telegram's own
``description``. httpx logs every request's URL (INFO, logger ``httpx``): the sender puts a
redacting filter on that logger, whatever handlers and levels are configured.
"""

from __future__ import annotations

import logging

import httpx
from pydantic import SecretStr

from bot.logs import SecretRedactor
from bot.notify.message import Notification


class TelegramError(RuntimeError):
    """Telegram refused or failed a message (status and description, never the URL)."""


class TelegramSender:
    """Sends ``Notification.to_text`` to ``chat_id`` through the Bot API at ``api_url``.

    Args:
        client: an ``httpx.Client`` (its timeout applies).
        api_url: ``https://api.telegram.org`` or a test server's address.
        token: the bot token (a secret: only ever placed in the request path).
        chat_id: the chat to write to.
    """

    name = "telegram"

    def __init__(self, client: httpx.Client, api_url: str, token: SecretStr,
                 chat_id: str) -> None:
        self._client = client
        self._api_url = api_url.rstrip("/")
        self._token = token
        self._chat_id = chat_id
        _redact_in_httpx_logs(token.get_secret_value())

    def send(self, notification: Notification) -> None:
        """Call ``sendMessage``; raises ``TelegramError`` unless Telegram answers ``ok``."""
        url = f"{self._api_url}/bot{self._token.get_secret_value()}/sendMessage"
        try:
            response = self._client.post(url, json={
                "chat_id": self._chat_id, "text": notification.to_text(),
                "disable_web_page_preview": True})
        except httpx.HTTPError as exc:
            # httpx's message may hold the URL, and the URL the token: name the kind only.
            raise TelegramError(f"request failed: {type(exc).__name__}") from None
        if response.status_code // 100 != 2 or not _ok(response):
            raise TelegramError(f"HTTP {response.status_code}: {_description(response)}")


def _ok(response: httpx.Response) -> bool:
    try:
        return bool(response.json().get("ok"))
    except ValueError:
        return False


def _description(response: httpx.Response) -> str:
    try:
        return str(response.json().get("description", ""))[:200]
    except ValueError:
        return response.text[:200]


def _redact_in_httpx_logs(token: str) -> None:
    logger = logging.getLogger("httpx")
    for existing in logger.filters:
        if isinstance(existing, SecretRedactor):
            existing.add([token])
            return
    logger.addFilter(SecretRedactor([token]))
