"""One ``bot run`` per journal: the lock row, its heartbeat, and taking over a dead bot's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.run_lock import LOCK_KEY, AlreadyRunning, ApiKeyLock, RunLock, key_fingerprint
from bot.clock import utc_now
from bot.journal import JournalRepository, open_journal
from tests.cli.helpers import bot_command

FAST = Path(__file__).with_name("fast_sim.yaml")


@pytest.fixture
def journal(tmp_path: Path) -> JournalRepository:
    return open_journal(f"sqlite:///{tmp_path / 'journal.db'}")


def _holder(pid: int, host: str, heartbeat: datetime) -> str:
    return json.dumps({"pid": pid, "host": host, "started_at": "2026-01-02T03:04:05+00:00",
                       "heartbeat_at": heartbeat.isoformat(), "token": "t"})


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_second_holder_is_refused_naming_the_first(journal: JournalRepository) -> None:
    first = RunLock(journal, utc_now, where="j.db")
    first.acquire()
    try:
        with pytest.raises(AlreadyRunning) as refused:
            RunLock(journal, utc_now, where="j.db").acquire()
    finally:
        first.release()

    assert f"pid {os.getpid()} on host " in str(refused.value)
    assert "another bot is running on the journal j.db" in str(refused.value)
    assert journal.get_state(LOCK_KEY) is None  # released


def test_a_lock_of_a_dead_process_on_this_host_is_taken_over_at_once(
        journal: JournalRepository) -> None:
    import socket

    journal.set_state(LOCK_KEY, _holder(_dead_pid(), socket.gethostname(), utc_now()))
    lock = RunLock(journal, utc_now, where="j.db")

    lock.acquire()

    assert json.loads(journal.get_state(LOCK_KEY) or "{}")["pid"] == os.getpid()
    lock.release()


@pytest.mark.parametrize(("age_seconds", "taken"), [(5.0, False), (60.0, True)])
def test_a_lock_from_another_host_is_stale_once_its_heartbeat_is_old(
        journal: JournalRepository, age_seconds: float, taken: bool) -> None:
    journal.set_state(LOCK_KEY, _holder(1, "elsewhere",
                                        datetime.now(UTC) - timedelta(seconds=age_seconds)))
    lock = RunLock(journal, utc_now, where="j.db", stale_after_seconds=20.0)

    if taken:
        lock.acquire()
        lock.release()
    else:
        with pytest.raises(AlreadyRunning, match="pid 1 on host elsewhere, started 2026-01-02"):
            lock.acquire()


def test_the_holder_refreshes_its_heartbeat(journal: JournalRepository) -> None:
    lock = RunLock(journal, utc_now, where="j.db", heartbeat_seconds=0.05)
    lock.acquire()
    first = json.loads(journal.get_state(LOCK_KEY) or "{}")["heartbeat_at"]
    time.sleep(0.3)
    later = json.loads(journal.get_state(LOCK_KEY) or "{}")["heartbeat_at"]
    lock.release()

    assert later > first


def test_compare_and_set_refuses_a_changed_value(journal: JournalRepository) -> None:
    assert journal.replace_state("k", None, "a")
    assert not journal.replace_state("k", None, "b")
    assert not journal.replace_state("k", "x", "b")
    assert journal.replace_state("k", "a", None)
    assert journal.get_state("k") is None


@pytest.mark.slow
def test_second_bot_run_is_refused_and_a_killed_bot_does_not_block(tmp_path: Path) -> None:
    env = {**os.environ, "BOT_JOURNAL__URL": f"sqlite:///{tmp_path / 'journal.db'}"}
    command = [*bot_command(), "run", "--paper", "--sim", "--config", str(FAST)]
    first = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        journal = open_journal(env["BOT_JOURNAL__URL"])
        while journal.get_state(LOCK_KEY) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        second = subprocess.run([*command, "--duration", "5"], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=60, check=False)
        assert second.returncode == 2, second.stderr[-2000:]
        assert ("error: another bot is running on the journal "
                f"{env['BOT_JOURNAL__URL']}: pid {first.pid} on host ") in second.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)

    third = subprocess.run([*command, "--duration", "3"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60, check=False)

    assert third.returncode == 0, third.stderr[-2000:]
    assert "taking over the run lock" in third.stderr
    assert open_journal(env["BOT_JOURNAL__URL"]).get_state(LOCK_KEY) is None


def test_one_live_bot_per_api_key_and_the_key_never_written(tmp_path: Path) -> None:
    first = ApiKeyLock("my-secret-key", tmp_path, utc_now)
    first.acquire()
    try:
        with pytest.raises(AlreadyRunning) as refused:
            ApiKeyLock("my-secret-key", tmp_path, utc_now).acquire()
        other_key = ApiKeyLock("another-key", tmp_path, utc_now)
        other_key.acquire()
        other_key.release()
    finally:
        first.release()
    again = ApiKeyLock("my-secret-key", tmp_path, utc_now)
    again.acquire()  # released: free again
    again.release()

    assert f"fingerprint {key_fingerprint('my-secret-key')}" in str(refused.value)
    assert f"pid {os.getpid()} on host " in str(refused.value)
    assert "my-secret-key" not in str(refused.value)
    assert all("my-secret-key" not in p.name + p.read_text() for p in tmp_path.iterdir())
