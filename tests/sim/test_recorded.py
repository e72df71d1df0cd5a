"""Reading the recorder CSV into typed rows and Binance events."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.sim import (
    ForceOrder,
    RecordedRowError,
    force_order_event,
    read_recorder_csv,
    restore_symbol,
)


def test_reads_every_row_in_file_order(recorded_csv: Path) -> None:
    rows = read_recorder_csv(recorded_csv)

    assert len(rows) == 3_510
    assert rows[0] == ForceOrder(
        symbol="LRCUSDT",
        side="SELL",
        order_type="LIMIT",
        time_in_force="IOC",
        quantity=Decimal("226"),
        price=Decimal("0.16815"),
        average_price=Decimal("0.17057"),
        status="FILLED",
        last_filled_quantity=Decimal("226"),
        filled_quantity=Decimal("226"),
        trade_time_ms=1_737_908_829_829,
    )
    assert rows[1].last_filled_quantity == Decimal("510")  # l and z really differ
    assert {row.side for row in rows} == {"BUY", "SELL"}


def test_symbols_get_their_quote_back(recorded_csv: Path) -> None:
    symbols = {row.symbol for row in read_recorder_csv(recorded_csv)}

    assert {"ETHUSDT", "BTCUSDT", "1000PEPEUSDT", "NEIROETHUSDT", "BTCUSDC"} <= symbols
    assert "ETH" not in symbols
    assert all(s.endswith(("USDT", "USDC")) for s in symbols)


@pytest.mark.parametrize(
    ("recorded", "binance"),
    [
        ("ETH", "ETHUSDT"),
        ("1000PEPE", "1000PEPEUSDT"),
        ("BTCUSDC", "BTCUSDC"),
        ("NEIROETH", "NEIROETHUSDT"),
        ("BTCUSDT", "BTCUSDT"),
        ("USDC", "USDCUSDT"),
    ],
)
def test_restore_symbol(recorded: str, binance: str) -> None:
    assert restore_symbol(recorded) == binance


def test_row_becomes_the_exact_binance_event(tmp_path: Path) -> None:
    csv_file = tmp_path / "rows.csv"
    csv_file.write_text(
        "VINE,SELL,LIMIT,IOC,94,0.4037110,0.4124500,FILLED,78,94,1737908855536,37.9,extra\n\n"
    )

    (row,) = read_recorder_csv(csv_file)  # blank lines and trailing columns are ignored

    assert force_order_event(row, event_time_ms=1_737_908_855_600) == {
        "e": "forceOrder",
        "E": 1_737_908_855_600,
        "o": {
            "s": "VINEUSDT",
            "S": "SELL",
            "o": "LIMIT",
            "f": "IOC",
            "q": "94",
            "p": "0.4037110",  # the recorded text, trailing zero and all
            "ap": "0.4124500",
            "X": "FILLED",
            "l": "78",
            "z": "94",
            "T": 1_737_908_855_536,
        },
    }
    liquidation = row.to_liquidation()
    assert (liquidation.side, liquidation.price, liquidation.quantity) == ("long", 0.41245, 94.0)


@pytest.mark.parametrize(
    "line",
    [
        "ETH,SELL,LIMIT,IOC,1,2,3,FILLED,1,1\n",
        "ETH,HOLD,LIMIT,IOC,1,2,3,FILLED,1,1,1737908855536\n",
        "ETH,SELL,LIMIT,IOC,1,abc,3,FILLED,1,1,1737908855536\n",
        "ETH,SELL,LIMIT,IOC,1,2,3,FILLED,1,1,soon\n",
    ],
)
def test_malformed_rows_name_the_line(tmp_path: Path, line: str) -> None:
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("ETH,SELL,LIMIT,IOC,1,2,3,FILLED,1,1,1737908855536\n" + line)

    with pytest.raises(RecordedRowError, match=r"bad\.csv:2:"):
        read_recorder_csv(csv_file)
