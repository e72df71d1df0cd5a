"""Dashboard API latency while the bot trades 50 symbols, and what the page costs a browser.

Run: ``.venv/bin/python -m benchmarks.web_bench [SECONDS] [TICK_EVERY]``. The 50-symbol
trading loop of ``signal_loop_bench`` (real heatmap, strategy, risk, paper venue, SQLite
journal) ticks every TICK_EVERY seconds (default 1: five times the default signal interval;
0: back to back, the worst case) while a local client, in its own process, asks
``GET /api/v1/heatmap/{symbol}`` 50 times a second (paced, one keep-alive connection, symbols
in turn) of the real uvicorn server built as ``bot run --web`` builds it. Prints p50/p99 of
those requests, and the signal loop's tick latency alone (before and after) and under load.
With ``/usr/bin/chromium`` present it also loads the page in headless Chromium: time to first
paint with data, and bytes downloaded.
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

from benchmarks.signal_loop_bench import SYMBOLS, _Clock, build_loop, percentile, tick
from bot.app.trading_loop import TradingLoop
from bot.heatmap import LiveLiquidationHeatmap
from bot.journal import TradeMode
from bot.web import LiveViews, WebOptions, WebServer, build_app

RATE = 50.0  # requests per second
CHROMIUM = Path("/usr/bin/chromium")


def _client(url: str, seconds: float, out: Connection) -> None:
    """GET the heatmaps at ``RATE`` per second for ``seconds``; send back the latencies.

    Runs in its own process, as a real client would: it must not share the bot's GIL.
    """
    latencies: list[float] = []
    with httpx.Client(base_url=url, timeout=5.0) as http:
        due = time.perf_counter()
        end = due + seconds
        i = 0
        while time.perf_counter() < end:
            start = time.perf_counter()
            response = http.get(f"/api/v1/heatmap/{SYMBOLS[i % len(SYMBOLS)]}")
            latencies.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
            i += 1
            due += 1 / RATE
            time.sleep(max(0.0, due - time.perf_counter()))
    out.send((latencies, seconds))
    out.close()


def _page_figures(url: str) -> str:
    """First paint with data (ms after navigation) and bytes downloaded, in Chromium."""
    from playwright.sync_api import sync_playwright

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=flags)
        page = context.new_page()
        page.goto(url + "#S00USDT")
        page.wait_for_function("document.body.dataset.firstPaint", timeout=30_000)
        page.wait_for_function("Number(document.body.dataset.clusters || 0) > 0")
        first_paint = float(page.evaluate("document.body.dataset.firstPaint"))
        page.wait_for_timeout(500)
        transferred = page.evaluate(
            "performance.getEntriesByType('navigation').concat("
            "performance.getEntriesByType('resource')).reduce((n, e) => n + e.transferSize, 0)")
        decoded = page.evaluate(
            "performance.getEntriesByType('navigation').concat("
            "performance.getEntriesByType('resource'))"
            ".reduce((n, e) => n + e.decodedBodySize, 0)")
        context.close()
    return (f"page: first paint with data {first_paint:.0f} ms after navigation; "
            f"{transferred / 1024:.1f} KiB transferred ({decoded / 1024:.1f} KiB decoded), "
            "no other host")


def _ticks(clock: _Clock, loop: TradingLoop, heatmap: LiveLiquidationHeatmap, every: float,
           until: Callable[[], bool]) -> list[float]:
    """Tick every ``every`` seconds (0: back to back) until ``until()``; the tick latencies."""
    timings = []
    while not until():
        started = time.perf_counter()
        timings.append(tick(clock, loop, heatmap))
        time.sleep(max(0.0, every - (time.perf_counter() - started)))
    return timings


def main(seconds: float = 30.0, every: float = 1.0) -> None:
    """Measure and print the figures."""
    clock = _Clock()
    with tempfile.TemporaryDirectory() as folder:
        loop, heatmap, journal = build_loop(clock, folder)
        alone = _ticks(clock, loop, heatmap, every, _after(min(15.0, seconds / 2)))
        views = LiveViews(status=loop.status, heatmap=heatmap, symbols=SYMBOLS,
                          journal=journal, mode=TradeMode.PAPER,
                          kill_switch=loop.kill_switch_on)
        server = WebServer(build_app(views, loop, WebOptions()), "127.0.0.1", 0)
        server.start()
        try:
            receiver, sender = multiprocessing.get_context("spawn").Pipe(duplex=False)
            client = multiprocessing.get_context("spawn").Process(
                target=_client, args=(server.url, seconds, sender))
            client.start()
            loaded = _ticks(clock, loop, heatmap, every, receiver.poll)
            latencies, elapsed = receiver.recv()
            client.join()
            alone += _ticks(clock, loop, heatmap, every, _after(min(15.0, seconds / 2)))
            page = _page_figures(server.url) if CHROMIUM.exists() else "page: no chromium"
        finally:
            server.stop()
    latencies.sort()
    loaded.sort()
    alone.sort()
    print(f"GET /api/v1/heatmap/{{symbol}}, {len(SYMBOLS)} symbols, "
          f"{len(latencies) / elapsed:.1f} req/s for {elapsed:.0f} s while trading: "
          f"p50 {percentile(latencies, 0.5) * 1e3:.2f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1e3:.2f} ms, "
          f"max {latencies[-1] * 1e3:.2f} ms ({len(latencies)} requests)")
    print(f"signal loop tick every {every:g} s: alone median "
          f"{statistics.median(alone) * 1e3:.1f} ms "
          f"(p99 {percentile(alone, 0.99) * 1e3:.1f}); under the API load median "
          f"{statistics.median(loaded) * 1e3:.1f} ms (p99 {percentile(loaded, 0.99) * 1e3:.1f}),"
          f" {len(loaded)} ticks")
    print(page)


def _after(seconds: float) -> Callable[[], bool]:
    end = time.perf_counter() + seconds
    return lambda: time.perf_counter() >= end


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:3]))
