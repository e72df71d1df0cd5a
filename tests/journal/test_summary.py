"""Summary arithmetic, table-driven: pure functions, no database."""

from __future__ import annotations

import json
import math
from datetime import timedelta

import pytest

from bot.domain import PositionSide
from bot.journal import (
    EquitySnapshotRecord,
    TradeMode,
    TradeRecord,
    TradeStatus,
    summarize,
)
from bot.journal.summary import max_drawdown, profit_factor

from .builders import T0


def trade(
    pnl: float | None,
    *,
    symbol: str = "BTCUSDT",
    status: TradeStatus = TradeStatus.CLOSED,
    fees: float = 0.0,
    hour: int = 0,
) -> TradeRecord:
    """A trade entered at T0 + ``hour`` hours and (when closed) exited 30 minutes later."""
    entry = T0 + timedelta(hours=hour)
    closed = status is TradeStatus.CLOSED
    return TradeRecord(
        id=hour + 1,
        symbol=symbol,
        side=PositionSide.LONG,
        mode=TradeMode.PAPER,
        status=status,
        entry_time=entry,
        entry_price=100.0,
        quantity=1.0,
        exit_time=entry + timedelta(minutes=30) if closed else None,
        exit_price=100.0 if closed else None,
        pnl=pnl,
        fees=fees,
        client_order_id=None,
        exit_reason=None,
        stop_price=None,
        take_profit_price=None,
        target_cluster_price=None,
        target_cluster_side=None,
        target_cluster_strength=None,
    )


def closed_trades(*pnls: float) -> list[TradeRecord]:
    return [trade(pnl, hour=i) for i, pnl in enumerate(pnls)]


def snapshots(*equities: float) -> list[EquitySnapshotRecord]:
    return [
        EquitySnapshotRecord(
            id=i + 1,
            time=T0 + timedelta(minutes=i),
            mode=TradeMode.PAPER,
            equity=equity,
            balance=equity,
            unrealised_pnl=0.0,
            open_positions=0,
        )
        for i, equity in enumerate(equities)
    ]


@pytest.mark.parametrize(
    ("pnls", "win_rate", "factor", "net", "wins", "losses"),
    [
        pytest.param([], None, None, 0.0, 0, 0, id="no trades"),
        pytest.param([10.0, -5.0], 0.5, 2.0, 5.0, 1, 1, id="one of each"),
        pytest.param([10.0, 20.0], 1.0, math.inf, 30.0, 2, 0, id="no losses: infinite"),
        pytest.param([-4.0, -6.0], 0.0, 0.0, -10.0, 0, 2, id="no wins: zero"),
        pytest.param([0.0, 0.0], 0.0, None, 0.0, 0, 0, id="only break-even: undefined"),
        pytest.param([30.0, -10.0, 0.0, -20.0], 0.25, 1.0, 0.0, 1, 2, id="break-even counts"),
    ],
)
def test_win_rate_profit_factor_and_net(
    pnls: list[float],
    win_rate: float | None,
    factor: float | None,
    net: float,
    wins: int,
    losses: int,
) -> None:
    summary = summarize(closed_trades(*pnls))

    assert summary.win_rate == win_rate
    assert summary.profit_factor == factor
    assert summary.net_pnl == pytest.approx(net)
    assert (summary.closed_trades, summary.wins, summary.losses) == (len(pnls), wins, losses)


@pytest.mark.parametrize(
    ("curve", "amount", "pct"),
    [
        pytest.param([], 0.0, None, id="empty"),
        pytest.param([100.0, 110.0, 120.0], 0.0, 0.0, id="only up"),
        pytest.param([100.0, 80.0, 120.0, 90.0, 130.0], 30.0, 25.0, id="deepest of two"),
        pytest.param([100.0, 50.0, 200.0, 140.0], 60.0, 50.0, id="amount and pct differ"),
        pytest.param([0.0, -10.0, 5.0, -3.0], 10.0, 160.0, id="pnl curve from zero"),
    ],
)
def test_max_drawdown(curve: list[float], amount: float, pct: float | None) -> None:
    got_amount, got_pct = max_drawdown(curve)

    assert got_amount == pytest.approx(amount)
    assert got_pct == (None if pct is None else pytest.approx(pct))


@pytest.mark.parametrize(
    ("gross_profit", "gross_loss", "expected"),
    [(0.0, 0.0, None), (5.0, 0.0, math.inf), (0.0, 5.0, 0.0), (9.0, 3.0, 3.0)],
)
def test_profit_factor(gross_profit: float, gross_loss: float, expected: float | None) -> None:
    assert profit_factor(gross_profit, gross_loss) == expected


def test_drawdown_comes_from_equity_when_snapshots_exist() -> None:
    summary = summarize(closed_trades(-50.0, 10.0), snapshots(1000.0, 1200.0, 900.0, 1100.0))

    assert summary.drawdown_source == "equity"
    assert summary.max_drawdown == pytest.approx(300.0)
    assert summary.max_drawdown_pct == pytest.approx(25.0)


def test_drawdown_falls_back_to_the_closed_trade_pnl_curve() -> None:
    # Cumulative: 0 → -5 → 15 → 5 → -10 → 0: worst fall is from 15 to -10.
    summary = summarize(closed_trades(-5.0, 20.0, -10.0, -15.0, 10.0))

    assert summary.drawdown_source == "trades"
    assert summary.max_drawdown == pytest.approx(25.0)
    assert summary.max_drawdown_pct is None


def test_trade_curve_is_ordered_by_exit_time_not_input_order() -> None:
    trades = closed_trades(10.0, -30.0, 25.0)

    summary = summarize(reversed(trades))

    assert summary.max_drawdown == pytest.approx(30.0)


def test_open_and_cancelled_trades_are_counted_not_scored() -> None:
    trades = [
        trade(12.0, fees=1.0, hour=0),
        trade(None, status=TradeStatus.OPEN, fees=0.5, hour=1),
        trade(None, status=TradeStatus.CANCELLED, hour=2),
    ]

    summary = summarize(trades)

    assert (summary.closed_trades, summary.open_trades, summary.cancelled_trades) == (1, 1, 1)
    assert (summary.net_pnl, summary.fees, summary.expectancy) == (12.0, 1.0, 12.0)
    assert summary.drawdown_source == "trades"


def test_per_symbol_breakdown() -> None:
    trades = [
        trade(10.0, symbol="ETHUSDT", fees=0.2, hour=0),
        trade(-4.0, symbol="BTCUSDT", fees=0.1, hour=1),
        trade(6.0, symbol="BTCUSDT", fees=0.1, hour=2),
    ]

    rows = summarize(trades).per_symbol

    assert [r.symbol for r in rows] == ["BTCUSDT", "ETHUSDT"]
    assert (rows[0].trades, rows[0].wins, rows[0].losses, rows[0].win_rate) == (2, 1, 1, 0.5)
    assert rows[0].net_pnl == pytest.approx(2.0)
    assert rows[0].fees == pytest.approx(0.2)
    assert rows[0].profit_factor == pytest.approx(1.5)
    assert (rows[1].net_pnl, rows[1].profit_factor) == (10.0, math.inf)


def test_summary_json_is_strict_json() -> None:
    summary = summarize(closed_trades(5.0, 7.0))

    text = json.dumps(summary.to_json_dict(), allow_nan=False)

    document = json.loads(text)
    assert document["profit_factor"] is None  # infinite: JSON has no infinity
    assert document["per_symbol"][0]["symbol"] == "BTCUSDT"
    assert document["win_rate"] == 1.0
