"""The paper venue gets the traded symbols' lot and tick rules from the exchange's markets."""

from __future__ import annotations

import random

from bot.app.bootstrap import refuse_unlisted_symbols, with_simulator_urls
from bot.clock import utc_now
from bot.settings import load_settings
from bot.sim import SimExchange


def test_the_start_check_returns_the_markets_rules_of_the_traded_symbols() -> None:
    settings = load_settings(overrides={"run.symbols": ["BTCUSDT", "ETH/USDT:USDT"]})
    with SimExchange(clock=utc_now, rng=random.Random(3)) as sim:
        rules = refuse_unlisted_symbols(with_simulator_urls(settings, sim), utc_now, "sim")

    assert sorted(rules) == ["BTCUSDT", "ETHUSDT"]
    btc = rules["BTCUSDT"]
    spec = sim.market.spec("BTCUSDT")
    assert btc.step_size == float(spec.step_size)
    assert btc.tick_size == float(spec.tick_size)
    assert btc.min_notional == float(spec.min_notional)
    assert btc.min_quantity == float(spec.step_size)  # LOT_SIZE minQty is one step
