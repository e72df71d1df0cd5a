"""The progress bar of long commands: drawn on a terminal, silent when redirected."""

from __future__ import annotations

import io

from rich.console import Console

from bot.cli.views.progress import progress_bar


def test_a_terminal_gets_a_bar_with_the_fraction_done() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80)

    with progress_bar("backtest (simulated time)", console) as advance:
        advance(50, 200)
        console.file.flush()
        drawn = out.getvalue()

    assert "backtest (simulated time)" in drawn
    assert "25%" in drawn


def test_redirected_output_gets_nothing() -> None:
    out = io.StringIO()

    with progress_bar("backtest", Console(file=out, force_terminal=False)) as advance:
        advance(1, 2)

    assert out.getvalue() == ""
