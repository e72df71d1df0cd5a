"""``Notification``: one event as every channel sends it (JSON for webhooks, text for chats)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

EventName = Literal["entry", "exit", "risk_lock", "halt", "error", "start", "stop"]
EVENTS: tuple[EventName, ...] = get_args(EventName)

JsonValue = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Notification:
    """An event of one bot, built once when it happened and sent unchanged (retries too).

    Attributes:
        event: what happened (``EVENTS``).
        bot_id: the bot's ``run.bot_id``.
        mode: ``paper`` or ``live``.
        time: when it happened (UTC), not when it is sent.
        fields: the event's details; for ``entry`` and ``exit`` the trade as
            ``bot journal --format json`` prints it.
        id: unique per notification, the same on every resend (receivers can drop repeats);
            sent as ``notification_id``.
    """

    event: EventName
    bot_id: str
    mode: str
    time: datetime
    fields: Mapping[str, JsonValue] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        if self.event not in EVENTS:
            raise ValueError(f"unknown event {self.event!r}; expected one of {EVENTS}")
        if self.time.tzinfo is None:
            raise ValueError("time: expected a timezone-aware (UTC) datetime")

    def to_json_dict(self) -> dict[str, JsonValue]:
        """The webhook body: the event's fields (a trade's ``id`` among them), then ``event``,
        ``bot_id``, ``mode``, ``time`` and ``notification_id``, which a field of the same name
        never overrides."""
        return {**self.fields, "event": self.event, "bot_id": self.bot_id, "mode": self.mode,
                "time": self.time.isoformat(), "notification_id": self.id}

    def to_text(self) -> str:
        """A short human message (Telegram): headline, then one ``key: value`` line a field."""
        head = f"[{self.bot_id} {self.mode}] {self.event} at {self.time:%Y-%m-%d %H:%M:%S} UTC"
        lines = [head] + [f"{key}: {value}" for key, value in self.fields.items()
                          if value is not None]
        return "\n".join(lines)
