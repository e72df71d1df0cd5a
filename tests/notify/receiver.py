"""Test helper: a real HTTP server on 127.0.0.1 that records the JSON bodies POSTed to it.

It can answer with an error status for the first requests, be slow, or be stopped and
started again on the same port (a receiver that is down for a while).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class Receiver:
    """Records ``(path, body)`` of every POST; ``fail_first`` requests get HTTP 500."""

    def __init__(self, *, fail_first: int = 0, delay: float = 0.0,
                 answer: dict[str, Any] | None = None) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.fail_first = fail_first
        self.delay = delay
        self.answer = answer if answer is not None else {"ok": True}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def bodies(self, event: str | None = None) -> list[dict[str, Any]]:
        """The bodies received (of one ``event``), in arrival order."""
        with self._lock:
            return [b for _, b in self.requests if event is None or b.get("event") == event]

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until ``count`` requests have arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return True
            time.sleep(0.02)
        return False

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(receiver.delay)
                with receiver._lock:
                    failing = receiver.fail_first > 0
                    receiver.fail_first -= 1 if failing else 0
                    if not failing:
                        receiver.requests.append((self.path, body))
                status = 500 if failing else 200
                payload = json.dumps({"ok": False, "description": "boom"} if failing
                                     else receiver.answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
