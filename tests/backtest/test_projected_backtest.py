"""The backtest with projected levels: recorded open interest fed up to each tick only."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.backtest.runs import BacktestRequest, run_backtest
from bot.domain import to_epoch_ms
from bot.exchange.models import OpenInterest
from bot.journal import TradeMode, create_engine_for, open_journal
from bot.marketdata.open_interest import OpenInterestStore
from bot.marketdata.store import HistoryStore, MarkPoint
from bot.settings import load_settings
from tests.marketdata.conftest import make_store
from tests.marketdata.simdata import START, record_sim_market

SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")


@pytest.fixture(scope="module")
def oi_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An hour of the seeded simulated market with its open interest every 5 minutes."""
    path = tmp_path_factory.mktemp("oi") / "sim.db"
    made = make_store(path)
    record_sim_market(made, seconds=3600, open_interest=OpenInterestStore(made.engine))
    made.engine.dispose()
    return path


def _signals(db: Path, journal: Path, source: str) -> list[tuple[object, ...]]:
    settings = load_settings(None, {"run.symbols": ",".join(SYMBOLS),
                                    "strategy.cluster_source": source,
                                    "heatmap.projection_interval": 60}, env={})
    engine = create_engine_for(f"sqlite:///{db}")
    try:
        run_backtest(settings, HistoryStore(engine), BacktestRequest(SYMBOLS),
                     f"sqlite:///{journal}")
    finally:
        engine.dispose()
    repo = open_journal(f"sqlite:///{journal}")
    return [(s.symbol, s.time, s.direction, s.outcome, s.reason, s.cluster_price)
            for s in repo.list_signals() if s.mode is TradeMode.BACKTEST]


def test_appending_future_open_interest_never_changes_an_earlier_decision(
        oi_db: Path, tmp_path: Path) -> None:
    cut = START + timedelta(minutes=35)
    cut_ms = to_epoch_ms(cut)
    altered = tmp_path / "altered.db"
    shutil.copy(oi_db, altered)
    engine = create_engine_for(f"sqlite:///{altered}")
    # Open interest tripled after the cut, and prices that trade through every level.
    interest = OpenInterestStore(engine)
    for symbol, series in interest.series(SYMBOLS).items():
        interest.add(symbol, [OpenInterest(symbol, cut + timedelta(minutes=5 * i),
                                           float(series.amounts[-1]) * 3, None)
                              for i in range(1, 4)])
    store = HistoryStore(engine)
    marks = store.mark_prices(cut_ms, cut_ms + 1000)
    store.add_mark_prices([MarkPoint(s, cut_ms + 500 + i, float(p.prices[0]) * 1.3)
                           for s, p in marks.items() for i in range(3)])
    engine.dispose()

    base = _signals(oi_db, tmp_path / "base.db", "projected")
    changed = _signals(altered, tmp_path / "changed.db", "projected")

    early = [s for s in base if s[1] < cut]
    assert early  # the check is not vacuous
    assert early == [s for s in changed if s[1] < cut]
    assert base != changed  # the future did change the future
