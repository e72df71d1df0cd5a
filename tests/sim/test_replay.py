"""Replaying the recorded CSV: pacing rules, rebasing, and every row over a real socket."""

from __future__ import annotations

import itertools
import json
import random
import time
from pathlib import Path

from bot.domain import to_epoch_ms
from bot.sim import ForceOrder, ReplayConfig, SimExchange, force_order_event, read_recorder_csv
from bot.sim.replay import rebase, replay_delays
from tests.sim.helpers import Connect, ManualClock


def order_at(trade_time_ms: int) -> ForceOrder:
    return ForceOrder.filled("BTCUSDT", "SELL", 1, 1, trade_time_ms)


def test_delays_follow_speed_cap_long_gaps_and_ignore_steps_back() -> None:
    orders = [order_at(t) for t in (1_000, 3_000, 3_000, 2_000, 100_000)]

    delays = replay_delays(orders, speed=2.0, max_gap_seconds=5.0)

    assert delays == [0.0, 1.0, 0.0, 0.0, 5.0]


def test_rebase_keeps_relative_spacing() -> None:
    orders = [order_at(t) for t in (1_000, 1_500, 900)]

    moved = rebase(orders, 50_000)

    assert [o.trade_time_ms for o in moved] == [50_000, 50_500, 49_900]
    assert moved[0].symbol == orders[0].symbol


def test_replay_delivers_every_recorded_row_in_order(
    recorded_csv: Path, connect: Connect, manual_clock: ManualClock
) -> None:
    rows = read_recorder_csv(recorded_csv)
    config = ReplayConfig(recorded_csv, speed=1e7, max_gap_seconds=0.02, autostart=False)
    with SimExchange(clock=manual_clock, rng=random.Random(1), replay=config) as exchange:
        ws = connect(f"{exchange.ws_url}/ws/!forceOrder@arr")
        started = time.monotonic()

        exchange.start_replay()
        received = [json.loads(ws.recv()) for _ in range(len(rows))]

        assert time.monotonic() - started < 10
        assert exchange.wait_replay(timeout=1)
        assert exchange.replay is not None
        assert exchange.replay.sent == 3_510

    # Exactly the file, in file order, duplicates included, original T kept.
    assert received == [force_order_event(row) for row in rows]
    assert sum(exchange.liquidations_sent().values()) == 3_510


def test_replay_rebased_to_now_on_a_symbol_stream(
    recorded_csv: Path, connect: Connect, manual_clock: ManualClock
) -> None:
    rows = read_recorder_csv(recorded_csv)
    eth = [r for r in rows if r.symbol == "ETHUSDT"]
    config = ReplayConfig(
        recorded_csv, speed=1e7, max_gap_seconds=0.01, rebase_to_now=True, autostart=False
    )
    with SimExchange(clock=manual_clock, rng=random.Random(1), replay=config) as exchange:
        ws = connect(f"{exchange.ws_url}/stream?streams=ethusdt@forceOrder")
        exchange.start_replay()
        frames = [json.loads(ws.recv()) for _ in range(len(eth))]
        assert exchange.wait_replay(timeout=5)
        # Replayed prices move the shared market state.
        assert exchange.market.price("ETHUSDT") == float(eth[-1].average_price)

    offset = to_epoch_ms(manual_clock()) - rows[0].trade_time_ms
    assert {f["stream"] for f in frames} == {"ethusdt@forceOrder"}
    assert [f["data"]["o"]["T"] for f in frames] == [r.trade_time_ms + offset for r in eth]
    assert [f["data"]["o"]["ap"] for f in frames] == [str(r.average_price) for r in eth]


def test_replay_paces_by_speed_and_caps_gaps(
    tmp_path: Path, connect: Connect, manual_clock: ManualClock
) -> None:
    csv_file = tmp_path / "three.csv"
    times = (1_700_000_000_000, 1_700_000_002_000, 1_700_003_600_000)  # +2 s, then +1 h
    csv_file.write_text(
        "".join(f"BTC,SELL,LIMIT,IOC,1,100,100,FILLED,1,1,{t},100\n" for t in times)
    )
    config = ReplayConfig(csv_file, speed=10, max_gap_seconds=0.3, autostart=False)
    with SimExchange(clock=manual_clock, rng=random.Random(1), replay=config) as exchange:
        ws = connect(f"{exchange.ws_url}/ws/btcusdt@forceOrder")
        exchange.start_replay()
        arrivals = []
        for _ in times:
            ws.recv()
            arrivals.append(time.monotonic())

    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert 0.15 <= gaps[0] < 0.5  # 2 s at 10x
    assert 0.25 <= gaps[1] < 0.6  # 6 min at 10x, capped at 0.3 s
