"""The one-screen summary printed before the first live order says what will be traded."""

from __future__ import annotations

from bot.app.live import LiveJournal, live_summary
from bot.exchange import BinanceGateway
from bot.settings import load_settings
from tests.execution.live.helpers import SYMBOL, entry_id, make_venue, sized


def test_the_summary_names_symbols_leverage_limits_balance_and_open_positions(
        gateway: BinanceGateway, journal: LiveJournal) -> None:
    venue = make_venue(gateway, journal)
    venue.open_position(sized(quantity=0.01), entry_id(sized(quantity=0.01)))
    settings = load_settings(None, {
        "run.symbols": SYMBOL, "risk.max_leverage": 2.5, "live.margin_mode": "cross",
        "risk.max_open_positions": 2, "risk.daily_loss_limit_pct": 4,
        "risk.max_total_exposure": 3000, "strategy.stop_loss_pct": 1.5})

    text = live_summary(settings, venue)
    lines = text.splitlines()

    assert "LIVE TRADING" in text
    assert len(lines) <= 24  # one screen
    assert f"symbols      {SYMBOL}" in text
    assert "3x, cross margin, market entries" in text  # leverage rounded up from 2.5
    assert "exposure ≤ 3000 USDT, ≤ 2 positions, daily loss ≤ 4 %" in text
    assert "stop 1.5 %" in text
    balance = next(line for line in lines if line.strip().startswith("balance"))
    assert f"{venue.balance():,.2f} USDT" in balance
    assert f"{SYMBOL} long 0.01" in text
