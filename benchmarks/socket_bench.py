"""End-to-end socket throughput: simulator → real WebSocket → heatmap, next to a bare
websocket-client receive loop on the same server (the ceiling).

Run: ``.venv/bin/python -m benchmarks.socket_bench`` (``heatmap_bench`` runs it too).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time

import websocket

from bot.heatmap import LiveLiquidationHeatmap
from bot.sim import ForceOrder, SimWsServer, utc_now

SYMBOL = "BENCHUSDT"
T0_MS = 1_767_000_000_000


def _orders(count: int) -> list[ForceOrder]:
    return [
        ForceOrder.filled(SYMBOL, "SELL" if i % 2 else "BUY", 100 + (i % 500) * 0.01, "1.5",
                          T0_MS + i)
        for i in range(count)
    ]


def _burst(server: SimWsServer, orders: list[ForceOrder]) -> None:
    async def send_all() -> None:
        for i, order in enumerate(orders):
            server.publish_order(order)  # on the loop thread: enqueues directly
            if i % 256 == 0:
                await asyncio.sleep(0)  # let the connection's sender drain

    server.run_background(send_all())


def bare_receive_rate(server: SimWsServer, orders: list[ForceOrder]) -> float:
    """Frames per second a bare websocket-client loop receives (no parsing, no storing)."""
    ws = websocket.create_connection(f"{server.ws_url}/ws/{SYMBOL.lower()}@forceOrder",
                                     timeout=10)
    try:
        assert server.wait_for_subscribers(f"{SYMBOL.lower()}@forceOrder")
        _burst(server, orders)
        ws.recv()
        start = time.perf_counter()
        for _ in range(len(orders) - 1):
            ws.recv()
        return (len(orders) - 1) / (time.perf_counter() - start)
    finally:
        ws.close()


def heatmap_receive_rate(server: SimWsServer, orders: list[ForceOrder]) -> float:
    """Events per second through the heatmap: socket, parse, de-duplicate, store."""
    heatmap = LiveLiquidationHeatmap(ws_base_url=server.ws_url, silence_timeout=30.0)
    heatmap.start_stream([SYMBOL])
    try:
        assert server.wait_for_subscribers(f"{SYMBOL.lower()}@forceOrder")
        _burst(server, orders)
        deadline = time.monotonic() + 120
        while heatmap.health().liquidations == 0 and time.monotonic() < deadline:
            time.sleep(0.0005)
        start = time.perf_counter()
        first = heatmap.health().liquidations
        while heatmap.health().liquidations < len(orders) and time.monotonic() < deadline:
            time.sleep(0.001)
        elapsed = time.perf_counter() - start
        return (heatmap.health().liquidations - first) / elapsed
    finally:
        heatmap.stop_stream()


def run_socket_benchmarks(quick: bool = False) -> None:
    """Print both rates."""
    count = 20_000 if quick else 100_000
    with SimWsServer(clock=utc_now, rng=random.Random(1)) as server:
        bare = bare_receive_rate(server, _orders(count))
        through = heatmap_receive_rate(server, _orders(count))
    print(f"socket, bare websocket-client recv loop: {bare:,.0f} frames/s (ceiling)")
    print(f"socket, through the heatmap (parse + store): {through:,.0f} events/s "
          f"({through / bare:.0%} of the ceiling); threads alive: {threading.active_count()}")


if __name__ == "__main__":
    run_socket_benchmarks()
