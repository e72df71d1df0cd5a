"""Client order ids of a fleet: one bot's never equal another's, all within Binance's 36."""

from __future__ import annotations

import re

import pytest

from bot.app.trade_log import client_order_id
from bot.execution.client_ids import MAX_CLIENT_ID, bot_tag, with_bot_tag
from bot.execution.live.protection import derived_id
from bot.journal import OrderPurpose, TradeMode

BINANCE_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
AT_MS = 1_733_350_000_000


def test_the_default_bot_keeps_the_ids_journaled_before_bot_ids_existed() -> None:
    assert client_order_id(TradeMode.LIVE, OrderPurpose.ENTRY, "BTCUSDT", AT_MS) == (
        f"lhlen-BTCUSDT-{AT_MS}")
    assert bot_tag("default") == ""


@pytest.mark.parametrize("symbol", ["BTCUSDT", "1000SHIBUSDT", "1000000MOGUSDT"])
@pytest.mark.parametrize("bot_id", ["a", "fleet-eu.03", "x" * 64])
def test_every_bot_id_fits_and_survives_derivation(symbol: str, bot_id: str) -> None:
    entry = client_order_id(TradeMode.LIVE, OrderPurpose.ENTRY, symbol, AT_MS, bot_id)
    stop = derived_id(entry, "sl")

    for cid in (entry, stop):
        assert BINANCE_ID.match(cid), cid
        assert len(cid) <= MAX_CLIENT_ID
    assert entry.endswith(f"{AT_MS}{bot_tag(bot_id)}")
    assert stop.endswith(f"{AT_MS}{bot_tag(bot_id)}-sl")


def test_two_bots_never_make_the_same_id_for_the_same_decision() -> None:
    ids = {client_order_id(TradeMode.PAPER, OrderPurpose.ENTRY, "ETHUSDT", AT_MS, bot)
           for bot in ("default", "alpha", "beta", "bot-1", "bot-2")}

    assert len(ids) == 5
    assert with_bot_tag("same", "alpha") == with_bot_tag("same", "alpha")  # deterministic
