"""``bot run --paper --sim`` on a real pseudo-terminal, read back through a terminal emulator.

The status view and the log lines share one console: after 30 s the screen must hold exactly
one status title and one table header, whatever the terminal's size.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pexpect
import pyte
import pytest

from tests.cli.helpers import bot_command

FAST = Path(__file__).parents[1] / "app" / "fast_sim.yaml"


def _screen_after(tmp_path: Path, columns: int, rows: int, seconds: float) -> list[str]:
    """The emulated screen's lines after ``seconds`` of ``bot run --paper --sim``."""
    screen = pyte.Screen(columns, rows)
    stream = pyte.ByteStream(screen)
    env = {**os.environ, "BOT_JOURNAL__URL": f"sqlite:///{tmp_path / 'journal.db'}",
           "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
    command = bot_command()
    child = pexpect.spawn(
        command[0], [*command[1:], "run", "--paper", "--sim", "--config", str(FAST)],
        env=env, cwd=str(tmp_path), dimensions=(rows, columns), timeout=5,
    )
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                stream.feed(child.read_nonblocking(65536, timeout=0.5))
            except pexpect.TIMEOUT:
                continue
        # Then up to a quiet moment: a redraw read half-way (log lines printed, the view not
        # yet drawn again below them) is the reader's timing, not what the user sees.
        settle = time.monotonic() + 5.0
        while time.monotonic() < settle:
            try:
                stream.feed(child.read_nonblocking(65536, timeout=0.3))
            except pexpect.TIMEOUT:
                break
        return list(screen.display)
    finally:
        child.kill(15)
        child.expect(pexpect.EOF, timeout=30)
        child.close()


@pytest.mark.slow
@pytest.mark.parametrize(("columns", "rows"), [(80, 24), (160, 50)])
def test_one_status_view_on_screen_at_any_size(tmp_path: Path, columns: int, rows: int) -> None:
    lines = _screen_after(tmp_path, columns, rows, 30.0)
    text = "\n".join(lines)
    titles = [line for line in lines if "bot run (paper)" in line]
    headers = [line for line in lines if "symbol" in line and "mark" in line]
    assert len(titles) == 1, text
    assert titles[0].strip().startswith("bot run (paper) · stream"), text
    assert len(headers) == 1, text
    assert "Traceback" not in text
