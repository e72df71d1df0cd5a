"""A paper bot on the built-in simulator, in-process, notifying a real local webhook."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.app.bootstrap import build_bot
from bot.journal import TradeMode, TradeStatus, open_journal
from bot.settings import load_settings
from tests.notify.receiver import Receiver

FAST = Path(__file__).parents[1] / "app" / "fast_sim.yaml"


def _run(tmp_path: Path, webhook_url: str, seconds: float) -> tuple[str, int]:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    settings = load_settings(FAST, overrides={
        "journal.url": url, "notify.webhook_url": webhook_url, "run.bot_id": "bot-7",
        "notify.max_attempts": 2}, env={})
    runner = build_bot(settings, use_sim=True)
    runner.run(duration=seconds, handle_signals=False)
    return url, runner.job_errors


def test_each_journaled_entry_and_exit_is_one_message_with_the_trade(tmp_path: Path) -> None:
    with Receiver() as receiver:
        url, errors = _run(tmp_path, receiver.url + "/hook", 25)
        bodies = receiver.bodies()

    trades = open_journal(url, bot_id="bot-7").list_trades(mode=TradeMode.PAPER)
    closed = [t for t in trades if t.status is TradeStatus.CLOSED]
    assert errors == 0
    assert closed, "the fast simulator should close trades within 25 s"
    entries = [b for b in bodies if b["event"] == "entry"]
    exits = [b for b in bodies if b["event"] == "exit"]
    assert sorted(b["id"] for b in entries) == sorted(t.id for t in trades)
    assert sorted(b["id"] for b in exits) == sorted(t.id for t in closed)
    by_id = {t.id: t for t in trades}
    for body in exits:
        journaled = by_id[body["id"]].to_json_dict()
        assert {k: body[k] for k in journaled} == journaled  # the `bot journal` fields
        assert body["time"] == journaled["exit_time"]  # when it happened
    assert {b["bot_id"] for b in bodies} == {"bot-7"}
    assert {b["mode"] for b in bodies} == {"paper"}
    assert bodies[0]["event"] == "start"
    assert bodies[-1]["event"] == "stop"


@pytest.mark.parametrize("receiver_state", ["down", "slow"])
def test_the_bot_keeps_trading_while_the_webhook_is_down_or_slow(tmp_path: Path,
                                                                 receiver_state: str) -> None:
    if receiver_state == "down":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            webhook = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
        url, errors = _run(tmp_path, webhook, 20)
    else:
        with Receiver(delay=4.0) as receiver:
            url, errors = _run(tmp_path, receiver.url, 20)

    trades = open_journal(url, bot_id="bot-7").list_trades(mode=TradeMode.PAPER)
    assert errors == 0
    assert any(t.status is TradeStatus.CLOSED for t in trades)
