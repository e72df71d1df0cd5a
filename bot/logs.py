"""Logging set-up: Rich for people at a terminal, plain lines otherwise; secrets redacted.

The redaction filter is a last line of defence: secrets are never passed to loggers on
purpose, but a library's error text (a request URL, a header dump) might carry one.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

from rich.console import Console
from rich.logging import RichHandler

_REDACTED = "***"
# ccxt and HTTP libraries may echo signed query strings or the API-key header.
_SIGNATURE = re.compile(r"(signature=)[0-9a-fA-F]+")
_API_KEY_HEADER = re.compile(r"(X-MBX-APIKEY['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9]+")
# A user-data listen key reads the account's events: in a socket URL or a request.
_LISTEN_KEY = re.compile(r"(/private/ws/|listenKey['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9_-]+")


class SecretRedactor(logging.Filter):
    """Replaces known secret values, signatures and API-key headers in every record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        """Redact each of ``secrets`` (empty strings ignored)."""
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

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

    On a terminal a Rich handler; otherwise plain ``time level name: message`` lines, so
    logs stay greppable when redirected.
    """
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler: logging.Handler
    if sys.stderr.isatty():
        handler = RichHandler(console=console or Console(stderr=True), show_path=False,
                              rich_tracebacks=False, markup=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    handler.addFilter(SecretRedactor(secrets))
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries' own chatter stays at WARNING unless we debug.
    for noisy in ("websocket", "websockets", "urllib3", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(level if level == "DEBUG" else "WARNING")
