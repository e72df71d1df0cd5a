"""The dashboard in real headless Chromium (Debian's ``chromium``, driven by Playwright).

Never ``playwright install``: the browser is the system's. Skipped when it is missing
(``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.web.helpers import TOKEN, RunningBot, wait_for

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/tmp")  # noqa: S108 - where the screenshots are looked at
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")

if CHROMIUM.exists():
    from playwright.sync_api import BrowserContext, Page, sync_playwright
    from playwright.sync_api import TimeoutError as PlaywrightTimeout


@pytest.fixture(scope="module")
def browser_context() -> Iterator[BrowserContext]:
    """A persistent context in a fresh user-data directory, removed afterwards."""
    profile = tempfile.mkdtemp(prefix="dashboard-profile-")
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=FLAGS,
                viewport={"width": 1280, "height": 900},
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class Watch:
    """Every request the page makes, and every page error."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        self.errors: list[str] = []
        self.bytes = 0
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("response", self._count)

    def _count(self, response: object) -> None:
        headers = getattr(response, "headers", {})
        self.bytes += int(headers.get("content-length", 0) or 0)


def _open(context: BrowserContext, bot: RunningBot, width: int, height: int) -> tuple[Page, Watch]:
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    watch = Watch(page)
    page.goto(bot.url + "#BTCUSDT")
    page.wait_for_function("Number(document.body.dataset.clusters || 0) > 0", timeout=30_000)
    return page, watch


def test_page_draws_clusters_updates_itself_and_stays_local(
        bot: RunningBot, browser_context: BrowserContext) -> None:
    page, watch = _open(browser_context, bot, 1280, 900)
    updates = int(page.evaluate("document.body.dataset.updates || '0'"))
    page.wait_for_function(f"Number(document.body.dataset.updates || 0) > {updates + 2}",
                           timeout=15_000)
    page.wait_for_timeout(1500)  # let the price line grow a little for the picture
    page.screenshot(path=SHOTS / "dashboard-desktop.png", full_page=True)
    hosts = {urlsplit(u).hostname for u in watch.urls if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}, watch.urls
    assert watch.errors == []
    assert page.locator("#symbol option").count() == 3
    assert page.locator("#venues tbody tr").first.inner_text().startswith("binance")
    page.close()


def test_phone_width_is_usable(bot: RunningBot, browser_context: BrowserContext) -> None:
    page, watch = _open(browser_context, bot, 390, 844)
    page.wait_for_timeout(1000)
    page.screenshot(path=SHOTS / "dashboard-phone.png", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0  # no sideways scrolling of the page itself
    assert watch.errors == []
    page.close()


def test_pause_from_the_page_pauses_entries(bot: RunningBot,
                                            browser_context: BrowserContext) -> None:
    page, watch = _open(browser_context, bot, 1280, 900)
    page.fill("#token", TOKEN)
    page.click("#pause")
    page.wait_for_function("document.getElementById('control-msg').dataset.result === 'ok'")
    with httpx.Client(base_url=bot.url) as http:
        status = http.get("/api/v1/status").json()
        assert status["entries_paused"] is True
        assert "operator" in status["paused_reason"]
        page.wait_for_selector("#paused:not([hidden])", timeout=10_000)
        assert "paused" in page.inner_text("#paused")
        page.click("#resume")
        page.wait_for_function(
            "document.getElementById('control-msg').textContent.includes('lifted')")
        wait_for(lambda: not http.get("/api/v1/status").json()["entries_paused"], timeout=15)
    assert watch.errors == []
    page.close()


def test_wrong_token_on_the_page_is_refused(bot: RunningBot,
                                            browser_context: BrowserContext) -> None:
    page, _watch = _open(browser_context, bot, 1280, 900)
    page.fill("#token", "not-the-token")
    page.click("#pause")
    page.wait_for_function("document.getElementById('control-msg').dataset.result === '401'")
    with httpx.Client(base_url=bot.url) as http:
        reason = http.get("/api/v1/status").json()["paused_reason"] or ""
    assert "operator" not in reason
    page.close()


def test_open_position_levels_are_drawn(bot: RunningBot,
                                        browser_context: BrowserContext) -> None:
    page, watch = _open(browser_context, bot, 1280, 900)
    with httpx.Client(base_url=bot.url) as http:
        for _attempt in range(10):  # positions of the fast market live seconds
            positions = wait_for(lambda: http.get("/api/v1/status").json()["positions"],
                                 timeout=60)
            assert isinstance(positions, list)
            page.select_option("#symbol", positions[0]["symbol"])
            try:
                page.wait_for_function("document.body.dataset.positionLines === '3'",
                                       timeout=3000)
            except PlaywrightTimeout:
                continue
            page.screenshot(path=SHOTS / "dashboard-position.png")
            break
        else:
            pytest.fail("no open position stayed open long enough to be drawn")
    assert watch.errors == []
    page.close()


def test_kill_switch_from_the_page_needs_two_clicks_and_can_be_released(
        bot: RunningBot, browser_context: BrowserContext) -> None:
    page, watch = _open(browser_context, bot, 1280, 900)
    page.fill("#token", TOKEN)
    with httpx.Client(base_url=bot.url) as http:
        page.click("#kill")
        assert page.inner_text("#kill") == "confirm?"
        assert http.get("/api/v1/status").json()["kill_switch"] is False  # one click: nothing
        page.click("#kill")
        wait_for(lambda: http.get("/api/v1/status").json()["kill_switch"], timeout=10)
        page.wait_for_function(
            "document.getElementById('kill').textContent === 'release kill switch'")
        page.click("#kill")
        page.click("#kill")
        wait_for(lambda: not http.get("/api/v1/status").json()["kill_switch"], timeout=10)
    assert watch.errors == []
    page.close()
