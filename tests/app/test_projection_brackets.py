"""With keys set the projection prices liquidations by the exchange's own leverage brackets;
without an answer it keeps the shipped tables and says why."""

from __future__ import annotations

import logging
import random

import pytest
from pydantic import SecretStr

from bot.app.bootstrap import Resources, with_simulator_urls
from bot.app.live import live_projection_brackets
from bot.clock import utc_now
from bot.heatmap.projection import DEFAULT_BRACKETS, GENERIC_BRACKETS
from bot.settings import Settings, load_settings
from bot.sim import SimExchange


def live_settings(sim: SimExchange) -> Settings:
    """Live-mode settings pointed at ``sim``, with its keys."""
    settings = load_settings(overrides={"run.mode": "live", "run.symbols": ["BTCUSDT"],
                                        "heatmap.projected": True})
    return with_simulator_urls(settings, sim)


def test_the_exchanges_brackets_replace_the_shipped_ones() -> None:
    resources = Resources()
    with SimExchange(clock=utc_now, rng=random.Random(2)) as sim:
        try:
            tables = live_projection_brackets(live_settings(sim), utc_now, resources.add)
        finally:
            resources.close()
        signed = sim.rest.signed_requests.total

    assert signed == 1
    assert set(tables) >= set(sim.market.symbols) | set(DEFAULT_BRACKETS)
    rate = sim.market.config.maintenance_margin
    assert tables["BTCUSDT"].tiers[0].maint_margin_ratio == pytest.approx(rate)
    assert tables["BTCUSDT"].tiers != DEFAULT_BRACKETS["BTCUSDT"].tiers
    assert tables["BTCUSDT"].tiers != GENERIC_BRACKETS.tiers


def test_refused_keys_leave_the_shipped_brackets_with_a_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    resources = Resources()
    with SimExchange(clock=utc_now, rng=random.Random(2)) as sim:
        settings = live_settings(sim)
        wrong = settings.exchange.model_copy(update={"api_secret": SecretStr("not-the-secret")})
        try:
            with caplog.at_level(logging.WARNING, logger="bot.app.live"):
                tables = live_projection_brackets(settings.model_copy(update={
                    "exchange": wrong}), utc_now, resources.add)
        finally:
            resources.close()

    assert tables is DEFAULT_BRACKETS
    assert "leverage brackets unavailable" in caplog.text
    assert "not-the-secret" not in caplog.text
