"""A real ``bot run --paper --sim --web`` subprocess on a free port, and HTTP helpers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from tests.cli.helpers import bot_command

FAST = Path(__file__).resolve().parents[1] / "app" / "fast_sim.yaml"
TOKEN = "test-dashboard-token-7f3a9c"
_URL = re.compile(r"dashboard at (http://\S+/)")


@dataclass
class RunningBot:
    """A ``bot run`` process with the dashboard on; its log lines collected."""

    process: subprocess.Popen[str]
    url: str
    journal_url: str
    lines: list[str] = field(default_factory=list)

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client on the dashboard (with a Bearer token when given)."""
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10.0)

    def log(self) -> str:
        """Everything logged so far."""
        return "".join(self.lines)

    def stop(self) -> int:
        """SIGTERM, then wait for a clean exit; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)


def _drain(stream: IO[str], lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


def start_bot(tmp: Path, *args: str, env: dict[str, str] | None = None,
              timeout: float = 60.0) -> RunningBot:
    """Start ``bot run --paper --sim --web --web-port 0`` and wait for the dashboard's URL."""
    journal_url = f"sqlite:///{tmp / 'journal.db'}"
    full_env = {**os.environ, "BOT_JOURNAL__URL": journal_url, **(env or {})}
    process = subprocess.Popen(
        [*bot_command(), "run", "--paper", "--sim", "--web", "--web-port", "0",
         "--config", str(FAST), *args],
        env=full_env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    lines: list[str] = []
    assert process.stderr is not None
    threading.Thread(target=_drain, args=(process.stderr, lines), daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _URL.search("".join(lines))
        if found:
            return RunningBot(process, found.group(1), journal_url, lines)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise AssertionError("no dashboard URL logged:\n" + "".join(lines)[-3000:])


def wait_for(predicate: object, timeout: float = 30.0, interval: float = 0.2) -> object:
    """Poll ``predicate()`` until it returns something truthy; that value."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
