"""The Bybit and OKX parsers, table-driven: sides, units, batches, skips and bad frames."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.heatmap.sources import contract_values, okx_symbol, parse_bybit_frame, parse_okx_frame

T_MS = 1739502302929
WHEN = datetime.fromtimestamp(T_MS / 1000, UTC)


def _bybit(*items: dict[str, object], topic: str = "allLiquidation.BTCUSDT") -> str:
    return json.dumps({"topic": topic, "type": "snapshot", "ts": T_MS + 300, "data": list(items)})


def _bybit_item(side: str = "Sell", symbol: str = "BTCUSDT", v: object = "0.003",
                p: object = "94813.80") -> dict[str, object]:
    return {"T": T_MS, "s": symbol, "S": side, "v": v, "p": p}


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        # Bybit's S is the position side: Buy = a long was liquidated (not Binance's order side).
        (_bybit(_bybit_item("Buy")), [("BTCUSDT", "long", 94813.8, 0.003)]),
        (_bybit(_bybit_item("Sell")), [("BTCUSDT", "short", 94813.8, 0.003)]),
        (_bybit(_bybit_item("Buy", v="2", p="100"), _bybit_item("Sell", v="1.5", p="101")),
         [("BTCUSDT", "long", 100.0, 2.0), ("BTCUSDT", "short", 101.0, 1.5)]),
        # USDC perpetuals and dated futures are not USDT-margined: skipped, not errors.
        (_bybit(_bybit_item(symbol="BTCPERP"), topic="allLiquidation.BTCPERP"), []),
    ],
)
def test_bybit_liquidations(frame: str, expected: list[tuple[str, str, float, float]]) -> None:
    # Act
    parsed = parse_bybit_frame(frame)
    # Assert
    assert parsed.errors == 0
    assert [(x.symbol, x.side, x.price, x.quantity) for x in parsed.liquidations] == expected
    assert all(x.venue == "bybit" and x.timestamp == WHEN for x in parsed.liquidations)


@pytest.mark.parametrize(
    ("frame", "control", "errors", "kept"),
    [
        ('{"success":true,"ret_msg":"","conn_id":"c1","op":"subscribe"}', True, 0, 0),
        ('{"success":true,"ret_msg":"pong","conn_id":"c1","op":"ping"}', True, 0, 0),
        ('{"success":false,"ret_msg":"error:handler not found","op":"subscribe"}', False, 1, 0),
        ("{not json", False, 1, 0),
        ("[1, 2]", False, 1, 0),
        ('{"topic":"tickers.BTCUSDT","data":{}}', False, 1, 0),
        (_bybit(), False, 1, 0),
        (_bybit(_bybit_item("Long")), False, 1, 0),
        (_bybit(_bybit_item(p="n/a"), _bybit_item(v="0.5")), False, 1, 1),
        (_bybit(_bybit_item(v="-1")), False, 1, 0),
        (_bybit(_bybit_item(symbol="BTC USDT")), False, 1, 0),
        (_bybit("not an object"), False, 1, 0),  # type: ignore[arg-type]
    ],
)
def test_bybit_control_and_malformed(frame: str, control: bool, errors: int, kept: int) -> None:
    # Act
    parsed = parse_bybit_frame(frame)
    # Assert
    assert (parsed.control, parsed.errors, len(parsed.liquidations)) == (control, errors, kept)


CT_VAL = {"BTCUSDT": 0.01, "ETHUSDT": 0.1}


def _detail(side: str | None = "sell", pos: str = "long", sz: object = "5",
            px: object = "94813.8") -> dict[str, object]:
    detail: dict[str, object] = {"bkLoss": "0", "bkPx": px, "ccy": "", "posSide": pos, "sz": sz,
                                 "ts": str(T_MS)}
    if side is not None:
        detail["side"] = side
    return detail


def _okx(*items: tuple[str, list[dict[str, object]]]) -> str:
    data = [{"instId": inst, "instFamily": inst[:-5], "instType": "SWAP", "uly": inst[:-5],
             "details": details} for inst, details in items]
    return json.dumps({"arg": {"channel": "liquidation-orders", "instType": "SWAP"},
                       "data": data})


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        # sz is in contracts: 5 × ctVal 0.01 = 0.05 BTC; side sell = a long liquidated.
        (_okx(("BTC-USDT-SWAP", [_detail()])), [("BTCUSDT", "long", 94813.8, 0.05)]),
        (_okx(("BTC-USDT-SWAP", [_detail("buy", "short")])),
         [("BTCUSDT", "short", 94813.8, 0.05)]),
        # Net mode: posSide is "net", the order side decides.
        (_okx(("BTC-USDT-SWAP", [_detail("buy", "net")])), [("BTCUSDT", "short", 94813.8, 0.05)]),
        # No side at all: posSide decides.
        (_okx(("BTC-USDT-SWAP", [_detail(None, "short")])), [("BTCUSDT", "short", 94813.8, 0.05)]),
        # Several instruments and several details per message: every one is taken.
        (_okx(("BTC-USDT-SWAP", [_detail(sz="1"), _detail("buy", "short", sz="3")]),
              ("ETH-USDT-SWAP", [_detail(sz="20", px="3000")])),
         [("BTCUSDT", "long", 94813.8, 0.01), ("BTCUSDT", "short", 94813.8, 0.03),
          ("ETHUSDT", "long", 3000.0, 2.0)]),
        # Coin-margined (-USD-) and USDC swaps are skipped, not errors.
        (_okx(("BTC-USD-SWAP", [_detail()]), ("BTC-USDC-SWAP", [_detail()])), []),
    ],
)
def test_okx_liquidations(frame: str, expected: list[tuple[str, str, float, float]]) -> None:
    # Act
    parsed = parse_okx_frame(frame, CT_VAL)
    # Assert
    assert parsed.errors == 0
    got = [(x.symbol, x.side, x.price, pytest.approx(x.quantity)) for x in parsed.liquidations]
    assert got == expected
    assert all(x.venue == "okx" and x.timestamp == WHEN for x in parsed.liquidations)


def test_okx_keeps_only_wanted_symbols() -> None:
    # Arrange
    frame = _okx(("BTC-USDT-SWAP", [_detail()]), ("ETH-USDT-SWAP", [_detail()]))
    # Act
    parsed = parse_okx_frame(frame, CT_VAL, frozenset({"ETHUSDT"}))
    # Assert
    assert [x.symbol for x in parsed.liquidations] == ["ETHUSDT"]
    assert parsed.errors == 0


@pytest.mark.parametrize(
    ("frame", "control", "errors", "kept"),
    [
        ("pong", True, 0, 0),
        ('{"event":"subscribe","arg":{"channel":"liquidation-orders","instType":"SWAP"},'
         '"connId":"a1"}', True, 0, 0),
        ('{"event":"error","code":"60012","msg":"Invalid request"}', False, 1, 0),
        ("{oops", False, 1, 0),
        ('{"arg":{"channel":"tickers"},"data":[]}', False, 1, 0),
        ('{"arg":{"channel":"liquidation-orders"},"data":[]}', False, 1, 0),
        (_okx(("SOL-USDT-SWAP", [_detail()])), False, 1, 0),  # contract size unknown
        (_okx(("BTC-USDT-SWAP", [_detail(sz="x")]), ("ETH-USDT-SWAP", [_detail()])), False, 1, 1),
        (_okx(("BTC-USDT-SWAP", [_detail(None, "net")])), False, 1, 0),
        (_okx(("BTC-USDT-SWAP", ["detail"])), False, 1, 0),  # type: ignore[list-item]
    ],
)
def test_okx_control_and_malformed(frame: str, control: bool, errors: int, kept: int) -> None:
    # Act
    parsed = parse_okx_frame(frame, CT_VAL)
    # Assert
    assert (parsed.control, parsed.errors, len(parsed.liquidations)) == (control, errors, kept)


def test_contract_values_keep_live_linear_usdt_swaps() -> None:
    # Arrange
    reply = {"code": "0", "data": [
        {"instId": "BTC-USDT-SWAP", "ctVal": "0.01", "ctType": "linear", "settleCcy": "USDT",
         "state": "live"},
        {"instId": "BTC-USD-SWAP", "ctVal": "100", "ctType": "inverse", "settleCcy": "BTC",
         "state": "live"},
        {"instId": "ETH-USDT-SWAP", "ctVal": "0.1", "ctType": "linear", "settleCcy": "USDT",
         "state": "suspend"},
        {"instId": "DOGE-USDT-SWAP", "ctVal": "bad", "ctType": "linear", "settleCcy": "USDT",
         "state": "live"},
    ]}
    # Act / Assert
    assert contract_values(reply) == {"BTCUSDT": 0.01}
    with pytest.raises(ValueError, match="unexpected reply"):
        contract_values({"code": "50011", "msg": "Too Many Requests"})


@pytest.mark.parametrize(
    ("inst_id", "symbol"),
    [("BTC-USDT-SWAP", "BTCUSDT"), ("1000PEPE-USDT-SWAP", "1000PEPEUSDT"),
     ("BTC-USD-SWAP", None), ("BTC-USDT-250328", None), ("-USDT-SWAP", None)],
)
def test_okx_symbol(inst_id: str, symbol: str | None) -> None:
    assert okx_symbol(inst_id) == symbol
