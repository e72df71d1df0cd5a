"""What ``bot run`` prints when it stops: each position left open, and where the journal is."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.cli.views.status import stop_report
from bot.domain import MarkPrice, Position, PositionSide

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _position(symbol: str, side: PositionSide, quantity: float, entry: float) -> Position:
    return Position(symbol=symbol, side=side, quantity=quantity, entry_price=entry,
                    stop_price=0.0, take_profit_price=0.0, opened_at=NOW,
                    client_order_id=f"cid-{symbol}", entry_fee=0.1)


def test_one_line_per_open_position_then_the_journal() -> None:
    positions = [_position("BTCUSDT", PositionSide.LONG, 0.01, 90_000.0),
                 _position("ETHUSDT", PositionSide.SHORT, 0.5, 3_000.0)]
    prices = {"BTCUSDT": MarkPrice("BTCUSDT", 90_500.0, NOW)}

    lines = stop_report(positions, prices, "sqlite:///bot-journal.db")

    assert lines == [
        "left open: BTCUSDT long 0.01 @ 90,000 · uPnL +5.00 USDT",
        "left open: ETHUSDT short 0.5 @ 3,000 · uPnL unknown (no mark price)",
        "journal: sqlite:///bot-journal.db (bot journal to review)",
    ]


def test_no_position_left_says_so() -> None:
    assert stop_report([], {}, "postgresql+psycopg://bot:***@db/bot") == [
        "no position left open",
        "journal: postgresql+psycopg://bot:***@db/bot (bot journal to review)",
    ]
