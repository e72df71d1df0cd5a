"""``bot.symbols``: the closest listed ids of a symbol nobody lists."""

from __future__ import annotations

from bot.symbols import unlisted_symbols

LISTED = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]


def test_listed_symbols_in_either_form_pass() -> None:
    assert unlisted_symbols(["BTCUSDT", "eth/usdt:usdt"], LISTED) == []


def test_unlisted_symbols_come_with_the_closest_listed_ids() -> None:
    (btcusd, doge) = unlisted_symbols(["BTCUSD", "ETHUSDT", "DOGEUSDT"], LISTED)

    assert btcusd[0] == "BTCUSD"
    assert btcusd[1][0] == "BTCUSDT"
    assert doge[0] == "DOGEUSDT"


def test_nothing_close_gives_no_suggestion() -> None:
    assert unlisted_symbols(["XQZ"], LISTED) == [("XQZ", [])]
