"""Leverage brackets read through the gateway from the simulator's ``/fapi/v1/leverageBracket``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.errors import AuthenticationFailed
from bot.exchange import BinanceGateway
from bot.heatmap.projection import brackets_from_exchange
from bot.sim import SimExchange
from bot.sim.rest.brackets import Brackets
from tests.exchange.conftest import GatewayFactory


def test_the_brackets_of_every_symbol_are_the_simulators_own(gateway: BinanceGateway,
                                                              sim: SimExchange) -> None:
    tables = brackets_from_exchange(gateway.fetch_leverage_brackets())

    assert sorted(tables) == sorted(sim.market.symbols)
    own = Brackets(Decimal(repr(sim.market.config.maintenance_margin))).tiers
    for table in tables.values():
        assert [(t.floor, t.cap, t.max_leverage, t.maint_margin_ratio, t.cum)
                for t in table.tiers] == [
            (float(t.notional_floor), float(t.notional_cap), float(t.initial_leverage),
             float(t.maint_margin_ratio), float(t.cum)) for t in own]
    # A notional in the third tier gets that tier's rate, as the simulator's margin does.
    third = own[2]
    middle = float(third.notional_floor + third.notional_cap) / 2
    assert tables["BTCUSDT"].for_notional(middle).maint_margin_ratio == float(
        third.maint_margin_ratio)


def test_a_keyless_gateway_refuses_to_ask_for_brackets(make_gateway: GatewayFactory,
                                                       sim: SimExchange) -> None:
    paper = make_gateway(keys=False)

    with pytest.raises(AuthenticationFailed, match="no API keys"):
        paper.fetch_leverage_brackets()
    assert sim.rest.signed_requests.total == 0
