"""``QueuedChannel``: a bounded queue and one thread in front of a sender.

The trading loop only ever ``offer``s (``put_nowait``): a full queue drops its oldest message
(counted and logged), so a dead or slow receiver costs memory up to ``queue_size`` and never
a blocked job. The thread sends in order; a failure is retried after a backoff (1 s doubling
to 60 s by default) up to ``max_attempts`` times, then the message is dropped with a warning.
Nothing raised by a sender ever leaves the thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bot.notify.message import Notification
from bot.notify.notifier import Sender

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Retry policy: ``first`` seconds after the first failure, doubling up to ``cap``."""

    first: float = 1.0
    cap: float = 60.0
    max_attempts: int = 8

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive failures (1 or more)."""
        return float(min(self.cap, self.first * 2 ** (failures - 1)))


class QueuedChannel:
    """Delivers notifications through ``sender`` on its own daemon thread.

    Args:
        sender: the channel's blocking delivery (webhook, Telegram).
        queue_size: messages held at most; the oldest goes when a new one does not fit.
        backoff: waits between attempts and how many attempts a message gets.
        wait: ``wait(seconds)`` returns True when the channel is closing (an ``Event.wait``
            by default; tests may shorten it).
    """

    def __init__(self, sender: Sender, queue_size: int = 1000,
                 backoff: Backoff | None = None,
                 wait: Callable[[float], bool] | None = None) -> None:
        self._sender = sender
        self._queue: queue.Queue[Notification | None] = queue.Queue(maxsize=queue_size)
        self._backoff = backoff or Backoff()
        self._closing = threading.Event()
        self._wait = wait or self._closing.wait
        self.sent = 0
        self.dropped = 0
        self.failures = 0
        self._thread = threading.Thread(target=self._run, name=f"notify-{sender.name}",
                                        daemon=True)
        self._thread.start()

    def offer(self, notification: Notification) -> None:
        """Queue ``notification`` without blocking; drop the oldest one if full."""
        while True:
            try:
                self._queue.put_nowait(notification)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    continue
                self.dropped += 1
                log.warning("%s notifications: queue full, oldest message dropped (%d so far)",
                            self._sender.name, self.dropped)

    def close(self, timeout: float) -> None:
        """Deliver what is queued for up to ``timeout`` seconds, then stop the thread.

        Retries stop waiting at once: a message still failing when the bot stops is lost.
        """
        try:
            self._queue.put(None, timeout=max(timeout, 0.01))
        except queue.Full:
            pass
        self._thread.join(timeout)
        self._closing.set()
        self._thread.join(1.0)

    def _run(self) -> None:
        while True:
            notification = self._queue.get()
            if notification is None:
                return
            self._deliver(notification)

    def _deliver(self, notification: Notification) -> None:
        name = self._sender.name
        for attempt in range(1, self._backoff.max_attempts + 1):
            try:
                self._sender.send(notification)
            except Exception as exc:  # any failure of a channel: retry, never propagate
                self.failures += 1
                # The exception's type and text only: a sender never puts secrets there,
                # and a traceback could hold the request's URL (a token in Telegram's).
                log.warning("%s notification %s failed (attempt %d of %d): %s: %s", name,
                            notification.event, attempt, self._backoff.max_attempts,
                            type(exc).__name__, exc)
                if attempt == self._backoff.max_attempts or self._wait(
                        self._backoff.delay(attempt)):
                    break
            else:
                self.sent += 1
                return
        log.warning("%s notification %s dropped after %d attempts", name,
                    notification.event, attempt)
