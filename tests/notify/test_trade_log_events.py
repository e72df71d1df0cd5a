"""Which journaled risk events become notifications, through the bot's own ``TradeLog``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx

from bot.app.trade_log import TradeLog
from bot.clock import ManualClock
from bot.journal import TradeMode, open_journal
from bot.notify import Backoff, Notifications, QueuedChannel, WebhookSender
from tests.notify.receiver import Receiver

AT = datetime(2025, 1, 27, 8, tzinfo=UTC)


def test_locks_halts_and_failed_exits_are_announced_pauses_and_rejections_are_not(
        tmp_path: Path) -> None:
    clock = ManualClock(AT)
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.db'}", clock)
    with Receiver() as receiver, httpx.Client(timeout=5) as client:
        notifier = Notifications([QueuedChannel(WebhookSender(client, receiver.url),
                                                backoff=Backoff(0.01, 0.01, 3))], "b", "paper")
        log = TradeLog(journal, TradeMode.PAPER, clock, notifier=notifier)

        log.risk_event("daily_loss_lock", "daily loss limit reached", detail="equity 9000")
        log.risk_event("kill_switch", "kill switch on", detail="operator")
        log.risk_event("kill_switch", "kill switch off", detail="operator")
        log.risk_event("health", "entries paused", detail="stream silent")
        log.risk_event("rejection", "cooldown", symbol="BTCUSDT")
        log.risk_event("halt", "exchange IP ban (HTTP 418)", detail="until 09:00")
        log.risk_event("exit_failed", "stop_loss", symbol="ETHUSDT", detail="timeout")
        notifier.close(5.0)

    sent = [(b["event"], b["kind"]) for b in receiver.bodies()]
    assert sent == [("risk_lock", "daily_loss_lock"), ("risk_lock", "kill_switch"),
                    ("halt", "halt"), ("error", "exit_failed")]
    assert {b["time"] for b in receiver.bodies()} == {AT.isoformat()}
    assert len(journal.list_risk_events()) == 7  # every one journaled as before
