"""The runner in-process on a fast scheduler against a separately started simulator."""

from __future__ import annotations

import random
from pathlib import Path

from bot.app.bootstrap import build_bot
from bot.journal import open_journal
from bot.settings import load_settings
from bot.sim import MarketConfig, SimExchange, utc_now

FAST = Path(__file__).with_name("fast_sim.yaml")


def test_paper_session_journals_signals_and_sends_no_signed_request(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    with SimExchange(clock=utc_now, rng=random.Random(5),
                     market=MarketConfig(time_acceleration=300.0)) as sim:
        settings = load_settings(FAST, overrides={
            "journal.url": url,
            "exchange.ws_url": sim.ws_url,
            "exchange.rest_url": sim.rest_url,
            # Paper mode must not use keys even when the settings hold them.
            "exchange.api_key": sim.credentials.api_key,
            "exchange.api_secret": sim.credentials.api_secret,
        })
        runner = build_bot(settings, use_sim=False)
        runner.run(duration=20, handle_signals=False)
        stats = sim.rest.stats()
    journal = open_journal(url)
    assert runner.job_errors == 0
    assert journal.list_signals()
    assert journal.list_equity_snapshots()
    assert stats.signed.total == 0
    assert stats.by_endpoint  # it did talk to the simulator: public mark prices
    assert sum(stats.by_endpoint.values()) >= 10
