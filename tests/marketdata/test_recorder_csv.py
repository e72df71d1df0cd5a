"""The fast recorder-CSV reader gives exactly what the stream's own rules give."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.marketdata import recorder_file_events
from bot.marketdata.importers import HistoryImportError, recorder_events
from bot.marketdata.store import LiquidationEvent
from bot.sim.recorded import read_recorder_csv
from tests.conftest import RECORDED_CSV


def test_every_row_of_the_recording_equals_the_force_order_reading() -> None:
    expected = []
    for order in read_recorder_csv(RECORDED_CSV):
        liq = order.to_liquidation()
        expected.append(LiquidationEvent(liq.symbol, liq.side, order.trade_time_ms, liq.price,
                                         liq.quantity))

    assert list(recorder_events(RECORDED_CSV)) == expected
    assert len(expected) == 3510


def test_the_file_for_replay_is_the_distinct_events_in_time_order() -> None:
    events = recorder_file_events(RECORDED_CSV)

    assert len(events) == len(set(events)) == 1837
    assert [e.time_ms for e in events] == sorted(e.time_ms for e in events)


def test_fill_price_and_filled_quantity_fall_back_to_the_order_when_zero(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("ETH,BUY,LIMIT,IOC,3,2500.5,0,FILLED,0,0,1737908829829,1\n"
                    "BTCUSDC,SELL,LIMIT,IOC,1,100,101,FILLED,1,0.5,1737908829830,1\n",
                    encoding="utf-8")

    assert list(recorder_events(path)) == [
        LiquidationEvent("ETHUSDT", "short", 1737908829829, 2500.5, 3.0),
        LiquidationEvent("BTCUSDC", "long", 1737908829830, 101.0, 0.5),
    ]


@pytest.mark.parametrize(("row", "message"), [
    ("BTC,SELL,LIMIT,IOC,1,100", "expected at least 11 fields"),
    ("BTC,HOLD,LIMIT,IOC,1,100,100,FILLED,1,1,1737908829829", "side must be BUY or SELL"),
    ("BTC,SELL,LIMIT,IOC,1,abc,100,FILLED,1,1,1737908829829", "could not convert"),
    ("BTC,SELL,LIMIT,IOC,1,100,100,FILLED,x,1,1737908829829", "could not convert"),
    ("BTC,SELL,LIMIT,IOC,1,100,nan,FILLED,1,1,1737908829829", "positive numbers"),
    ("BTC,SELL,LIMIT,IOC,1,-5,0,FILLED,1,1,1737908829829", "positive numbers"),
    ("BTC,SELL,LIMIT,IOC,0,100,100,FILLED,0,0,1737908829829", "positive numbers"),
    ("BTC,SELL,LIMIT,IOC,1,100,inf,FILLED,1,1,1737908829829", "positive numbers"),
    ("BTC,SELL,LIMIT,IOC,1,100,100,FILLED,1,1,yesterday", "invalid literal"),
])
def test_a_malformed_row_is_refused_naming_file_and_line(tmp_path: Path, row: str,
                                                         message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"ETH,BUY,LIMIT,IOC,3,2500.5,0,FILLED,0,0,1737908829829,1\n\n{row}\n",
                    encoding="utf-8")

    with pytest.raises(HistoryImportError, match=message) as caught:
        list(recorder_events(path))

    assert str(caught.value).startswith(f"{path}:3: ")
