"""Execution errors: narrower members of the project hierarchy in ``bot.errors``.

Callers may catch these or their parents (``TemporaryExchangeError``, ``InvalidOrder``).
"""

from __future__ import annotations

from bot.errors import InvalidOrder, TemporaryExchangeError


class MarkPriceUnavailable(TemporaryExchangeError):
    """No mark price is known for the symbol, or the latest is too old to fill at.

    Temporary: the mark-price stream will deliver a fresh one; retry the order later.
    """


class NoOpenPosition(InvalidOrder):
    """A close was asked for a symbol that has no open position."""
