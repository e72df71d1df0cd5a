"""``bot data download-prices``: candles from the simulator into the store, cached per period."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.domain import to_epoch_ms
from bot.exchange import BinanceGateway, Candle, ExchangeConfig, build_gateway
from bot.marketdata.candles import POINTS_PER_CANDLE
from bot.marketdata.downloads import aligned_period, download_prices, missing_periods
from bot.marketdata.prices import RecordedMarkPrices
from bot.marketdata.store import HistoryStore
from bot.sim import SimExchange, utc_now
from tests.marketdata.conftest import make_store

KLINES = "GET /fapi/v1/klines"
MINUTE = timedelta(minutes=1)


@pytest.fixture
def sim() -> Iterator[SimExchange]:
    with SimExchange(clock=utc_now, rng=random.Random(5)) as running:
        yield running


@pytest.fixture
def gateway(sim: SimExchange) -> Iterator[BinanceGateway]:
    made = build_gateway(ExchangeConfig(rest_url=sim.rest.rest_url), utc_now)
    yield made
    made.close()


def _klines(sim: SimExchange) -> int:
    return sim.rest.stats().by_endpoint.get(KLINES, 0)


def _hour_ago() -> datetime:
    return utc_now().replace(second=0, microsecond=0) - timedelta(hours=1)


def test_missing_periods_are_what_no_cover_reaches() -> None:
    assert missing_periods([], (0, 10)) == [(0, 10)]
    assert missing_periods([(0, 10)], (2, 8)) == []
    assert missing_periods([(2, 4), (6, 8)], (0, 10)) == [(0, 2), (4, 6), (8, 10)]
    assert missing_periods([(-5, 3), (20, 30)], (0, 10)) == [(3, 10)]


def test_the_period_is_whole_closed_bars() -> None:
    now = datetime.fromisoformat("2025-01-01T10:30:30+00:00")
    start = datetime.fromisoformat("2025-01-01T10:00:20+00:00")

    first, last = aligned_period(start, now + timedelta(hours=1), now, 60_000)

    assert first == to_epoch_ms(datetime.fromisoformat("2025-01-01T10:00:00+00:00"))
    assert last == to_epoch_ms(datetime.fromisoformat("2025-01-01T10:30:00+00:00"))


def test_download_stores_four_prices_per_candle_over_several_pages(
    sim: SimExchange, gateway: BinanceGateway, store: HistoryStore
) -> None:
    end = _hour_ago()
    start = end - 1_600 * MINUTE

    [result] = download_prices(store, gateway, ["BTCUSDT"], "1m", start, end, utc_now())

    assert (result.candles, result.inserted) == (1_600, 1_600 * POINTS_PER_CANDLE)
    assert _klines(sim) == 2
    series = store.mark_prices(to_epoch_ms(start), to_epoch_ms(end))["BTCUSDT"]
    assert len(series.times_ms) == 1_600 * POINTS_PER_CANDLE
    assert store.downloaded_periods("BTCUSDT", "1m") == [(to_epoch_ms(start), to_epoch_ms(end))]


def test_a_second_run_fetches_nothing_and_an_extended_one_only_the_new_part(
    sim: SimExchange, gateway: BinanceGateway, store: HistoryStore
) -> None:
    end = _hour_ago()
    start = end - 120 * MINUTE
    download_prices(store, gateway, ["BTCUSDT", "ETHUSDT"], "1m", start, end, utc_now())
    before = _klines(sim)

    again = download_prices(store, gateway, ["BTCUSDT", "ETHUSDT"], "1m", start, end, utc_now())

    assert _klines(sim) == before
    assert all(r.cached and r.candles == 0 for r in again)

    [wider] = download_prices(store, gateway, ["BTCUSDT"], "1m", start - 30 * MINUTE,
                              end + 20 * MINUTE, utc_now())

    assert wider.fetched == ((to_epoch_ms(start - 30 * MINUTE), to_epoch_ms(start)),
                             (to_epoch_ms(end), to_epoch_ms(end + 20 * MINUTE)))
    assert wider.candles == 50
    assert _klines(sim) == before + 2
    assert store.downloaded_periods("BTCUSDT", "1m") == [
        (to_epoch_ms(start - 30 * MINUTE), to_epoch_ms(end + 20 * MINUTE))]


class _EmptySource:
    """An exchange with no candles in the period (before a listing, say); counts requests."""

    def __init__(self) -> None:
        self.calls = 0

    def fetch_candles(self, symbol: str, timeframe: str, since: datetime,
                      until: datetime) -> list[Candle]:
        self.calls += 1
        return []


def test_a_period_without_candles_is_remembered_too(store: HistoryStore) -> None:
    source = _EmptySource()
    end = _hour_ago()
    download_prices(store, source, ["SOLUSDT"], "1m", end - 10 * MINUTE, end, utc_now(),
                    chunk_bars=4)

    [result] = download_prices(store, source, ["SOLUSDT"], "1m", end - 10 * MINUTE, end,
                               utc_now())

    assert result.cached
    assert source.calls == 3  # the first run only: chunks of 4, 4 and 2 bars
    assert store.counts().mark_prices == 0


def test_the_command_downloads_prices_a_backtest_can_read(
    sim: SimExchange, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli.app import app

    monkeypatch.setenv("BOT_EXCHANGE__REST_URL", sim.rest.rest_url)
    db = tmp_path / "prices.db"
    end = _hour_ago()
    start = end - 90 * MINUTE
    args = ["data", "download-prices", "--symbols", "BTCUSDT,ETHUSDT", "--from",
            start.isoformat(), "--to", end.isoformat(), "--timeframe", "1m", "--db", str(db)]

    first = CliRunner().invoke(app, args)
    second = CliRunner().invoke(app, args)

    assert first.exit_code == 0, first.output
    assert "BTCUSDT 1m: 90 candles downloaded (1 period(s) fetched), 360 new prices" in first.output
    assert second.exit_code == 0, second.output
    assert "ETHUSDT 1m: 0 candles downloaded (cached), 0 new prices" in second.output
    assert _klines(sim) == 2
    store = make_store(db)
    try:
        series = store.mark_prices(to_epoch_ms(start), to_epoch_ms(end))
    finally:
        store.engine.dispose()
    assert sorted(series) == ["BTCUSDT", "ETHUSDT"]
    clock = [to_epoch_ms(end)]
    marks = RecordedMarkPrices(series, lambda: clock[0]).poll()
    assert marks["BTCUSDT"].price == pytest.approx(float(series["BTCUSDT"].prices[-1]))


def test_the_command_refuses_an_unknown_timeframe(tmp_path: Path) -> None:
    from bot.cli.app import app

    result = CliRunner().invoke(app, ["data", "download-prices", "--symbols", "BTCUSDT",
                                      "--from", "2025-01-01", "--timeframe", "7m",
                                      "--db", str(tmp_path / "x.db")])

    assert result.exit_code == 2
    assert "timeframe" in result.output
