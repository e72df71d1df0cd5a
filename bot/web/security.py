"""Who may steer the bot: the bind check, the Bearer token, and a per-client rate limit.

Without ``web.token`` every control endpoint answers 403 (control is off); with one, a missing
or wrong token answers 401. The token is compared in constant time and never echoed.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time
from collections import deque
from collections.abc import Callable

from bot.errors import ConfigError


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine (``127.0.0.0/8``, ``::1``, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a name resolving elsewhere, or 0.0.0.0 spelled otherwise: not loopback


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve on a non-loopback address without a token.

    Raises:
        ConfigError: naming ``web.host`` and ``web.token``.
    """
    if not is_loopback(host) and not token:
        raise ConfigError(
            f"web.host: {host} is not a loopback address; set web.token (BOT_WEB__TOKEN) "
            "before serving the dashboard beyond this machine")


class AuthFailure(Exception):
    """A control request that may not proceed; ``status`` is the HTTP answer."""

    def __init__(self, status: int, detail: str) -> None:
        """``status`` 401, 403 or 429."""
        super().__init__(detail)
        self.status = status
        self.detail = detail


def check_bearer(expected: str | None, authorization: str | None) -> None:
    """Raise ``AuthFailure`` unless ``authorization`` is ``Bearer <expected>``.

    403 when no token is configured (control is off whatever is sent), 401 when the header is
    missing or wrong.
    """
    if not expected:
        raise AuthFailure(403, "control is disabled: no web.token configured")
    scheme, _, given = (authorization or "").partition(" ")
    ok = scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode())
    if not ok:
        raise AuthFailure(401, "missing or wrong Bearer token")


class RateLimiter:
    """At most ``limit`` calls per client in any ``window`` seconds (a sliding window)."""

    def __init__(self, limit: int, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``clock`` returns seconds (monotonic)."""
        self._limit = limit
        self._window = window
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Count a call from ``client``; False when it is over the limit (not counted)."""
        now = self._clock()
        with self._lock:
            calls = self._calls.setdefault(client, deque())
            while calls and now - calls[0] >= self._window:
                calls.popleft()
            if len(calls) >= self._limit:
                return False
            calls.append(now)
            return True
