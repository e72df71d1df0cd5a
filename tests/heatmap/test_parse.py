"""The edge parser on real payloads rebuilt from the recorded file and on bad frames."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pytest

from bot.heatmap.parse import parse_frame
from tests.conftest import RECORDED_CSV as DATA

FIELDS = ("s", "S", "o", "f", "q", "p", "ap", "X", "l", "z", "T")


def _rows() -> list[list[str]]:
    with DATA.open(newline="") as handle:
        return list(csv.reader(handle))


def _event(row: list[str]) -> dict[str, object]:
    order: dict[str, object] = dict(zip(FIELDS, row[:11], strict=True))
    order["s"] = f"{order['s']}USDT" if not str(order["s"]).endswith("USDC") else order["s"]
    order["T"] = int(row[10])
    return {"e": "forceOrder", "E": int(row[10]) + 5, "o": order}


def test_every_recorded_row_parses_as_raw_event() -> None:
    # Arrange
    rows = _rows()
    # Act
    parsed = [parse_frame(json.dumps(_event(row))) for row in rows]
    # Assert
    assert len(rows) == 3510
    assert all(p.errors == 0 and len(p.liquidations) == 1 for p in parsed)
    first = parsed[0].liquidations[0]
    assert first.symbol == "LRCUSDT"
    assert first.side == "long"  # S=SELL closes a long
    assert first.price == pytest.approx(0.17057)  # ap, not p
    assert first.quantity == pytest.approx(226)
    assert first.timestamp == datetime(2025, 1, 26, 16, 27, 9, 829000, tzinfo=UTC)


def test_combined_envelope_and_side_mapping() -> None:
    event = _event(["BTC", "BUY", "LIMIT", "IOC", "0.5", "90000", "90100", "FILLED",
                    "0.5", "0.5", "1737908829829", "0"])
    frame = json.dumps({"stream": "btcusdt@forceOrder", "data": event})
    (liq,) = parse_frame(frame).liquidations
    assert liq.side == "short"
    assert liq.symbol == "BTCUSDT"
    assert liq.notional == pytest.approx(90100 * 0.5)


@pytest.mark.parametrize(
    ("ap", "p", "z", "q", "price", "quantity"),
    [
        ("0", "100", "2", "3", 100.0, 2.0),     # ap zero → p
        ("101", "100", "0", "3", 101.0, 3.0),   # z zero → q
        ("0", "100", "0", "3", 100.0, 3.0),
        ("101.5", "100", "2.5", "3", 101.5, 2.5),
    ],
)
def test_price_and_quantity_fallbacks(
    ap: str, p: str, z: str, q: str, price: float, quantity: float
) -> None:
    order = {"s": "ETHUSDT", "S": "SELL", "q": q, "p": p, "ap": ap, "z": z, "T": 1}
    (liq,) = parse_frame(json.dumps({"e": "forceOrder", "o": order})).liquidations
    assert (liq.price, liq.quantity) == (price, quantity)


def test_mark_price_single_and_array() -> None:
    single = {"e": "markPriceUpdate", "E": 1700000000000, "s": "BTCUSDT", "p": "90000.5"}
    other = {**single, "s": "ETHUSDT", "p": "3000"}
    one = parse_frame(json.dumps({"stream": "btcusdt@markPrice@1s", "data": single}))
    many = parse_frame(json.dumps([single, other]))
    assert one.mark_prices[0].price == 90000.5
    assert [m.symbol for m in many.mark_prices] == ["BTCUSDT", "ETHUSDT"]
    assert many.errors == 0


def test_control_replies_are_flagged_not_errors() -> None:
    for reply in ('{"result":null,"id":1}', '{"result":["btcusdt@forceOrder"],"id":3}',
                  '{"code":2,"msg":"Invalid request","id":4}'):
        parsed = parse_frame(reply)
        assert parsed.control
        assert parsed.errors == 0
        assert not parsed.liquidations


GOOD = {"s": "BTCUSDT", "S": "SELL", "q": "1", "p": "100", "ap": "100", "z": "1", "T": 1}


@pytest.mark.parametrize(
    "frame",
    [
        "",
        "not json",
        "{",
        b"\xff\xfe",
        "null",
        "42",
        '"text"',
        "[]",
        "{}",
        '{"e":"aggTrade","s":"BTCUSDT"}',
        '{"e":"forceOrder"}',
        '{"e":"forceOrder","o":[]}',
        json.dumps({"e": "forceOrder", "o": {**GOOD, "S": "HOLD"}}),
        json.dumps({"e": "forceOrder", "o": {**GOOD, "s": ""}}),
        json.dumps({"e": "forceOrder", "o": {**GOOD, "ap": "abc"}}),
        json.dumps({"e": "forceOrder", "o": {**GOOD, "ap": "0", "p": "0"}}),
        json.dumps({"e": "forceOrder", "o": {**GOOD, "ap": "nan"}}),
        json.dumps({"e": "forceOrder", "o": {**GOOD, "ap": "-5"}}),
        json.dumps({"e": "forceOrder", "o": {**GOOD, "ap": "inf"}}),
        json.dumps({"e": "forceOrder", "o": {**GOOD, "z": "0", "q": "0"}}),
        json.dumps({"e": "forceOrder", "o": {**GOOD, "ap": True}}),
        json.dumps({"e": "forceOrder", "o": {**GOOD, "T": "yesterday"}}),
        json.dumps({"e": "forceOrder", "o": {**GOOD, "T": -5}}),
        json.dumps({"e": "forceOrder", "o": {**GOOD, "T": 1.5}}),
        json.dumps({"e": "forceOrder", "o": {k: v for k, v in GOOD.items() if k != "T"}}),
        json.dumps({"e": "markPriceUpdate", "s": "BTCUSDT", "p": "x", "E": 1}),
        json.dumps({"stream": "x", "data": "garbage"}),
    ],
)
def test_bad_frames_are_counted_never_raised(frame: str | bytes) -> None:
    parsed = parse_frame(frame)
    assert parsed.errors >= 1
    assert not parsed.liquidations
    assert not parsed.mark_prices


def test_array_with_some_bad_elements_keeps_the_good_ones() -> None:
    good = {"e": "markPriceUpdate", "E": 1, "s": "BTCUSDT", "p": "1"}
    parsed = parse_frame(json.dumps([good, {"e": "markPriceUpdate"}, 7]))
    assert len(parsed.mark_prices) == 1
    assert parsed.errors == 2
