"""Logging set-up: Rich for people at a terminal, plain lines otherwise; secrets redacted.

The redaction filter is a last line of defence: secrets are never passed to loggers on
purpose, but a library's error text (a request URL, a header dump) might carry one.

Secrets are replaced by value, whole: a value shorter than ``MIN_SECRET_LENGTH`` is no real
key and is never used as a pattern (replacing every ``a`` in the logs would both ruin them and
reveal the secret), and the settings refuse such a value in the first place. Uncaught
exceptions, in the main thread and in any other, go through the same redaction
(``sys.excepthook`` and ``threading.excepthook``), since their tracebacks bypass logging.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType

from rich.console import Console
from rich.logging import RichHandler

_REDACTED = "***"

MIN_SECRET_LENGTH = 8
"""Shortest value taken as a secret (Binance keys are 64 characters)."""
# ccxt and HTTP libraries may echo signed query strings or the API-key header.
_SIGNATURE = re.compile(r"(signature=)[0-9a-fA-F]+")
_API_KEY_HEADER = re.compile(r"(X-MBX-APIKEY['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9]+")
# A user-data listen key reads the account's events: in a socket URL or a request.
_LISTEN_KEY = re.compile(r"(/private/ws/|listenKey['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9_-]+")


class SecretRedactor(logging.Filter):
    """Replaces known secret values, signatures and API-key headers in every record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        """Redact each of ``secrets`` (values shorter than ``MIN_SECRET_LENGTH`` ignored)."""
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len,
                               reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with secrets replaced; never drops a record."""
        text = record.getMessage()
        clean = self.redact(text)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now so its text is redacted too.
            formatted = logging.Formatter().formatException(record.exc_info)
            clean = f"{clean}\n{self.redact(formatted)}"
            record.exc_info = None
            record.exc_text = None
        if clean != text or record.args:
            record.msg, record.args = clean, None
        return True

    def add(self, secrets: Iterable[str]) -> None:
        """Redact ``secrets`` too from now on (e.g. credentials drawn after start-up)."""
        self._secrets = sorted(
            {*self._secrets, *(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)}, key=len,
            reverse=True)

    def redact(self, text: str) -> str:
        """``text`` with every secret, signature, listen key and API-key header value
        replaced."""
        for secret in self._secrets:
            text = text.replace(secret, _REDACTED)
        text = _SIGNATURE.sub(rf"\g<1>{_REDACTED}", text)
        text = _LISTEN_KEY.sub(rf"\g<1>{_REDACTED}", text)
        return _API_KEY_HEADER.sub(rf"\g<1>{_REDACTED}", text)


def configure_logging(level: str, secrets: Iterable[str] = (), *,
                      console: Console | None = None) -> None:
    """Route the root logger to stderr at ``level`` with secrets redacted.

    On a terminal a Rich handler (on ``console`` when given: a live view sharing that
    console then keeps the log lines above it instead of being overwritten by them);
    otherwise plain ``time level name: message`` lines, so logs stay greppable when
    redirected.
    """
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler: logging.Handler
    if console is not None or sys.stderr.isatty():
        handler = RichHandler(console=console or Console(stderr=True), show_path=False,
                              rich_tracebacks=False, markup=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    redactor = SecretRedactor(secrets)
    handler.addFilter(redactor)
    install_excepthooks(redactor)
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries' own chatter stays at WARNING unless we debug.
    for noisy in ("websocket", "websockets", "urllib3", "apscheduler", "alembic", "httpx",
                  "httpcore"):
        logging.getLogger(noisy).setLevel(level if level == "DEBUG" else "WARNING")


def install_excepthooks(redactor: SecretRedactor) -> None:
    """Print uncaught exceptions (main thread and others) to stderr with secrets redacted."""

    def main_hook(kind: type[BaseException], value: BaseException,
                  tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(redactor.redact(text))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return  # as the default hook: a thread ending itself is no error
        name = args.thread.name if args.thread is not None else "unknown"
        text = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                  args.exc_traceback))
        sys.stderr.write(redactor.redact(f"Exception in thread {name}:\n{text}"))

    sys.excepthook = main_hook
    threading.excepthook = thread_hook
def redact_also(secrets: Iterable[str]) -> None:
    """Add ``secrets`` to the redaction of every handler ``configure_logging`` installed."""
    wanted = list(secrets)
    for handler in logging.getLogger().handlers:
        for redactor in handler.filters:
            if isinstance(redactor, SecretRedactor):
                redactor.add(wanted)


class _SimulatedTime(logging.Filter):
    """Stamps the records of one thread with a simulated clock's time."""

    def __init__(self, clock: Callable[[], datetime], thread: int) -> None:
        super().__init__()
        self._clock = clock
        self._thread = thread

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread == self._thread:
            created = self._clock().timestamp()
            record.created, record.msecs = created, (created % 1) * 1000
        return True


@contextmanager
def stamped_by(clock: Callable[[], datetime]) -> Iterator[None]:
    """Inside the block, log records of this thread carry ``clock``'s time (a backtest's
    simulated clock), so its log lines read as the history they replay."""
    stamp = _SimulatedTime(clock, threading.get_ident())
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(stamp)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(stamp)
