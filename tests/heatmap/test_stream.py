"""MarketStream and the heatmap's stop/backoff behaviour on raw sockets (no simulator)."""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from bot.heatmap import LiveLiquidationHeatmap
from bot.heatmap.stream import MarketStream, ReconnectPolicy


@pytest.fixture
def silent_tcp_server() -> Iterator[tuple[str, list[socket.socket]]]:
    """A TCP server that accepts connections and never answers (a stalled handshake)."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"ws://127.0.0.1:{server.getsockname()[1]}/market", accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_stop_during_a_stalled_handshake_returns_within_two_seconds(
    silent_tcp_server: tuple[str, list[socket.socket]],
) -> None:
    url, accepted = silent_tcp_server
    heatmap = LiveLiquidationHeatmap(ws_base_url=url)
    heatmap.start_stream(["BTCUSDT"])
    deadline = time.monotonic() + 3
    while not accepted and time.monotonic() < deadline:
        time.sleep(0.01)
    assert accepted, "client never connected"
    started = time.monotonic()
    heatmap.stop_stream()
    assert time.monotonic() - started < 2.0
    assert not heatmap.health().connected
    assert not [t for t in threading.enumerate() if t.name in {"market-stream", "stream-watchdog",
                                                                "heatmap-updater"}]


def test_stalled_handshake_is_abandoned_and_retried(
    silent_tcp_server: tuple[str, list[socket.socket]],
) -> None:
    url, accepted = silent_tcp_server
    heatmap = LiveLiquidationHeatmap(ws_base_url=url, silence_timeout=0.3)
    heatmap.start_stream(["BTCUSDT"])
    deadline = time.monotonic() + 5
    while len(accepted) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    heatmap.stop_stream()
    assert len(accepted) >= 2
    assert heatmap.health().reconnects >= 1


def test_stop_while_waiting_to_reconnect_returns_at_once() -> None:
    url = f"ws://127.0.0.1:{_free_port()}/market"  # nothing listens: connection refused
    heatmap = LiveLiquidationHeatmap(ws_base_url=url)
    heatmap.start_stream(None)
    time.sleep(0.5)
    started = time.monotonic()
    heatmap.stop_stream()
    assert time.monotonic() - started < 2.0


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    policy = ReconnectPolicy(backoff_initial=0.5, backoff_cap=30.0)
    rng = random.Random(1)
    delays = [policy.backoff(n, rng) for n in range(1, 12)]
    assert 0.25 <= delays[0] <= 0.5
    assert all(d <= 30.0 for d in delays)
    assert delays[-1] >= 15.0
    # Jitter: the same failure count does not always give the same delay.
    assert len({round(policy.backoff(5, rng), 6) for _ in range(10)}) > 1


def test_a_failing_frame_handler_does_not_kill_the_stream(
    silent_tcp_server: tuple[str, list[socket.socket]],
) -> None:
    url, _ = silent_tcp_server

    def explode(_frame: str) -> None:
        raise RuntimeError("consumer bug")

    stream = MarketStream(url + "/ws/x", explode, policy=ReconnectPolicy(),
                          rng=random.Random(0))
    stream._handle_message(None, "frame")  # the handler's exception is logged, not raised
    assert stream.stop(timeout=1.0)


def test_constructor_validates_arguments() -> None:
    with pytest.raises(ValueError, match="update_interval"):
        LiveLiquidationHeatmap(update_interval=0)
    with pytest.raises(ValueError, match="cluster_window_pct"):
        LiveLiquidationHeatmap(cluster_window_pct=2)
    with pytest.raises(ValueError, match="buffer_size"):
        LiveLiquidationHeatmap(buffer_size=0)
