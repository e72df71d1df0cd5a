"""The server's thread (start, stop, restart after a crash) and the security helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.errors import ConfigError
from bot.journal import TradeMode, open_journal
from bot.web import JournalViews, WebOptions, WebServer, build_app, check_bind, is_loopback
from bot.web.security import AuthFailure, RateLimiter, check_bearer
from tests.web.helpers import wait_for


@pytest.fixture
def server(tmp_path: Path) -> Iterator[WebServer]:
    """A read-only journal dashboard on a free port."""
    views = JournalViews(open_journal(f"sqlite:///{tmp_path / 'j.db'}"), TradeMode.PAPER)
    web = WebServer(build_app(views, None, WebOptions()), "127.0.0.1", 0)
    web.start()
    try:
        yield web
    finally:
        web.stop()


def _health(url: str) -> dict[str, object] | None:
    try:
        body: dict[str, object] = httpx.get(url + "api/v1/health", timeout=2).json()
    except httpx.HTTPError:
        return None
    return body


def test_a_crashed_server_is_restarted_on_the_same_port(server: WebServer) -> None:
    url = server.url
    assert server._server is not None
    server._server.should_exit = True  # the server ends without being asked to
    wait_for(lambda: server.restarts == 1, timeout=10)
    body = wait_for(lambda: _health(url), timeout=10)
    assert body == {**body, "status": "ok", "live": False}  # type: ignore[dict-item]
    assert server.url == url


def test_stop_releases_the_port(server: WebServer) -> None:
    url = server.url
    server.stop()
    with pytest.raises(httpx.HTTPError):
        httpx.get(url, timeout=2)


def test_journal_dashboard_is_read_only(server: WebServer) -> None:
    response = httpx.post(server.url + "api/v1/pause", timeout=5,
                          headers={"Authorization": "Bearer x"})
    assert response.status_code == 403
    assert httpx.get(server.url + "api/v1/heatmap/BTCUSDT", timeout=5).status_code == 404


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.168.1.2", False),  # noqa: S104
    ("example.com", False)])
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_open_bind_needs_a_token() -> None:
    check_bind("127.0.0.1", None)
    check_bind("0.0.0.0", "secret")  # noqa: S104 - the point of the test
    with pytest.raises(ConfigError, match=r"web\.host.*web\.token"):
        check_bind("0.0.0.0", None)  # noqa: S104


@pytest.mark.parametrize(("expected", "header", "status"), [
    (None, "Bearer x", 403), ("", "Bearer x", 403), ("tok", None, 401),
    ("tok", "Bearer tik", 401), ("tok", "tok", 401), ("tok", "Basic tok", 401),
    ("tok", "Bearer tok", None), ("tok", "bearer  tok ", None)])
def test_bearer_matrix(expected: str | None, header: str | None, status: int | None) -> None:
    if status is None:
        check_bearer(expected, header)
        return
    with pytest.raises(AuthFailure) as refused:
        check_bearer(expected, header)
    assert refused.value.status == status


def test_rate_limiter_slides() -> None:
    now = [0.0]
    limiter = RateLimiter(2, window=60, clock=lambda: now[0])
    assert [limiter.allow("a"), limiter.allow("a"), limiter.allow("a"), limiter.allow("b")] == [
        True, True, False, True]
    now[0] = 60.0
    assert limiter.allow("a")
