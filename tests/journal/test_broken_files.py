"""A broken journal is one clear line naming it and what to do, exit 2, never a traceback.

Each case is a real file in the state the reliability review left it in: read-only (for root,
who ignores mode bits, an immutable file), on a full disk (a file-size limit in a child
process), stamped by an unknown Alembic revision, with a corrupted page, or not a database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.journal import JournalUnavailable, open_journal, upgrade_to_head
from bot.journal.access import describe_failure
from tests.cli.helpers import bot_command


def _bot(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["BOT_JOURNAL__URL"] = url
    return subprocess.run([*bot_command(), *args], capture_output=True, text=True, timeout=120,
                          env=env, check=False)


def _one_line_exit_2(result: subprocess.CompletedProcess[str], *words: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    """A migrated journal file holding one risk event."""
    path = tmp_path / "journal.db"
    repo = open_journal(f"sqlite:///{path}")
    repo.record_risk_event("health", "entries paused")
    return path


@pytest.fixture
def read_only(journal: Path) -> Iterator[Path]:
    """The journal made read-only: mode 0444, or immutable when running as root."""
    if os.geteuid() != 0:
        journal.chmod(0o444)
        yield journal
        journal.chmod(0o644)
        return
    if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(journal)], capture_output=True, check=False).returncode:
        pytest.skip("running as root without chattr: no way to make a file read-only")
    try:
        yield journal
    finally:
        subprocess.run(["chattr", "-i", str(journal)], check=False)


def test_a_read_only_journal_is_one_line(read_only: Path) -> None:
    line = _one_line_exit_2(_bot(f"sqlite:///{read_only}", "journal"), str(read_only))

    assert "read-only" in line


def test_a_read_only_journal_stops_bot_run_at_start(read_only: Path) -> None:
    result = _bot(f"sqlite:///{read_only}", "run", "--paper", "--sim", "--duration", "1")

    assert "read-only" in _one_line_exit_2(result, str(read_only))


def test_a_full_disk_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "full.db"
    # A file-size limit makes every write past 20 kB fail as a full disk does (EFBIG).
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))\n"
        "from bot.cli.app import main\n"
        "sys.argv = ['bot', 'db', 'upgrade']\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["BOT_JOURNAL__URL"] = f"sqlite:///{path}"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, env=env, check=False)

    assert "disk" in _one_line_exit_2(result, str(path))


def test_an_unknown_revision_is_one_line(journal: Path) -> None:
    with sqlite3.connect(journal) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff1234abcd'")

    line = _one_line_exit_2(_bot(f"sqlite:///{journal}", "journal"), str(journal),
                            "ffff1234abcd")

    assert "newer" in line


def _corrupt_trades_page(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        root = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'trades'").fetchone()[0]
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size:(root - 1) * page_size + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))


def test_a_corrupted_page_is_not_listed_as_a_valid_journal(journal: Path) -> None:
    _corrupt_trades_page(journal)

    line = _one_line_exit_2(_bot(f"sqlite:///{journal}", "journal", "--format", "json"),
                            str(journal))

    assert "corrupt" in line


def test_a_file_that_is_no_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"hello world\n" * 1000)

    line = _one_line_exit_2(_bot(f"sqlite:///{path}", "journal"), str(path))

    assert "not a SQLite database" in line


@pytest.mark.parametrize("url", ["mysql://user:pw@127.0.0.1:1/db", "foo://x",
                                 "oracle+cx://a:b@h/db"])
def test_another_dialect_is_a_config_error_naming_the_key(url: str) -> None:
    line = _one_line_exit_2(_bot(url, "journal"), "journal.url")

    assert "pw" not in line


def test_an_unreachable_server_is_described_in_one_line() -> None:
    # No PostgreSQL server runs in the tests: the driver's refusal is built as it would come.
    error = OperationalError("SELECT 1", {}, Exception(
        'connection failed: connection to server at "127.0.0.1", port 1 failed: '
        "Connection refused\n\tIs the server running on that host?"))

    described = describe_failure("postgresql+psycopg://bot:hunter22@127.0.0.1:1/db", error)

    assert isinstance(described, JournalUnavailable)
    assert "\n" not in str(described)
    assert "hunter22" not in str(described)
    assert "cannot reach the database server" in str(described)
    assert "127.0.0.1:1" in str(described)


def test_the_python_api_raises_journal_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"x" * 5000)

    with pytest.raises(JournalUnavailable, match="not a SQLite database"):
        upgrade_to_head(f"sqlite:///{path}")
