"""The client order id scheme's bot part: which bot of a fleet an order belongs to.

Client order ids are deterministic (mode, purpose, symbol, decision time), so a retry or a
restart reuses them. Two bots sharing one database (or one account) must never make the
same id, so every bot but ``default`` appends a short tag of its id: five characters of a
hash, so any id up to 64 characters fits Binance's 36-character limit, and kept at the id's
tail, which is the part ``derived_id`` and truncation keep. The ``default`` bot has no tag:
its ids are the ones journaled before bot ids existed, so an upgraded bot still recognises
its open orders.
"""

from __future__ import annotations

import hashlib
import string

from bot.journal.models import DEFAULT_BOT_ID

MAX_CLIENT_ID = 36
"""Binance: ``^[.A-Z:/a-z0-9_-]{1,36}$``."""

_TAG_LENGTH = 5
_ALPHABET = string.digits + string.ascii_lowercase


def bot_tag(bot_id: str) -> str:
    """The bot's part of its client ids: ``""`` for ``default``, else ``.`` and five base-36
    characters of the id's SHA-256 (``.k3x9q``)."""
    if bot_id == DEFAULT_BOT_ID:
        return ""
    number = int.from_bytes(hashlib.sha256(bot_id.encode()).digest()[:8], "big")
    digits = []
    for _ in range(_TAG_LENGTH):
        number, digit = divmod(number, len(_ALPHABET))
        digits.append(_ALPHABET[digit])
    return "." + "".join(digits)


def with_bot_tag(text: str, bot_id: str) -> str:
    """``text`` (an id without the bot part) with the bot's tag appended, at most 36
    characters: a long id loses its head, never its tail (symbol, time, tag)."""
    return (text + bot_tag(bot_id))[-MAX_CLIENT_ID:]
