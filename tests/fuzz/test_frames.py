"""Stream frames: any bytes, any JSON, any field values — never a crash, never a NaN cluster."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.heatmap import LiveLiquidationHeatmap, parse_frame
from bot.heatmap.sanity import MAX_NOTIONAL_USD, MAX_PRICE, MIN_PRICE
from tests.fuzz.budget import FUZZ
from tests.heatmap.hostile import CORPUS, NOW, NOW_MS

_FLOATS = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
# What a hostile venue may put where a number belongs.
_NUMBERS = st.one_of(
    _FLOATS.map(repr), _FLOATS.map(str), _FLOATS, st.integers(), st.integers().map(str),
    st.sampled_from(["1e305", "1e20", "5e-324", "-0", "0", "NaN", "Infinity", "1e400", ""]),
)
_JUNK = st.one_of(st.none(), st.booleans(), st.text(max_size=20), st.lists(st.integers(),
                                                                            max_size=3))
_FIELD = st.one_of(_NUMBERS, _JUNK)
_SYMBOLS = st.one_of(st.sampled_from(["BTCUSDT", "ETHUSDT", "btcusdt", "币安人生USDT"]),
                     st.text(max_size=50))
_TIMES = st.one_of(st.integers(min_value=NOW_MS - 10**10, max_value=NOW_MS + 10**10),
                   st.integers(), _JUNK)


@st.composite
def _force_orders(draw: st.DrawFn) -> dict[str, Any]:
    order = {"s": draw(_SYMBOLS), "S": draw(st.sampled_from(["SELL", "BUY", "sell", "X"])),
             "q": draw(_FIELD), "p": draw(_FIELD), "ap": draw(_FIELD), "z": draw(_FIELD),
             "T": draw(_TIMES)}
    return {"e": "forceOrder", "E": draw(_TIMES), "o": order}


@st.composite
def _marks(draw: st.DrawFn) -> dict[str, Any]:
    return {"e": "markPriceUpdate", "E": draw(_TIMES), "s": draw(_SYMBOLS), "p": draw(_FIELD)}


_EVENTS = st.one_of(_force_orders(), _marks())
_FRAMES = st.one_of(
    _EVENTS.map(json.dumps),
    st.lists(_EVENTS, max_size=5).map(json.dumps),
    _EVENTS.map(lambda e: json.dumps({"stream": "x@forceOrder", "data": e})),
)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_any_bytes_or_text_parse_without_raising(raw: str | bytes) -> None:
    parsed = parse_frame(raw)

    assert parsed.errors >= 0
    assert all(0 < liq.price < math.inf and 0 < liq.quantity < math.inf
               for liq in parsed.liquidations)


@FUZZ
@given(frames=st.lists(_FRAMES, min_size=1, max_size=30))
def test_hostile_field_values_never_reach_the_clusters(frames: list[str]) -> None:
    heatmap = LiveLiquidationHeatmap(clock=lambda: NOW, min_cluster_size=1)
    for frame in [*CORPUS, *frames]:
        heatmap.handle_frame(frame)
    heatmap.refresh()

    health = heatmap.health()
    assert health.messages == len(CORPUS) + len(frames)
    for symbol in heatmap.symbols():
        for cluster in heatmap.get_clusters(symbol):
            assert MIN_PRICE <= cluster.price_level <= MAX_PRICE
            assert 0 < cluster.total_notional <= MAX_NOTIONAL_USD * cluster.liquidation_count
            assert 0.0 <= cluster.strength <= 1.0
            assert math.isfinite(cluster.long_notional + cluster.short_notional)
