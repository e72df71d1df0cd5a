"""Live start-up from the command line: keys, summary, reconcile, and no secret anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app.live import LiveJournal
from bot.exchange import BinanceGateway
from bot.execution.live.protection import derived_id
from bot.sim import SimExchange
from tests.execution.live.helpers import SYMBOL, entry_id, make_venue, sized

CANARY_KEY = "CANARYKEY" + "k" * 55
CANARY_SECRET = "CANARYSECRET" + "s" * 52
BOT = [sys.executable, "-c", "from bot.cli.app import main; main()"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update({"BOT_EXCHANGE__API_KEY": CANARY_KEY, "BOT_EXCHANGE__API_SECRET": CANARY_SECRET,
                "BOT_LOGGING__LEVEL": "DEBUG", "BOT_JOURNAL__URL": f"sqlite:///{tmp_path}/j.db",
                **extra})
    return env


def _bot(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BOT, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=90, check=False)


def test_live_refuses_without_keys_and_names_them(tmp_path: Path) -> None:
    env = _env(tmp_path)
    del env["BOT_EXCHANGE__API_SECRET"]

    result = _bot(["run", "--live", "--duration", "1"], env, tmp_path)

    assert result.returncode != 0
    assert "BOT_EXCHANGE__API_SECRET" in result.stderr
    assert "BOT_EXCHANGE__API_KEY" not in result.stderr.split("missing:")[1]


@pytest.mark.slow
def test_canary_secrets_appear_nowhere_after_a_debug_live_run_and_a_traceback(
    tmp_path: Path,
) -> None:
    # Arrange: a rehearsal (--live --sim) at DEBUG, then a start that dies on its journal
    # (the path runs through a regular file: one line naming it, no traceback)
    (tmp_path / "not-a-dir").write_text("x")
    broken = _env(tmp_path, BOT_JOURNAL__URL=f"sqlite:///{tmp_path}/not-a-dir/j.db")

    # Act
    run = _bot(["run", "--live", "--sim", "--symbols", SYMBOL, "--duration", "3"],
               _env(tmp_path), tmp_path)
    crash = _bot(["run", "--live", "--sim", "--symbols", SYMBOL, "--duration", "1"], broken,
                 tmp_path)
    shown = _bot(["config", "show"], _env(tmp_path), tmp_path)

    # Assert: the run traded live code, the crash printed its error, no canary anywhere
    assert run.returncode == 0, run.stderr[-2000:]
    assert "LIVE TRADING" in run.stdout
    assert "DEBUG" in run.stderr
    assert crash.returncode == 2
    assert f"error: {tmp_path}/not-a-dir" in crash.stderr
    outputs = [run.stdout, run.stderr, crash.stdout, crash.stderr, shown.stdout, shown.stderr]
    files = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    for canary in (CANARY_KEY, CANARY_SECRET):
        assert not any(canary in text for text in outputs)
        assert not any(canary.encode() in blob for blob in files)


def test_bot_reconcile_places_missing_protection(
    sim: SimExchange, gateway: BinanceGateway, journal: LiveJournal, tmp_path: Path
) -> None:
    # Arrange: a protected position whose stop has disappeared from the exchange
    venue = make_venue(gateway, journal)
    order = sized()
    cid = entry_id(order)
    venue.open_position(order, cid)
    journal.open_trade(_trade_for(order, cid, venue))
    gateway.cancel_order(SYMBOL, derived_id(cid, "sl"), trigger=True)
    described = sim.describe()
    env = _env(tmp_path, BOT_EXCHANGE__API_KEY=str(described["api_key"]),
               BOT_EXCHANGE__API_SECRET=str(described["api_secret"]),
               BOT_EXCHANGE__REST_URL=str(described["rest_url"]),
               BOT_JOURNAL__URL=f"sqlite:///{tmp_path}/journal.db",
               BOT_LOGGING__LEVEL="INFO", BOT_RUN__SYMBOLS=SYMBOL)

    # Act
    result = _bot(["reconcile"], env, tmp_path)

    # Assert
    assert result.returncode == 0, result.stderr[-2000:]
    assert "stop of trade" in result.stdout
    assert "placed" in result.stdout
    open_ids = {o.client_order_id for o in gateway.fetch_open_orders(SYMBOL, trigger=True)}
    assert derived_id(cid, "sl") in open_ids


def _trade_for(order: object, cid: str, venue: object) -> object:
    from bot.journal import NewTrade, TradeMode

    position = venue.position(SYMBOL)  # type: ignore[attr-defined]
    return NewTrade.from_intent(order.intent, mode=TradeMode.LIVE,  # type: ignore[attr-defined]
                                entry_time=position.opened_at, entry_price=position.entry_price,
                                quantity=position.quantity, client_order_id=cid)
