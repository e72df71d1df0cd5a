"""uvicorn on its own thread: a clean start and stop with the bot, restarted if it dies.

The listening socket is bound in ``start`` (so a busy port fails the start with ``OSError``
in the caller's thread, and ``port=0`` yields the real port) and kept across restarts. A crash
of the server is logged and the server started again after a pause; trading never notices.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

import uvicorn
from fastapi import FastAPI

log = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 1.0
START_TIMEOUT_SECONDS = 10.0


class WebServer:
    """Serves ``app`` on ``host:port`` from a daemon thread."""

    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        """Nothing listens until ``start``."""
        self._app = app
        self._host = host
        self._port = port
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.restarts = 0

    @property
    def url(self) -> str:
        """The dashboard's address (``http://host:port/``)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}/"

    @property
    def port(self) -> int:
        """The bound port (the real one once started with port 0)."""
        if self._socket is not None:
            return int(self._socket.getsockname()[1])
        return self._port

    def start(self) -> None:
        """Bind, start serving, and wait until the server accepts connections.

        Raises:
            OSError: the address cannot be bound (port in use, no such address).
            RuntimeError: the server did not come up within 10 s.
        """
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self._stopping.clear()
        self._thread = threading.Thread(target=self._supervise, name="web-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not (self._server is not None and self._server.started):
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the web server did not start within 10 s")
            time.sleep(0.02)
        log.info("dashboard at %s", self.url)

    def stop(self) -> None:
        """Stop serving (open event streams are cut after 1 s) and release the port."""
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            if self._thread.is_alive():
                log.warning("web server thread still running after 5 s")
            self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _supervise(self) -> None:
        """Run the server until stopped; restart it whenever it ends on its own."""
        while not self._stopping.is_set():
            self._server = uvicorn.Server(uvicorn.Config(
                self._app, log_level="warning", access_log=False, lifespan="on",
                timeout_graceful_shutdown=1, log_config=None,
            ))
            sock = self._socket
            if sock is None:  # stopped between two runs
                return
            try:
                # uvicorn closes the sockets it serves on at its end: give it a duplicate so
                # the bound port stays ours for the next run.
                self._server.run(sockets=[sock.dup()])
            except BaseException:  # uvicorn raises SystemExit on some failures; keep trading
                log.exception("web server crashed")
            if self._stopping.is_set():
                return
            self.restarts += 1
            log.error("web server stopped unexpectedly: restarting in %g s (restart %d)",
                      RESTART_PAUSE_SECONDS, self.restarts)
            self._stopping.wait(RESTART_PAUSE_SECONDS)
