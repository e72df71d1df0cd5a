"""Binance's checks on SIGNED endpoints: API key, HMAC-SHA256 signature, timestamp window.

Binance signs ``totalParams`` = the raw query string followed by the raw request body (no
separator), without the ``signature`` parameter itself, with HMAC-SHA256 keyed by the API
secret, hex-encoded. The check runs on the bytes as sent — percent-encoding included — so a
client that encodes differently from what it signed is refused, as on Binance.

The timestamp rule is Binance's: accepted when ``timestamp < serverTime + 1000`` and
``serverTime - timestamp <= recvWindow`` (``recvWindow`` default 5000 ms, at most 60000).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass, field

from bot.sim.rest.errors import (
    BAD_SIGNATURE,
    FUTURE_TIMESTAMP,
    INVALID_API_KEY,
    RECV_WINDOW_TOO_LARGE,
    STALE_TIMESTAMP,
    ApiError,
    invalid_value,
    mandatory,
)
from bot.sim.rest.params import Params

DEFAULT_RECV_WINDOW_MS = 5_000
MAX_RECV_WINDOW_MS = 60_000
MAX_AHEAD_MS = 1_000
_SIGNATURE_PREFIX = "signature="


@dataclass(frozen=True, slots=True)
class Credentials:
    """The one API key / secret pair the simulator accepts."""

    api_key: str
    api_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.api_key or not self.api_secret:
            raise ValueError("api_key and api_secret must be non-empty")


@dataclass(frozen=True, slots=True)
class SignedRequestCounts:
    """Requests that reached a SIGNED endpoint.

    ``received`` counts every one (faults included); ``accepted`` those whose key,
    signature and timestamp passed; ``rejected`` those refused for one of them.
    """

    received: int = 0
    accepted: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        """Every signed request received (a paper-mode run must leave this at 0)."""
        return self.received


def split_signature(raw: str) -> tuple[str, str | None]:
    """``raw`` (a query string or form body) without its ``signature=`` part, and that
    signature (``None`` when absent)."""
    if not raw:
        return "", None
    kept: list[str] = []
    signature: str | None = None
    for part in raw.split("&"):
        if part.startswith(_SIGNATURE_PREFIX):
            signature = part[len(_SIGNATURE_PREFIX) :]
        else:
            kept.append(part)
    return "&".join(kept), signature


def sign(payload: str, secret: str) -> str:
    """Binance's signature of ``payload``: hex HMAC-SHA256 keyed by ``secret``."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


class Authenticator:
    """Verifies signed requests against one ``Credentials`` and counts the outcomes.

    Thread-safe: the HTTP server calls it from many handler threads.
    """

    def __init__(self, credentials: Credentials) -> None:
        """Accept requests made with ``credentials``."""
        self._credentials = credentials
        self._lock = threading.Lock()
        self._counts = SignedRequestCounts()

    @property
    def credentials(self) -> Credentials:
        """The accepted key and secret."""
        return self._credentials

    def counts(self) -> SignedRequestCounts:
        """A snapshot of the signed-request counters."""
        with self._lock:
            return self._counts

    def received(self) -> None:
        """Count one request that reached a signed endpoint (before any check)."""
        with self._lock:
            c = self._counts
            self._counts = SignedRequestCounts(c.received + 1, c.accepted, c.rejected)

    def verify(
        self, api_key: str | None, query: str, body: str, params: Params, server_ms: int
    ) -> None:
        """Check one signed request; raise its Binance error if it fails, count it either way.

        Args:
            api_key: the ``X-MBX-APIKEY`` header (``None`` when absent).
            query: the raw query string, as sent.
            body: the raw form body, as sent.
            params: the decoded parameters (for ``timestamp`` and ``recvWindow``).
            server_ms: the server's clock, milliseconds since the epoch.
        """
        try:
            self._check(api_key, query, body, params, server_ms)
        except ApiError:
            self._count(accepted=False)
            raise
        self._count(accepted=True)

    def verify_key(self, api_key: str | None) -> None:
        """Check the API key alone (USER_STREAM endpoints: key header, no signature)."""
        expected_key = self._credentials.api_key.encode()
        if api_key is None or not hmac.compare_digest(api_key.encode(), expected_key):
            raise INVALID_API_KEY()

    def _check(
        self, api_key: str | None, query: str, body: str, params: Params, server_ms: int
    ) -> None:
        self.verify_key(api_key)
        timestamp, recv_window = _timing(params)
        unsigned_query, query_signature = split_signature(query)
        unsigned_body, body_signature = split_signature(body)
        signature = query_signature if query_signature is not None else body_signature
        if not signature:
            raise mandatory("signature")
        expected = sign(unsigned_query + unsigned_body, self._credentials.api_secret)
        if not hmac.compare_digest(signature.lower().encode(), expected.encode()):
            raise BAD_SIGNATURE()
        if timestamp >= server_ms + MAX_AHEAD_MS:
            raise FUTURE_TIMESTAMP()
        if server_ms - timestamp > recv_window:
            raise STALE_TIMESTAMP()

    def _count(self, *, accepted: bool) -> None:
        with self._lock:
            c = self._counts
            self._counts = SignedRequestCounts(
                c.received, c.accepted + int(accepted), c.rejected + int(not accepted)
            )


def _timing(params: Params) -> tuple[int, int]:
    """``timestamp`` (mandatory) and ``recvWindow`` (default 5000, 1..60000) of a request."""
    timestamp = params.integer("timestamp")
    if timestamp is None:
        raise mandatory("timestamp")
    recv_window = params.integer("recvWindow")
    if recv_window is None:
        return timestamp, DEFAULT_RECV_WINDOW_MS
    if recv_window > MAX_RECV_WINDOW_MS:
        raise RECV_WINDOW_TOO_LARGE()
    if recv_window <= 0:
        raise invalid_value("recvWindow")
    return timestamp, recv_window
