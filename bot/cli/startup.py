"""What every command does first: settings loaded (logging configured with secrets redacted),
a reading command's refusal of a journal that does not exist, and SIGINT/SIGTERM turned into
an event for commands that wait in the main thread."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

import typer
from rich.console import Console

from bot.journal.db import check_database_url, sqlite_file_path
from bot.logs import configure_logging
from bot.settings import Settings, load_settings

log = logging.getLogger(__name__)


class ShutdownRequest:
    """SIGINT/SIGTERM turned into an event, for commands that wait in the main thread."""

    def __init__(self) -> None:
        """Not yet listening: use as a context manager."""
        self._event = threading.Event()
        self._previous: dict[int, object] = {}

    def __enter__(self) -> ShutdownRequest:
        """Install the handlers."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, lambda _s, _f: self._event.set())
        return self

    def __exit__(self, *_exc: object) -> None:
        """Restore the previous handlers."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]

    def wait(self, timeout: float | None) -> bool:
        """True once a stop was requested; waits at most ``timeout`` seconds (None: forever)."""
        return self._event.wait(timeout)

    def wait_for(self, duration: float) -> None:
        """Wait until a stop is requested or ``duration`` seconds (0: no limit) pass."""
        self.wait(duration if duration > 0 else None)


def terminal_console() -> Console | None:
    """One console for a live view and the log lines, when both streams are a terminal."""
    if sys.stdout.isatty() and sys.stderr.isatty():
        return Console()
    return None


def load(config: Path | None, overrides: Mapping[str, object] | None = None, *,
         console: Console | None = None) -> Settings:
    """Settings from every layer, then logging configured with secrets redacted.

    ``console``: the terminal console a live view will use; log lines go through it too.
    """
    settings = load_settings(config, overrides)
    check_database_url(settings.journal.url, "journal.url")
    secrets = [s.get_secret_value() for s in (settings.exchange.api_key,
                                              settings.exchange.api_secret,
                                              settings.web.token,
                                              settings.notify.telegram_token) if s is not None]
    configure_logging(settings.logging.level, secrets, console=console)
    return settings


def require_existing_journal(url: str) -> None:
    """Stop a command that only reads the journal when its SQLite file does not exist (exit 1,
    one line), so a folder that never ran a bot is not left with an empty database."""
    path = sqlite_file_path(url)
    if path is not None and not path.exists():
        typer.echo(f"error: no journal at {path} (nothing recorded here yet: 'bot run' "
                   "creates it; journal.url or BOT_JOURNAL__URL points elsewhere)", err=True)
        raise typer.Exit(1)
