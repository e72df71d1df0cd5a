"""Bybit and OKX against the simulator through the real websocket-client.

Each venue: subscription, heartbeat kept beyond the venue's idle limit (shortened in the
simulator so the test is quick), forced closes, malformed frames counted for that venue
only, a stall detected, and the heatmap's totals per venue and side equal to what the
simulator delivered.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest
import websocket

from bot.domain import VENUES
from bot.heatmap import LiveLiquidationHeatmap
from bot.sim import SimExchange, utc_now
from tests.heatmap.conftest import wait_until

IDLE_LIMIT = 1.5
"""The simulated venues' idle limit here (20 s Bybit, 30 s OKX in production)."""
SILENCE = 1.0
"""The heatmap's silence timeout: heartbeats go every 0.5 s, inside the idle limit."""
OTHER_VENUES = ("bybit", "okx")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimExchange]:
    """One simulator with Bybit and OKX for the module (each test resets its faults)."""
    exchange = SimExchange(clock=utc_now, rng=random.Random(14), mark_interval_seconds=0.2,
                           venues=OTHER_VENUES, venue_idle_limit=IDLE_LIMIT)
    with exchange:
        yield exchange


@pytest.fixture
def streaming(sim: SimExchange, heatmap: LiveLiquidationHeatmap) -> LiveLiquidationHeatmap:
    """The heatmap streaming every simulated symbol from both venues, connected."""
    heatmap.start_stream(list(sim.market.symbols))
    assert wait_until(lambda: heatmap.health().connected)
    return heatmap


@pytest.fixture
def heatmap(sim: SimExchange) -> Iterator[LiveLiquidationHeatmap]:
    """A heatmap on both simulated venues (not started)."""
    for name in OTHER_VENUES:
        sim.venue(name).faults.clear()
    described = sim.describe()
    made = LiveLiquidationHeatmap(
        ws_base_url=sim.ws_url, sources=OTHER_VENUES, silence_timeout=SILENCE,
        bybit_ws_url=str(described["bybit_ws_url"]), okx_ws_url=str(described["okx_ws_url"]),
        okx_rest_url=str(described["okx_rest_url"]), update_interval=0.2,
    )
    yield made
    made.stop_stream()
    for name in OTHER_VENUES:
        sim.venue(name).faults.clear()


Totals = dict[tuple[str, str], tuple[int, float]]


def _totals(heatmap: LiveLiquidationHeatmap, venue: str) -> Totals:
    """(symbol, side) → (count, notional) of what the heatmap holds from ``venue``."""
    code = VENUES.index(venue)
    totals: Totals = {}
    for symbol in heatmap.symbols():
        events = heatmap._store.snapshot(symbol)
        mine = events.venues() == code
        for side, mask in (("long", events.is_long), ("short", ~events.is_long)):
            picked = mine & mask
            if picked.any():
                notional = float((events.price[picked] * events.quantity[picked]).sum())
                totals[(symbol, side)] = (int(picked.sum()), notional)
    return totals


def _sent(sim: SimExchange, venue: str) -> Totals:
    # Exact repeats count once: the store keeps one of them (the contract's de-duplication).
    return {key: (d.distinct, d.distinct_notional)
            for key, d in sim.venue(venue).delivered().items()}


def _counts(totals: Totals) -> dict[tuple[str, str], int]:
    return {key: count for key, (count, _) in totals.items()}


@pytest.mark.parametrize("venue", OTHER_VENUES)
def test_totals_per_venue_and_side_equal_what_the_simulator_sent(
        sim: SimExchange, venue: str) -> None:
    # Arrange: a fresh heatmap on this venue only, counted from a clean start.
    described = sim.describe()
    heatmap = LiveLiquidationHeatmap(
        sources=(venue,), silence_timeout=SILENCE, ws_base_url=sim.ws_url,
        bybit_ws_url=str(described["bybit_ws_url"]), okx_ws_url=str(described["okx_ws_url"]),
        okx_rest_url=str(described["okx_rest_url"]),
    )
    before = _sent(sim, venue)
    try:
        # Act
        heatmap.start_stream(list(sim.market.symbols))
        # Both liquidated sides seen before the stall, so the side mapping is tested both
        # ways (a trending synthetic minute may liquidate one side only for a while).
        assert wait_until(lambda: heatmap.health().venues[venue].liquidations > 20
                          and {side for _, side in _totals(heatmap, venue)} == {"long", "short"},
                          timeout=30)
        sim.venue(venue).faults.stalled = True  # nothing more is delivered from here
        time.sleep(0.3)
        sent = {key: (count - before.get(key, (0, 0.0))[0],
                      notional - before.get(key, (0, 0.0))[1])
                for key, (count, notional) in _sent(sim, venue).items()}
        sent = {key: value for key, value in sent.items() if value[0]}
        # Assert: every liquidation delivered is held, per symbol and liquidated side.
        assert wait_until(lambda: _counts(_totals(heatmap, venue)) == _counts(sent))
        got = _totals(heatmap, venue)
        for key, (_, notional) in sent.items():
            assert got[key][1] == pytest.approx(notional, rel=1e-9)
        assert {side for _, side in got} == {"long", "short"}
        health = heatmap.health()
        assert health.venues[venue].parse_errors == 0
        assert health.liquidations == health.venues[venue].liquidations
    finally:
        heatmap.stop_stream()
        sim.venue(venue).faults.clear()


