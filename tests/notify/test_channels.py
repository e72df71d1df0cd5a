"""Webhook and Telegram senders behind their queued channels, against a real local server."""

from __future__ import annotations

import logging
import socket
import time
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from bot.notify import (
    Backoff,
    Notification,
    Notifications,
    QueuedChannel,
    TelegramSender,
    WebhookSender,
)
from tests.notify.receiver import Receiver

AT = datetime(2025, 1, 27, 12, 30, tzinfo=UTC)
FAST = Backoff(first=0.01, cap=0.05, max_attempts=5)
TOKEN = "123456:telegram-secret-token-value"


@pytest.fixture
def client() -> httpx.Client:
    with httpx.Client(timeout=5.0) as c:
        yield c


def test_a_webhook_gets_the_contract_fields_and_the_trade(client: httpx.Client) -> None:
    with Receiver() as receiver:
        channel = QueuedChannel(WebhookSender(client, receiver.url + "/hook"), backoff=FAST)
        notifier = Notifications([channel], bot_id="bot-a", mode="paper")

        notifier.notify("entry", AT, {"symbol": "BTCUSDT", "side": "long", "id": 7,
                                  "event": "not this"})
        notifier.close(5.0)

    assert len(receiver.requests) == 1
    path, body = receiver.requests[0]
    assert path == "/hook"
    assert body["event"] == "entry"
    assert body["bot_id"] == "bot-a"
    assert body["mode"] == "paper"
    assert body["time"] == "2025-01-27T12:30:00+00:00"
    assert body["symbol"] == "BTCUSDT"
    assert body["side"] == "long"
    assert body["id"] == 7  # a trade's id stays the trade's
    assert len(body["notification_id"]) == 32


def test_a_failed_send_is_retried_with_the_same_time(client: httpx.Client) -> None:
    with Receiver(fail_first=2) as receiver:
        channel = QueuedChannel(WebhookSender(client, receiver.url), backoff=FAST)
        Notifications([channel], "b", "live").notify("halt", AT, {"detail": "418"})

        assert receiver.wait_for(1)
        channel.close(2.0)

    assert channel.failures == 2
    assert channel.sent == 1
    (body,) = receiver.bodies()
    assert body["time"] == AT.isoformat()


def test_every_attempt_carries_the_first_attempts_body(client: httpx.Client) -> None:
    with Receiver(fail_first=3) as receiver:
        seen: list[dict[str, object]] = []

        class Recording(WebhookSender):
            def send(self, notification: Notification) -> None:
                seen.append(notification.to_json_dict())
                super().send(notification)

        channel = QueuedChannel(Recording(client, receiver.url), backoff=FAST)
        channel.offer(Notification("error", "b", "paper", AT, {"detail": "x"}))
        assert receiver.wait_for(1)
        channel.close(2.0)

    assert len(seen) == 4
    assert all(body == seen[0] for body in seen)


def test_a_dead_receiver_never_blocks_and_the_message_is_dropped_after_its_attempts(
        client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    channel = QueuedChannel(WebhookSender(client, dead), queue_size=3,
                            backoff=Backoff(first=0.01, cap=0.01, max_attempts=2))
    started = time.monotonic()
    for _ in range(50):
        channel.offer(Notification("entry", "b", "paper", AT))
    offered = time.monotonic() - started
    channel.close(2.0)

    assert offered < 1.0  # 50 offers against a dead server: no waiting on the network
    assert channel.sent == 0
    assert channel.dropped >= 40  # the bounded queue kept only the newest
    assert "dropped" in caplog.text


def test_a_slow_receiver_does_not_hold_up_the_caller(client: httpx.Client) -> None:
    with Receiver(delay=1.0) as receiver:
        notifier = Notifications([QueuedChannel(WebhookSender(client, receiver.url),
                                                backoff=FAST)], "b", "paper")
        started = time.monotonic()
        for event in ("start", "entry", "exit"):
            notifier.notify(event, AT)  # type: ignore[arg-type]
        offered = time.monotonic() - started
        notifier.close(5.0)

    assert offered < 0.5
    assert [b["event"] for b in receiver.bodies()] == ["start", "entry", "exit"]


def test_telegram_gets_send_message_with_the_chat_and_the_text(client: httpx.Client) -> None:
    with Receiver() as receiver:
        sender = TelegramSender(client, receiver.url, SecretStr(TOKEN), "-100200300")
        channel = QueuedChannel(sender, backoff=FAST)
        Notifications([channel], "bot-a", "live").notify(
            "exit", AT, {"symbol": "ETHUSDT", "pnl": 12.5, "exit_reason": "take_profit"})
        channel.close(5.0)

    (path, body), = receiver.requests
    assert path == f"/bot{TOKEN}/sendMessage"
    assert body["chat_id"] == "-100200300"
    assert body["text"].startswith("[bot-a live] exit at 2025-01-27 12:30:00 UTC")
    assert "symbol: ETHUSDT" in body["text"]
    assert "pnl: 12.5" in body["text"]


def test_telegram_failures_never_log_the_token(client: httpx.Client,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with Receiver(answer={"ok": False, "description": "Unauthorized"}) as receiver:
        refusing = TelegramSender(client, receiver.url, SecretStr(TOKEN), "1")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = f"http://127.0.0.1:{s.getsockname()[1]}"
        unreachable = TelegramSender(client, dead, SecretStr(TOKEN), "1")
        for sender in (refusing, unreachable):
            channel = QueuedChannel(sender, backoff=Backoff(0.01, 0.01, 2))
            channel.offer(Notification("error", "b", "live", AT))
            channel.close(3.0)
            assert channel.failures == 2

    assert "Unauthorized" in caplog.text
    assert "ConnectError" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


def test_a_naive_time_or_an_unknown_event_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Notification("entry", "b", "paper", datetime(2025, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="unknown event"):
        Notification("lunch", "b", "paper", AT)  # type: ignore[arg-type]
