"""``bot data download-oi``: open interest from the simulator into the store, cached per
period, paged by the gateway."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.domain import to_epoch_ms
from bot.marketdata.open_interest import OpenInterestStore
from bot.sim import SimExchange, utc_now
from tests.marketdata.conftest import make_store

HISTORY = "GET /futures/data/openInterestHist"


@pytest.fixture
def sim() -> Iterator[SimExchange]:
    with SimExchange(clock=utc_now, rng=random.Random(5)) as running:
        yield running


def test_the_command_downloads_open_interest_once(
    sim: SimExchange, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli.app import app

    monkeypatch.setenv("BOT_EXCHANGE__REST_URL", sim.rest.rest_url)
    db = tmp_path / "oi.db"
    now = utc_now()
    end = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    start = end - timedelta(days=3)  # 864 entries: two requests of 500
    args = ["data", "download-oi", "--symbols", "BTCUSDT,ETHUSDT", "--from", start.isoformat(),
            "--to", end.isoformat(), "--db", str(db)]

    first = CliRunner().invoke(app, args)
    second = CliRunner().invoke(app, args)

    assert first.exit_code == 0, first.output
    assert "BTCUSDT: 864 open-interest entries downloaded (1 period(s) fetched), 864 new" in (
        first.output)
    assert second.exit_code == 0, second.output
    assert "ETHUSDT: 0 open-interest entries downloaded (cached), 0 new" in second.output
    assert sim.rest.stats().by_endpoint[HISTORY] == 4  # two pages per symbol, once
    store = make_store(db)
    try:
        series = OpenInterestStore(store.engine).series(["BTCUSDT", "ETHUSDT"])
    finally:
        store.engine.dispose()
    assert sorted(series) == ["BTCUSDT", "ETHUSDT"]
    assert series["BTCUSDT"].times_ms[0] == to_epoch_ms(start)
    assert len(series["BTCUSDT"].times_ms) == 864


def test_the_command_names_a_bad_period(tmp_path: Path) -> None:
    from bot.cli.app import app

    result = CliRunner().invoke(app, ["data", "download-oi", "--symbols", "BTCUSDT",
                                      "--from", "banana", "--db", str(tmp_path / "x.db")])

    assert result.exit_code == 2
    assert "--from" in result.output
