"""One running bot with the dashboard for the whole web test session (starting one costs
seconds); tests that change its state put it back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.helpers import TOKEN, RunningBot, start_bot


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    """``bot run --paper --sim --web`` with ``BOT_WEB__TOKEN`` set, on a free port."""
    running = start_bot(tmp_path_factory.mktemp("web-bot"), env={
        "BOT_WEB__TOKEN": TOKEN,
        # The auth matrix alone sends dozens of refused requests; the limit has its own test.
        "BOT_WEB__CONTROL_RATE_PER_MINUTE": "100000"})
    try:
        yield running
    finally:
        code = running.stop()
        assert code == 0, running.log()[-3000:]
