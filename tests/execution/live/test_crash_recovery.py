"""Crash anywhere on the order path, restart, reconcile: never a doubled or naked position.

Each round forks a child that restarts the live side (reconciliation first) against one
shared simulator and journal file, takes one step (entry or exit) and SIGKILLs itself at a
random point of the path. Now and then the price runs through the stop between rounds, so
restarts also find positions closed while the bot was down.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app.live import LiveJournal, open_live_journal
from bot.exchange import BinanceGateway, OrderStatus
from bot.execution.live.inflight import InFlightEntries
from bot.execution.live.protection import derived_id
from bot.execution.live.reconcile.reconciler import Reconciler
from bot.journal import TradeMode, upgrade_to_head
from bot.sim import SimExchange
from bot.sim.rest.orders import OrderRequest
from tests.execution.live import crash_driver
from tests.execution.live.helpers import (
    PRICE,
    SYMBOL,
    fast_policy,
    make_gateway,
    move_price,
    utc_now,
)

ROUNDS = 140
ORDER_ENDPOINT = "POST /fapi/v1/order"
LISTEN_KEY_ENDPOINT = "POST /fapi/v1/listenKey"


def _run_child(sim: SimExchange, db: Path, crash_at: str | None, round_no: int, *,
               streamed: bool = False) -> bool:
    """Fork one step (with the user-data stream if ``streamed``); True when the child was
    killed."""
    at = utc_now() + timedelta(seconds=round_no)
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 0
        try:
            crash_driver.step(sim, db, crash_at, at, streamed=streamed)
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0, f"round {round_no} ({crash_at}) failed"
    return False


def _position_size(sim: SimExchange) -> Decimal:
    view = sim.rest.engine.account()
    return sum((abs(p.amount) for p in view.positions if p.symbol == SYMBOL), Decimal(0))


@pytest.mark.slow
def test_sigkill_at_random_points_never_doubles_or_strips_a_position(
    sim: SimExchange, tmp_path: Path
) -> None:
    # Arrange
    db = tmp_path / "journal.db"
    upgrade_to_head(f"sqlite:///{db}")
    rng = random.Random(11)
    kills, largest = 0, Decimal(0)

    # Act
    for n in range(ROUNDS):
        points = crash_driver.EXIT_POINTS if _position_size(sim) else crash_driver.ENTRY_POINTS
        crash_at = rng.choice([*points, None])
        kills += _run_child(sim, db, crash_at, n)
        largest = max(largest, _position_size(sim))
        if n % 15 == 7:  # the stop fires while the bot is down
            move_price(sim, PRICE * 0.95)
            move_price(sim, PRICE)

    # Assert: a last clean restart reconciles; then count what matters
    journal = open_live_journal(f"sqlite:///{db}", utc_now)
    gateway = make_gateway(sim)
    Reconciler(gateway, journal, utc_now, fast_policy()).run()
    report = _audit(sim, journal, gateway)
    print(f"crash test: {ROUNDS} rounds, {kills} SIGKILLs, largest position {largest}, "
          f"{report}")
    assert kills >= 100
    assert largest <= Decimal("0.01")  # never two entries' worth
    assert report["duplicates"] == 0
    assert report["lost_rows"] == 0
    assert report["naked_positions"] == 0
    assert report["journal_mismatch"] == 0


def _audit(sim: SimExchange, journal: LiveJournal, gateway: object) -> dict[str, int]:
    """Compare what the exchange did with what the journal holds."""
    trades = journal.list_trades(mode=TradeMode.LIVE)
    ids: list[str] = []
    for trade in trades:
        ids += [o.client_order_id for o in journal.orders_for_trade(trade.id)
                if o.purpose in ("entry", "exit")]
    found = {cid for cid in set(ids)
             if gateway.fetch_order(SYMBOL, cid) is not None}  # type: ignore[attr-defined]
    sent = sim.rest.stats().by_endpoint.get(ORDER_ENDPOINT, 0)
    open_trades = journal.open_trades(mode=TradeMode.LIVE)
    size = _position_size(sim)
    open_algos = {o.client_order_id for o in gateway.fetch_open_orders(  # type: ignore[attr-defined]
        SYMBOL, trigger=True) if o.status is OrderStatus.OPEN}
    naked = sum(1 for t in open_trades
                if derived_id(t.client_order_id or "", "sl") not in open_algos)
    expected_size = sum(Decimal(str(t.quantity)) for t in open_trades)
    return {
        "orders_sent": sent, "orders_journaled": len(found),
        "duplicates": max(0, sent - len(found)), "lost_rows": max(0, len(found) - sent),
        "naked_positions": naked + (1 if size and not open_trades else 0),
        "journal_mismatch": int(size != expected_size),
        "trades": len(trades),
    }



OUTSIDE_ROUNDS = 60
OUTSIDE_EVENTS = ("cancel_stop", "grow", "shrink", "close_by_hand", "ban", None)


def _outside(sim: SimExchange, event: str | None) -> None:
    """Something done to the account outside the bot, straight in the simulator's engine
    (not over HTTP: the audit counts the bot's own order requests)."""
    engine = sim.rest.engine
    held = _signed_size(sim)
    if event == "ban":
        sim.rest.faults.ban_seconds = 1
        sim.rest.faults.ban_next = 1
    elif event == "cancel_stop":
        for algo in engine.open_algos(SYMBOL):
            if algo.client_id.endswith("-sl"):
                engine.cancel_algo(SYMBOL, None, algo.client_id)
    elif held and event in ("grow", "shrink", "close_by_hand"):
        amount = {"grow": Decimal("0.005"), "shrink": Decimal("0.004")}.get(event, abs(held))
        same = event == "grow"
        buy = (held > 0) == same
        engine.place(OrderRequest(SYMBOL, "BUY" if buy else "SELL", "MARKET", amount,
                                  reduce_only=not same))


def _signed_size(sim: SimExchange) -> Decimal:
    view = sim.rest.engine.account()
    return sum((p.amount for p in view.positions if p.symbol == SYMBOL), Decimal(0))


def _covered(sim: SimExchange) -> bool:
    """Whether the exchange's position (if any) has a stop on its closing side."""
    held = _signed_size(sim)
    if not held:
        return True
    closing = "SELL" if held > 0 else "BUY"
    return any(a.order_type == "STOP_MARKET" and a.side == closing
               and (a.close_position or a.quantity >= abs(held))
               for a in sim.rest.engine.open_algos(SYMBOL))


def _restore(sim: SimExchange, journal: LiveJournal) -> None:
    """The trader puts the exchange back to what the journal holds (journal and exchange
    agree again), as an outside change calls for; an entry still in flight is left to
    reconciliation."""
    if InFlightEntries(journal).all():
        return
    expected = sum((Decimal(str(t.quantity)) * t.side.sign
                    for t in journal.open_trades(mode=TradeMode.LIVE)), Decimal(0))
    delta = expected - _signed_size(sim)
    if delta:
        reduce_only = abs(expected) < abs(_signed_size(sim))
        sim.rest.engine.place(OrderRequest(SYMBOL, "BUY" if delta > 0 else "SELL", "MARKET",
                                           abs(delta), reduce_only=reduce_only))


def _shared_journal(sim: SimExchange, tmp_path: Path) -> tuple[Path, LiveJournal,
                                                                 BinanceGateway]:
    """The journal file every round's child shares (migrated), opened here too, and a
    gateway of this process."""
    db = tmp_path / "journal.db"
    upgrade_to_head(f"sqlite:///{db}")
    return db, open_live_journal(f"sqlite:///{db}", utc_now), make_gateway(sim)


def _restart_and_check(sim: SimExchange, journal: LiveJournal,
                       gateway: BinanceGateway) -> tuple[int, int]:
    """A killed bot restarts and reconciles at once (the next start's first step); then
    (1 if the exchange's position lacks a stop, 1 if journal and exchange disagree)."""
    Reconciler(gateway, journal, utc_now, fast_policy()).run()
    return int(not _covered(sim)), _audit(sim, journal, gateway)["journal_mismatch"]


@pytest.mark.slow
def test_sigkill_rounds_with_outside_changes_keep_every_position_protected(
    sim: SimExchange, tmp_path: Path
) -> None:
    # Arrange
    db, journal, gateway = _shared_journal(sim, tmp_path)
    rng = random.Random(23)
    kills, uncovered, disagreed = 0, 0, 0
    seen: dict[str, int] = {}

    # Act: an outside change, then a restart that may be killed anywhere on its path
    for n in range(OUTSIDE_ROUNDS):
        event = rng.choice(OUTSIDE_EVENTS)
        seen[str(event)] = seen.get(str(event), 0) + 1
        _outside(sim, event)
        points = crash_driver.EXIT_POINTS if _position_size(sim) else crash_driver.ENTRY_POINTS
        kills += _run_child(sim, db, rng.choice([*points, None]), n)
        if event == "ban":
            time.sleep(1.1)  # the ban's end
        _restore(sim, journal)
        naked, mismatched = _restart_and_check(sim, journal, gateway)
        uncovered, disagreed = uncovered + naked, disagreed + mismatched

    # Assert
    Reconciler(gateway, journal, utc_now, fast_policy()).run()
    report = _audit(sim, journal, gateway)
    print(f"outside-change rounds: {OUTSIDE_ROUNDS} rounds, {kills} SIGKILLs, events {seen}, "
          f"{report}")
    assert kills >= 30
    assert uncovered == 0
    assert disagreed == 0
    assert report["duplicates"] == 0
    assert report["naked_positions"] == 0


STREAM_ROUNDS = 40
STREAM_FAULTS = ("stream_drops", "key_expires", None)


def _expire_key_soon(sim: SimExchange, delay: float) -> threading.Thread:
    """Let the child's listen key run out ``delay`` seconds into its step (the simulator
    lives in this process), and tick the price so the stream announces it."""
    def expire() -> None:
        time.sleep(delay)
        sim.rest.listen_keys.expire_now()
        move_price(sim, PRICE)

    thread = threading.Thread(target=expire, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
def test_sigkill_rounds_with_the_user_stream_dropping_and_its_key_expiring(
    sim: SimExchange, tmp_path: Path
) -> None:
    # Arrange
    rng, largest, seen = random.Random(29), Decimal(0), dict.fromkeys(map(str, STREAM_FAULTS), 0)
    db, journal, gateway = _shared_journal(sim, tmp_path)
    kills = uncovered = disagreed = 0

    # Act: each restart runs the user-data stream, which drops or loses its key meanwhile
    for n in range(STREAM_ROUNDS):
        fault = rng.choice(STREAM_FAULTS)
        seen[str(fault)] += 1
        expiring = None
        if fault == "stream_drops":
            sim.faults.close_every_messages = 1  # every connection dropped after one frame
            sim.faults.abrupt_close = rng.random() < 0.5
        elif fault == "key_expires":
            expiring = _expire_key_soon(sim, rng.uniform(0.0, 0.3))
        points = crash_driver.EXIT_POINTS if _position_size(sim) else crash_driver.ENTRY_POINTS
        kills += _run_child(sim, db, rng.choice([*points, None]), n, streamed=True)
        if expiring is not None:
            expiring.join()
        sim.faults.clear()
        largest = max(largest, _position_size(sim))
        naked, mismatched = _restart_and_check(sim, journal, gateway)
        uncovered, disagreed = uncovered + naked, disagreed + mismatched

    # Assert
    Reconciler(gateway, journal, utc_now, fast_policy()).run()
    report = _audit(sim, journal, gateway)
    drops = sim.server.stats().fault_closes
    keys = sim.rest.stats().by_endpoint.get(LISTEN_KEY_ENDPOINT, 0)
    print(f"user-stream rounds: {STREAM_ROUNDS} rounds, {kills} SIGKILLs, faults {seen}, "
          f"{drops} stream connections dropped, {keys} listen keys asked for, "
          f"largest position {largest}, {report}")
    assert drops > 0  # the faults took effect: streams were cut and keys renewed
    assert keys > STREAM_ROUNDS
    assert kills >= 20
    assert largest <= Decimal("0.01")  # never two entries' worth
    assert uncovered == 0
    assert disagreed == 0
    assert report["duplicates"] == 0
    assert report["lost_rows"] == 0
    assert report["naked_positions"] == 0
    assert report["journal_mismatch"] == 0
