"""The heatmap against the simulated exchange over real sockets (websocket-client ↔ websockets)."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from bot.heatmap import LiveLiquidationHeatmap
from bot.sim import MalformedKind, SimExchange, corrupt_frame
from tests.conftest import RECORDED_CSV
from tests.heatmap.conftest import wait_until

MakeHeatmap = Callable[..., LiveLiquidationHeatmap]
README = Path(__file__).resolve().parents[2] / "README.md"
T0_MS = 1_767_000_000_000


def held(heatmap: LiveLiquidationHeatmap, symbol: str) -> int:
    return len(heatmap._store.snapshot(symbol))


def publish_level(sim: SimExchange, symbol: str, side: str, base: float, count: int,
                  start_ms: int = T0_MS) -> None:
    for i in range(count):
        sim.server.publish_force_order(symbol, side, base * (1 + i * 0.001), 0.5 + i,  # type: ignore[arg-type]
                                       start_ms + i * 1000)


def test_one_symbol_builds_clusters_and_takes_stream_mark_prices(
    sim: SimExchange, make_heatmap: MakeHeatmap
) -> None:
    heatmap = make_heatmap(update_interval=0.2, time_decay_minutes=1e9)
    heatmap.start_stream(["XYZUSDT"])
    assert sim.server.wait_for_subscribers("xyzusdt@forceOrder")
    publish_level(sim, "XYZUSDT", "SELL", 100.0, 6)
    sim.server.publish_mark_price("XYZUSDT", 104.0)
    assert wait_until(lambda: held(heatmap, "XYZUSDT") == 6 and heatmap.get_price("XYZUSDT"))
    assert wait_until(lambda: bool(heatmap.get_clusters("XYZUSDT")))
    (cluster,) = heatmap.get_clusters("XYZ/USDT:USDT")
    assert cluster.side == "long"
    assert cluster.liquidation_count == 6
    assert heatmap.get_price("XYZUSDT") == 104.0
    assert cluster.distance_from_price is not None
    assert cluster.distance_from_price < 0
    assert heatmap.health().connected
    assert "stream?streams=xyzusdt@forceOrder/xyzusdt@markPrice@1s" in str(heatmap.health().url)


def test_several_symbols_and_all_symbols(sim: SimExchange, make_heatmap: MakeHeatmap) -> None:
    several = make_heatmap()
    several.start_stream(["AAAUSDT", "BBB/USDT:USDT"])
    everything = make_heatmap()
    everything.start_stream(None)
    assert sim.server.wait_for_subscribers("bbbusdt@forceOrder")
    assert sim.server.wait_for_subscribers("!forceOrder@arr")
    publish_level(sim, "AAAUSDT", "BUY", 10.0, 3)
    publish_level(sim, "BBBUSDT", "SELL", 20.0, 4)
    publish_level(sim, "CCCUSDT", "SELL", 30.0, 5)
    assert wait_until(lambda: (held(several, "AAAUSDT"), held(several, "BBBUSDT")) == (3, 4))
    assert wait_until(lambda: held(everything, "CCCUSDT") == 5 and held(everything, "AAAUSDT") == 3)
    assert held(several, "CCCUSDT") == 0
    # The all-market mark-price array also sets prices.
    assert wait_until(lambda: everything.get_price("BTCUSDT") is not None)


def test_readme_quick_start_runs_as_printed(
    sim: SimExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    quick_start = next(b for b in blocks if "LiveLiquidationHeatmap(" in b)
    monkeypatch.setenv("BOT_EXCHANGE__WS_URL", sim.ws_url)
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(quick_start, "README.md", "exec"), {})  # noqa: S102 - our own README
    assert "HeatmapHealth(" in out.getvalue()


def test_forced_disconnects_each_reconnect_within_five_seconds_and_lose_nothing_after(
    sim: SimExchange, make_heatmap: MakeHeatmap
) -> None:
    heatmap = make_heatmap(time_decay_minutes=1e9)
    heatmap.start_stream(["XYZUSDT", "BTCUSDT"])
    reconnect_times: list[float] = []
    for round_no in range(20):
        assert sim.server.wait_for_subscribers("xyzusdt@forceOrder")
        assert wait_until(lambda: heatmap.health().connected)
        sim.server.publish_force_order("XYZUSDT", "SELL", 50.0 + round_no, 1.0, T0_MS + round_no)
        assert wait_until(lambda n=round_no: held(heatmap, "XYZUSDT") == n + 1), round_no
        # Close the connection on its next frame (a mark price), then switch the fault off.
        sim.faults.close_every_messages = 1
        assert wait_until(lambda: not heatmap.health().connected)
        sim.faults.close_every_messages = None
        lost_at = time.monotonic()
        assert wait_until(lambda: heatmap.health().connected, timeout=5.0)
        reconnect_times.append(time.monotonic() - lost_at)
    assert heatmap.health().reconnects >= 20
    assert max(reconnect_times) < 5.0
    assert held(heatmap, "XYZUSDT") == 20


def test_a_thousand_malformed_frames_are_counted_and_skipped(
    sim: SimExchange, make_heatmap: MakeHeatmap
) -> None:
    heatmap = make_heatmap()
    heatmap.start_stream(["XYZUSDT", "BTCUSDT"])
    assert sim.server.wait_for_subscribers("xyzusdt@forceOrder")
    good = (
        '{"e":"forceOrder","E":1,'
        '"o":{"s":"XYZUSDT","S":"BUY","q":"1","p":"5","ap":"5","z":"1","T":1}}'
    )
    kinds = list(MalformedKind)
    for i in range(1000):
        sim.server.publish_raw(corrupt_frame(good, kinds[i % len(kinds)]))
    sim.server.publish_force_order("XYZUSDT", "BUY", 7.0, 2.0, T0_MS)
    assert wait_until(lambda: held(heatmap, "XYZUSDT") == 1, timeout=10)
    health = heatmap.health()
    assert health.parse_errors == 1000
    assert health.connected
    assert health.reconnects == 0


def test_random_malformed_data_frames_and_periodic_closes_never_break_it(
    sim: SimExchange, make_heatmap: MakeHeatmap
) -> None:
    sim.faults.malformed_rate = 0.3
    sim.faults.close_every_seconds = 0.5
    heatmap = make_heatmap(update_interval=0.1)
    heatmap.start_stream(["BTCUSDT", "ETHUSDT"])
    assert wait_until(
        lambda: heatmap.health().reconnects >= 3 and heatmap.health().parse_errors > 0, timeout=10
    )
    sim.faults.clear()
    assert wait_until(lambda: heatmap.health().connected)


def test_a_stalled_socket_is_detected_and_replaced(
    sim: SimExchange, make_heatmap: MakeHeatmap
) -> None:
    heatmap = make_heatmap(silence_timeout=1.0)
    heatmap.start_stream(["XYZUSDT", "BTCUSDT"])
    assert wait_until(lambda: heatmap.health().connected)
    accepted_before = sim.server.stats().total_connections
    sim.faults.stalled = True
    assert wait_until(lambda: sim.server.stats().total_connections > accepted_before, timeout=4)
    sim.faults.stalled = False
    assert sim.server.wait_for_subscribers("xyzusdt@forceOrder")
    sim.server.publish_force_order("XYZUSDT", "BUY", 7.0, 2.0, T0_MS)
    assert wait_until(lambda: held(heatmap, "XYZUSDT") == 1)
    assert heatmap.health().reconnects >= 1


def _distinct_recorded_events() -> int:
    keys = set()
    with RECORDED_CSV.open(newline="") as handle:
        for row in csv.reader(handle):
            price = float(row[6]) or float(row[5])
            quantity = float(row[9]) or float(row[4])
            keys.add((row[0], row[1], int(row[10]), price, quantity))
    return len(keys)


def test_the_real_recording_replays_end_to_end_with_exact_distinct_count(
    make_heatmap: MakeHeatmap,
) -> None:
    import random

    from bot.sim import ReplayConfig, utc_now

    replay = ReplayConfig(path=RECORDED_CSV, speed=1e9, max_gap_seconds=0.0, autostart=False)
    with SimExchange(clock=utc_now, rng=random.Random(3), replay=replay) as exchange:
        heatmap = make_heatmap(ws_base_url=exchange.ws_url)
        heatmap.start_stream(None)
        assert exchange.server.wait_for_subscribers("!forceOrder@arr")
        exchange.start_replay()
        assert exchange.wait_replay(timeout=30)
        expected = _distinct_recorded_events()
        assert wait_until(
            lambda: heatmap.health().liquidations + heatmap.health().duplicates == 3510, timeout=30
        )
        health = heatmap.health()
        heatmap.stop_stream()
    assert health.liquidations == expected
    assert health.duplicates == 3510 - expected
    assert health.parse_errors == 0
    assert 1800 < expected < 1900


def test_connection_is_rotated_before_its_maximum_age(sim: SimExchange) -> None:
    import random

    from bot.heatmap.stream import MarketStream, ReconnectPolicy
    from bot.heatmap.urls import stream_names, stream_url

    frames: list[str] = []
    stream = MarketStream(
        stream_url(sim.ws_url, stream_names(["BTCUSDT"])), frames.append,
        policy=ReconnectPolicy(max_connection_age=0.5), rng=random.Random(0),
    )
    stream.start()
    try:
        assert wait_until(lambda: stream.reconnects >= 2, timeout=6)
    finally:
        assert stream.stop()
    assert frames  # mark prices flowed between rotations