def test_subscribes_and_keeps_heartbeat_beyond_the_idle_limit(
        sim: SimExchange, heatmap: LiveLiquidationHeatmap) -> None:
    # Arrange
    stats_before = {name: sim.venue(name).stats() for name in OTHER_VENUES}
    # Act
    heatmap.start_stream(["BTCUSDT", "ETHUSDT"])
    assert wait_until(lambda: heatmap.health().connected)
    time.sleep(IDLE_LIMIT * 2.5)
    # Assert: the venues saw pings, closed nothing for idleness, and the heatmap never left.
    health = heatmap.health()
    for name in OTHER_VENUES:
        stats = sim.venue(name).stats()
        assert stats.idle_closes == stats_before[name].idle_closes
        assert stats.pings - stats_before[name].pings >= 4
        assert health.venues[name].connected
        assert health.venues[name].reconnects == 0
        assert health.venues[name].liquidations > 0
    assert {s for s in heatmap.symbols()} <= {"BTCUSDT", "ETHUSDT"}
    assert health.connected
    assert set(health.venues) == set(OTHER_VENUES)  # Binance is not configured here
    assert health.messages == sum(health.venues[n].messages for n in OTHER_VENUES)


def _read_until_closed(client: websocket.WebSocket) -> None:
    while True:
        opcode, _ = client.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            raise websocket.WebSocketConnectionClosedException("closed")


@pytest.mark.parametrize("venue", OTHER_VENUES)
def test_a_client_without_heartbeat_is_closed_at_the_idle_limit(
        sim: SimExchange, venue: str) -> None:
    # Arrange: a bare websocket-client connection that never pings.
    client = websocket.create_connection(sim.venue(venue).ws_url, timeout=IDLE_LIMIT * 3)
    started = time.monotonic()
    try:
        # Act: read until the server closes the socket.
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            _read_until_closed(client)
        # Assert
        assert IDLE_LIMIT * 0.9 <= time.monotonic() - started < IDLE_LIMIT * 3
    finally:
        client.close()


@pytest.mark.parametrize("venue", OTHER_VENUES)
def test_forced_closes_reconnect_and_data_keeps_coming(
        sim: SimExchange, streaming: LiveLiquidationHeatmap, venue: str) -> None:
    heatmap = streaming
    # Act
    sim.venue(venue).faults.close_every_messages = 4
    sim.venue(venue).faults.abrupt_close = venue == "okx"
    assert wait_until(lambda: heatmap.health().venues[venue].reconnects >= 2, timeout=10)
    sim.venue(venue).faults.clear()
    taken = heatmap.health().venues[venue].liquidations
    # Assert
    assert wait_until(lambda: heatmap.health().venues[venue].liquidations > taken, timeout=10)
    assert wait_until(lambda: heatmap.health().venues[venue].connected)
    other = "okx" if venue == "bybit" else "bybit"
    assert heatmap.health().venues[other].reconnects == 0


@pytest.mark.parametrize("venue", OTHER_VENUES)
def test_malformed_frames_are_counted_for_their_venue(
        sim: SimExchange, streaming: LiveLiquidationHeatmap, venue: str) -> None:
    heatmap = streaming
    # Act
    sim.venue(venue).faults.malformed_rate = 1.0
    spoilt = sim.venue(venue).stats().malformed_sent
    assert wait_until(lambda: sim.venue(venue).stats().malformed_sent >= spoilt + 8, timeout=10)
    sim.venue(venue).faults.malformed_rate = 0.0
    # Assert
    health = heatmap.health()
    other = "okx" if venue == "bybit" else "bybit"
    assert health.venues[venue].parse_errors >= 5
    assert health.venues[other].parse_errors == 0
    assert health.parse_errors == health.venues[venue].parse_errors
    assert health.venues[venue].connected


@pytest.mark.parametrize("venue", OTHER_VENUES)
def test_a_stall_is_detected_and_the_socket_replaced(
        sim: SimExchange, heatmap: LiveLiquidationHeatmap, venue: str) -> None:
    # Arrange
    heatmap.start_stream(["BTCUSDT"])
    assert wait_until(lambda: heatmap.health().connected)
    # Act: the venue keeps the socket open but sends nothing, pongs included.
    sim.venue(venue).faults.stalled = True
    # Assert
    assert wait_until(lambda: heatmap.health().venues[venue].reconnects >= 1, timeout=SILENCE * 6)
    sim.venue(venue).faults.stalled = False
    assert wait_until(lambda: heatmap.health().venues[venue].connected, timeout=10)


def test_stop_stream_returns_within_two_seconds_whatever_the_state(
        sim: SimExchange, heatmap: LiveLiquidationHeatmap) -> None:
    # Arrange: one venue connected, the other stalled mid-reconnect.
    heatmap.start_stream(["BTCUSDT"])
    assert wait_until(lambda: heatmap.health().connected)
    sim.venue("okx").faults.stalled = True
    time.sleep(SILENCE * 1.5)
    # Act
    started = time.monotonic()
    heatmap.stop_stream()
    # Assert
    assert time.monotonic() - started < 2.0
    assert not heatmap.health().connected
    assert not any(v.connected for v in heatmap.health().venues.values())
