"""A throw-away PostgreSQL cluster for the tests: ``initdb`` + ``pg_ctl`` in a temp dir.

The cluster listens on 127.0.0.1 on a free port (no Unix socket), trusts local connections
and runs as an unprivileged user: PostgreSQL refuses to run as root, so when the tests run
as root the data directory is given to ``nobody`` and the server commands run through
``runuser``. Durability is switched off (``fsync=off``): the cluster dies with the session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

_BIN_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin",
             "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/14/bin")
_UNPRIVILEGED = "nobody"
_FAST = ("-c fsync=off -c full_page_writes=off -c synchronous_commit=off "
         "-c max_connections=200 -c shared_buffers=32MB")


def find_bin_dir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are (Debian's versioned dir or ``PATH``), or ``None``."""
    for candidate in (os.environ.get("PG_BIN_DIR"), *_BIN_DIRS):
        if candidate and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    on_path = shutil.which("pg_ctl")
    return None if on_path is None else Path(on_path).parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One cluster: ``start()``, then ``new_database()`` per test, ``stop()`` at the end.

    Args:
        bin_dir: the directory of ``initdb`` and ``pg_ctl``.
        options: server settings passed to ``pg_ctl -o`` (the fast throw-away ones unless
            given; a benchmark passes durable ones).
    """

    def __init__(self, bin_dir: Path, options: str = _FAST) -> None:
        self._bin = bin_dir
        self._options = options
        self._root = Path(tempfile.mkdtemp(prefix="bot-pg-"))
        self.data_dir = self._root / "data"
        self.port = free_port()
        self._user = _UNPRIVILEGED if os.geteuid() == 0 else None
        if self._user is not None:
            shutil.chown(self._root, user=self._user)

    def _run(self, *args: str) -> None:
        command = [str(self._bin / args[0]), *args[1:]]
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        """Create the cluster (first time) and start the server; waits until it accepts."""
        if not self.data_dir.exists():
            self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", "postgres",
                      "-E", "UTF8", "--no-sync", "--no-instructions")
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                   f"-c unix_socket_directories='' {self._options}")
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self._root / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: roll back open transactions; ``immediate``: crash)."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop and start again on the same port and data (a failover as the bot sees it)."""
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop the server if it runs and delete the cluster's files."""
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(self._root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                               dbname="postgres", autocommit=True)

    def new_database(self) -> str:
        """Create an empty database with a fresh name; returns its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def terminate_backends(self, database: str | None = None) -> int:
        """Kill every client connection (of ``database``, or all): what a failover does to
        a client. Returns how many were killed."""
        query = ("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                 "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'")
        with self._admin() as admin:
            if database is None:
                row = admin.execute(query).fetchone()
            else:
                row = admin.execute(query + " AND datname = %s", (database,)).fetchone()
        return int(row[0]) if row else 0  # type: ignore[call-overload]
