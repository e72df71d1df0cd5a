"""``bot reconcile``: compare the journal with the exchange and make them agree, on demand.

Registered by ``bot.cli.app``; the work is ``bot.app.live.reconcile`` (the same step that
runs before every live start).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="YAML settings file (default: config/default.yaml).")
]


def reconcile(config: ConfigOption = None) -> None:
    """Reconcile the live journal with the exchange's positions and orders, then exit.

    Orders filled or cancelled while the bot was down are journaled, positions missing
    protection get it, orphan protective orders are cancelled; a difference that cannot be
    resolved is printed and the command exits non-zero. Needs the API keys.
    """
    from bot.app.bootstrap import Resources
    from bot.app.live import build_live_gateway, open_live_journal
    from bot.app.live import reconcile as run_reconcile
    from bot.cli.startup import load
    from bot.clock import utc_now
    from bot.settings import validate_for_live

    settings = load(config, {"run.mode": "live"})
    validate_for_live(settings)
    resources = Resources()
    try:
        journal = open_live_journal(settings.journal.url, utc_now, settings.run.bot_id)
        gateway = build_live_gateway(settings, utc_now, resources.add)
        typer.echo(run_reconcile(gateway, journal, utc_now, settings).render())
    finally:
        resources.close()
