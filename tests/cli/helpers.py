"""Running the real ``bot`` console script as a subprocess."""

from __future__ import annotations

import sys
from pathlib import Path


def bot_command() -> list[str]:
    """The installed ``bot`` script beside this interpreter, else ``python -m bot.cli``."""
    script = Path(sys.executable).parent / "bot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
