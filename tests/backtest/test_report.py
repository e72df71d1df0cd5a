"""The backtest report on hand-made trades and equity, every figure worked out by hand."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.backtest.chart import DPI, HEIGHT_IN, WIDTH_IN, TradeMarker
from bot.backtest.engine import BacktestRun, EquityPoint
from bot.backtest.report import BacktestReport, build_report
from bot.domain import PositionSide, to_epoch_ms
from bot.journal import EquitySnapshotRecord, TradeMode, TradeRecord, TradeStatus

T0 = datetime(2025, 1, 27, tzinfo=UTC)
RUN_MINUTES = 100
CHART_SIZE = (round(WIDTH_IN * DPI), round(HEIGHT_IN * DPI))


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _trade(symbol: str, entry_min: float, exit_min: float | None, pnl: float | None,
           fees: float, *, side: PositionSide = PositionSide.LONG,
           status: TradeStatus | None = None) -> TradeRecord:
    closed = exit_min is not None
    return TradeRecord(
        id=int(entry_min * 10) + 1, symbol=symbol, side=side, mode=TradeMode.BACKTEST,
        status=status or (TradeStatus.CLOSED if closed else TradeStatus.OPEN),
        entry_time=_at(entry_min), entry_price=100.0, quantity=1.0,
        exit_time=_at(exit_min) if closed else None, exit_price=100.0 if closed else None,
        pnl=pnl, fees=fees, client_order_id=None, exit_reason=None, stop_price=None,
        take_profit_price=None, target_cluster_price=None, target_cluster_side=None,
        target_cluster_strength=None,
    )


def _run(equities: Sequence[float], *, starting_balance: float = 1_000.0,
         symbols: tuple[str, ...] = ("BTCUSDT", "ETHUSDT", "SOLUSDT")) -> BacktestRun:
    step = RUN_MINUTES / max(len(equities) - 1, 1)
    points = tuple(EquityPoint(to_epoch_ms(_at(i * step)), value)
                   for i, value in enumerate(equities))
    return BacktestRun(symbols, to_epoch_ms(T0), to_epoch_ms(_at(RUN_MINUTES)),
                       starting_balance, points, decisions=240, liquidations_fed=1_234,
                       refusals=(("rejected: cooldown", 7),))


def _snapshots(run: BacktestRun) -> list[EquitySnapshotRecord]:
    return [EquitySnapshotRecord(id=i + 1, time=datetime.fromtimestamp(p.time_ms / 1000, UTC),
                                 mode=TradeMode.BACKTEST, equity=p.equity, balance=p.equity,
                                 unrealised_pnl=0.0, open_positions=0)
            for i, p in enumerate(run.equity)]


# Five closed trades and one still open at the end of a 100-minute run:
#   BTCUSDT  +30 (fees 2.0)  0-10 min   |  BTCUSDT -10 (fees 1.0)   5-20 min (overlaps)
#   ETHUSDT  +20 (fees 1.5) 30-40 min   |  ETHUSDT -25 (fees 0.5)  50-55 min
#   SOLUSDT    0 (fees 1.0) 60-70 min   |  SOLUSDT open (fees 0.7) 90 min - end
TRADES = [
    _trade("BTCUSDT", 0, 10, 30.0, 2.0),
    _trade("BTCUSDT", 5, 20, -10.0, 1.0, side=PositionSide.SHORT),
    _trade("ETHUSDT", 30, 40, 20.0, 1.5),
    _trade("ETHUSDT", 50, 55, -25.0, 0.5, side=PositionSide.SHORT),
    _trade("SOLUSDT", 60, 70, 0.0, 1.0),
    _trade("SOLUSDT", 90, None, None, 0.7),
]
# Peak 1030 → 1000 (30, 2.91 %), then peak 1040 → 980 (60, 5.77 %), ending at 1015.
EQUITY = [1_000.0, 1_030.0, 1_020.0, 1_000.0, 1_040.0, 1_015.0, 980.0, 1_015.0]


@pytest.fixture
def report() -> BacktestReport:
    run = _run(EQUITY)
    return build_report(run, TRADES, _snapshots(run))


def test_net_pnl_fees_and_trade_counts_come_from_the_closed_trades(
    report: BacktestReport,
) -> None:
    s = report.summary

    assert s.net_pnl == pytest.approx(30 - 10 + 20 - 25 + 0)  # 15
    assert s.fees == pytest.approx(2.0 + 1.0 + 1.5 + 0.5 + 1.0)  # the open trade's not yet
    assert (s.closed_trades, s.open_trades, s.cancelled_trades) == (5, 1, 0)
    assert (s.wins, s.losses) == (2, 2)  # a trade at exactly 0 is neither


def test_win_rate_and_profit_factor(report: BacktestReport) -> None:
    s = report.summary

    assert s.win_rate == pytest.approx(2 / 5)  # the break-even trade counts as played
    assert s.gross_profit == pytest.approx(50.0)
    assert s.gross_loss == pytest.approx(35.0)
    assert s.profit_factor == pytest.approx(50 / 35)


def test_max_drawdown_is_the_largest_peak_to_trough_fall_in_money_and_percent(
    report: BacktestReport,
) -> None:
    s = report.summary

    assert s.drawdown_source == "equity"
    assert s.max_drawdown == pytest.approx(1_040 - 980)
    assert s.max_drawdown_pct == pytest.approx(60 / 1_040 * 100)  # 5.769 %


def test_exposure_is_the_share_of_the_run_with_any_position_open(
    report: BacktestReport,
) -> None:
    # 0-20 (two overlapping BTC trades), 30-40, 50-55, 60-70 and 90-100 (open to the end):
    # 20 + 10 + 5 + 10 + 10 = 55 minutes of 100
    assert report.exposure_pct == pytest.approx(55.0)
    assert report.symbol_exposure_pct == pytest.approx(
        {"BTCUSDT": 20.0, "ETHUSDT": 15.0, "SOLUSDT": 20.0})


def test_nested_and_touching_positions_count_once_towards_exposure() -> None:
    trades = [_trade("BTCUSDT", 10, 60, 5.0, 0.1),
              _trade("BTCUSDT", 20, 30, 5.0, 0.1),  # inside the first
              _trade("BTCUSDT", 60, 70, 5.0, 0.1),  # starts as the first ends
              _trade("ETHUSDT", 25, 35, 5.0, 0.1)]  # another symbol, same time

    report = build_report(_run([1_000.0, 1_020.0]), trades, [])

    assert report.exposure_pct == pytest.approx(60.0)  # 10-70
    assert report.symbol_exposure_pct == pytest.approx({"BTCUSDT": 60.0, "ETHUSDT": 10.0})


def test_per_symbol_breakdown(report: BacktestReport) -> None:
    rows = {row.symbol: row for row in report.summary.per_symbol}

    assert [row.symbol for row in report.summary.per_symbol] == ["BTCUSDT", "ETHUSDT",
                                                                  "SOLUSDT"]
    btc, eth, sol = rows["BTCUSDT"], rows["ETHUSDT"], rows["SOLUSDT"]
    assert (btc.trades, btc.wins, btc.losses) == (2, 1, 1)
    assert (btc.net_pnl, btc.fees, btc.win_rate) == pytest.approx((20.0, 3.0, 0.5))
    assert btc.profit_factor == pytest.approx(3.0)
    assert (eth.trades, eth.wins, eth.losses) == (2, 1, 1)
    assert (eth.net_pnl, eth.fees, eth.win_rate) == pytest.approx((-5.0, 2.0, 0.5))
    assert eth.profit_factor == pytest.approx(0.8)
    assert (sol.trades, sol.wins, sol.losses, sol.win_rate) == (1, 0, 0, 0.0)
    assert (sol.net_pnl, sol.fees) == pytest.approx((0.0, 1.0))
    assert sol.profit_factor is None  # nothing won, nothing lost


def test_final_equity_and_return_come_from_the_equity_curve(report: BacktestReport) -> None:
    assert report.final_equity == 1_015.0
    assert report.return_pct == pytest.approx(1.5)


def test_the_text_report_shows_every_figure(report: BacktestReport) -> None:
    text = report.to_text()
    lines = text.splitlines()

    assert lines[0] == ("backtest 2025-01-27 00:00:00 → 2025-01-27 01:40:00 UTC, "
                        "BTCUSDT, ETHUSDT, SOLUSDT")
    assert "net PnL              15.00 USDT  (+1.50 %)" in lines
    assert "fees                  6.00 USDT" in lines
    assert "trades                   5  (open at end: 1)" in lines
    assert "win rate            40.0 %" in lines
    assert "profit factor         1.43" in lines
    assert "max drawdown         60.00 USDT  (5.77 %)" in lines
    assert "exposure            55.00 %  (time with a position open)" in lines
    assert "final equity       1015.00 USDT" in lines
    per_symbol = {line.split()[0]: line.split() for line in lines
                  if line.startswith(("BTCUSDT", "ETHUSDT", "SOLUSDT"))}
    assert per_symbol == {
        "BTCUSDT": ["BTCUSDT", "2", "50.0", "%", "20.00", "3.00", "3.00", "20.00%"],
        "ETHUSDT": ["ETHUSDT", "2", "50.0", "%", "-5.00", "2.00", "0.80", "15.00%"],
        "SOLUSDT": ["SOLUSDT", "1", "0.0", "%", "0.00", "1.00", "-", "20.00%"],
    }
    assert "         7  rejected: cooldown" in lines


def test_the_json_report_holds_the_same_figures(report: BacktestReport) -> None:
    figures = json.loads(report.to_json())

    assert figures["period"] == {"from": "2025-01-27T00:00:00+00:00",
                                 "to": "2025-01-27T01:40:00+00:00"}
    assert figures["starting_balance"] == 1_000.0
    assert figures["final_equity"] == pytest.approx(1_015.0)
    assert figures["return_pct"] == pytest.approx(1.5)
    assert figures["exposure_pct"] == pytest.approx(55.0)
    assert figures["per_symbol_exposure_pct"] == pytest.approx(
        {"BTCUSDT": 20.0, "ETHUSDT": 15.0, "SOLUSDT": 20.0})
    assert (figures["decisions"], figures["liquidations"]) == (240, 1_234)
    assert figures["refused_signals"] == {"rejected: cooldown": 7}
    summary = figures["summary"]
    assert summary["net_pnl"] == pytest.approx(15.0)
    assert summary["fees"] == pytest.approx(6.0)
    assert summary["win_rate"] == pytest.approx(0.4)
    assert summary["profit_factor"] == pytest.approx(50 / 35)
    assert summary["max_drawdown"] == pytest.approx(60.0)
    assert [row["symbol"] for row in summary["per_symbol"]] == ["BTCUSDT", "ETHUSDT",
                                                                 "SOLUSDT"]


def test_without_losing_trades_the_profit_factor_is_infinite_and_null_in_json() -> None:
    trades = [_trade("BTCUSDT", 0, 10, 12.0, 1.0), _trade("ETHUSDT", 20, 30, 8.0, 1.0)]

    report = build_report(_run([1_000.0, 1_012.0, 1_020.0]), trades, [])

    assert report.summary.profit_factor == math.inf
    assert report.summary.win_rate == 1.0
    assert "profit factor            ∞" in report.to_text().splitlines()
    figures = json.loads(report.to_json())  # strict JSON: no Infinity
    assert figures["summary"]["profit_factor"] is None
    assert [row["profit_factor"] for row in figures["summary"]["per_symbol"]] == [None, None]


def test_without_equity_snapshots_the_drawdown_follows_the_closed_trades() -> None:
    # cumulative PnL by exit: 0, +30, +20, +40, +15, +15 → peak 40, trough 15
    report = build_report(_run(EQUITY), TRADES, [])

    assert report.summary.drawdown_source == "trades"
    assert report.summary.max_drawdown == pytest.approx(25.0)
    assert report.summary.max_drawdown_pct is None
    assert "max drawdown         25.00 USDT  (- %)" in report.to_text().splitlines()


def test_a_run_without_trades_reports_zeros_and_dashes() -> None:
    report = build_report(_run([1_000.0, 1_000.0]), [], [])

    s = report.summary
    assert (s.closed_trades, s.net_pnl, s.fees, s.max_drawdown) == (0, 0.0, 0.0, 0.0)
    assert (s.win_rate, s.profit_factor) == (None, None)
    assert report.exposure_pct == 0.0
    assert report.symbol_exposure_pct == {}
    text = report.to_text().splitlines()
    assert "win rate                 -" in text
    assert "profit factor            -" in text
    assert report.return_pct == 0.0


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes it all: a corrupt stream fails here
    return image.size


def test_the_equity_chart_png_is_written_and_deterministic(report: BacktestReport,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "equity.png"

    path.write_bytes(report.equity_png())

    assert _png_size(path.read_bytes()) == CHART_SIZE
    assert report.equity_png() == path.read_bytes()  # deterministic


def test_the_chart_marks_every_fill_of_the_journaled_trades(report: BacktestReport) -> None:
    def at(minutes: float) -> int:
        return to_epoch_ms(_at(minutes))

    long, short = PositionSide.LONG, PositionSide.SHORT
    assert report.markers == (
        TradeMarker(at(0), long, "entry"), TradeMarker(at(5), short, "entry"),
        TradeMarker(at(10), long, "exit"), TradeMarker(at(20), short, "exit"),
        TradeMarker(at(30), long, "entry"), TradeMarker(at(40), long, "exit"),
        TradeMarker(at(50), short, "entry"), TradeMarker(at(55), short, "exit"),
        TradeMarker(at(60), long, "entry"), TradeMarker(at(70), long, "exit"),
        TradeMarker(at(90), long, "entry"),  # still open: no exit
    )
    never_filled = _trade("BTCUSDT", 95, None, None, 0.0, status=TradeStatus.CANCELLED)
    assert build_report(report.run, [*TRADES, never_filled], []).markers == report.markers


def test_the_chart_title_holds_the_period_symbols_and_headline_figures(
    report: BacktestReport,
) -> None:
    assert report.chart_title().splitlines() == [
        "backtest 2025-01-27 00:00:00 → 2025-01-27 01:40:00 UTC · BTCUSDT, ETHUSDT, SOLUSDT",
        "net PnL +15.00 USDT (+1.50 %) · 5 trades · win rate 40.0 % · "
        "max drawdown 60.00 USDT (5.77 %)",
    ]
    without_pct = build_report(_run(EQUITY), TRADES, [])  # drawdown from trades: no percent
    assert without_pct.chart_title().endswith("max drawdown 25.00 USDT")


def test_a_long_equity_curve_still_makes_a_png_of_the_same_size() -> None:
    equities = [1_000.0 + math.sin(i / 50) * 20 for i in range(5_000)]

    png = build_report(_run(equities), [], []).equity_png()

    assert _png_size(png) == CHART_SIZE
