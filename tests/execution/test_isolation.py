"""Paper mode can never send a real order: the paper venue loads no exchange client."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import sys
import bot.execution.paper
loaded = sorted(
    name for name in sys.modules
    if name == "ccxt" or name.startswith(("ccxt.", "bot.exchange"))
)
print(",".join(loaded))
"""


def test_importing_the_paper_venue_loads_no_ccxt_and_no_bot_exchange() -> None:
    # A fresh interpreter: this test process may have loaded ccxt through other tests.
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )

    assert result.stdout.strip() == ""
