"""Fault injection for the simulated REST API: switchable while the server runs.

The server consults its ``RestFaults`` on every request, so a test sets a field
(``faults.rate_limit_next = 2``) and the very next requests obey it. The ``*_next`` counters
are used up one request at a time; ``fail_after_accept`` is used up by one accepted order.
What was injected is counted (``injected()``), so a test can tell a fault from a bug.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

CountedFault = Literal[
    "rate_limit_next", "ban_next", "server_error_next", "refuse_order_next"
]


class AfterAccept(StrEnum):
    """How an order request fails *after* the order was accepted and executed."""

    HTTP_503 = "http_503"
    """Answered ``503 Service Unavailable`` (ccxt: ExchangeNotAvailable)."""
    HTTP_504 = "http_504"
    """Answered ``504 Gateway Timeout`` (ccxt: RequestTimeout)."""
    DROP = "drop"
    """The connection is closed without any reply (ccxt: NetworkError)."""


@dataclass(frozen=True, slots=True)
class InjectedFaults:
    """How many requests each fault has hit so far."""

    rate_limited: int = 0
    banned: int = 0
    server_errors: int = 0
    failed_after_accept: int = 0
    delayed: int = 0
    refused_orders: int = 0


@dataclass
class RestFaults:
    """REST faults, read by the server on every request.

    Attributes:
        rate_limit_next: the next N requests get ``429`` with ``Retry-After`` and ``-1003``.
        retry_after_seconds: the ``Retry-After`` value of a 429.
        ban_next: the next N requests get ``418`` (an IP ban) with ``Retry-After``.
        ban_seconds: the ``Retry-After`` value of a 418 (Binance: 2 minutes to 3 days).
        server_error_next: the next N requests get ``server_error_status`` and no JSON
            body, like Binance's gateway.
        server_error_status: 500, 502, 503 or 504.
        refuse_order_next: the next N regular order POSTs (``/fapi/v1/order``) are refused
            with ``refusal_code`` before anything is executed, as Binance refuses an order
            whose quantity or price breaks a filter (-4005, -1013, -1111...).
        refusal_code: the Binance code of such a refusal (``-4005`` by default).
        fail_after_accept: the next order POST (``order`` or ``algoOrder``) that is
            accepted is executed, then answered this way; ``None`` = off. One-shot.
        timestamp_skew_ms: added to the server's clock, so signed requests look stale
            (positive) or early (negative) and get ``-1021``; ``/time`` shows it too.
        latency_seconds: every request waits this long before it is handled.
    """

    rate_limit_next: int = 0
    retry_after_seconds: int = 1
    ban_next: int = 0
    ban_seconds: int = 120
    server_error_next: int = 0
    server_error_status: int = 503
    refuse_order_next: int = 0
    refusal_code: int = -4005
    fail_after_accept: AfterAccept | None = None
    timestamp_skew_ms: int = 0
    latency_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _injected: InjectedFaults = field(default_factory=InjectedFaults, repr=False, compare=False)

    def clear(self) -> None:
        """Switch every fault off (the injected counts stay)."""
        with self._lock:
            self.rate_limit_next = 0
            self.ban_next = 0
            self.server_error_next = 0
            self.refuse_order_next = 0
            self.fail_after_accept = None
            self.timestamp_skew_ms = 0
            self.latency_seconds = 0.0

    def injected(self) -> InjectedFaults:
        """A snapshot of what has been injected so far."""
        with self._lock:
            return self._injected

    def take(self, fault: CountedFault) -> bool:
        """Use up one request of ``fault`` if any is left; true when this request gets it."""
        with self._lock:
            left: int = getattr(self, fault)
            if left <= 0:
                return False
            setattr(self, fault, left - 1)
            self._record(fault)
            return True

    def take_fail_after_accept(self) -> AfterAccept | None:
        """The after-accept failure for the order just accepted (then it is off)."""
        with self._lock:
            kind = self.fail_after_accept
            if kind is not None:
                self.fail_after_accept = None
                failed = self._injected.failed_after_accept + 1
                self._injected = replace(self._injected, failed_after_accept=failed)
            return kind

    def record_delay(self) -> None:
        """Count one request held back by ``latency_seconds``."""
        with self._lock:
            self._injected = replace(self._injected, delayed=self._injected.delayed + 1)

    def _record(self, fault: CountedFault) -> None:
        i = self._injected
        if fault == "rate_limit_next":
            self._injected = replace(i, rate_limited=i.rate_limited + 1)
        elif fault == "ban_next":
            self._injected = replace(i, banned=i.banned + 1)
        elif fault == "refuse_order_next":
            self._injected = replace(i, refused_orders=i.refused_orders + 1)
        else:
            self._injected = replace(i, server_errors=i.server_errors + 1)
