"""The environment variables the contract promises, read from the real process environment."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.settings import Settings, load_settings

CONTRACT_VARS = [
    ("BOT_JOURNAL__URL", "sqlite:////tmp/j.db", lambda s: s.journal.url, "sqlite:////tmp/j.db"),
    (
        "BOT_EXCHANGE__WS_URL",
        "ws://127.0.0.1:8765/market",
        lambda s: s.exchange.ws_url,
        "ws://127.0.0.1:8765/market",
    ),
    (
        "BOT_EXCHANGE__REST_URL",
        "http://127.0.0.1:8765",
        lambda s: s.exchange.rest_url,
        "http://127.0.0.1:8765",
    ),
    ("BOT_RISK__MAX_LEVERAGE", "1", lambda s: s.risk.max_leverage, 1.0),
    ("BOT_RISK__MAX_LEVERAGE", "125", lambda s: s.risk.max_leverage, 125.0),
    ("BOT_RISK__MAX_LEVERAGE", "12.5", lambda s: s.risk.max_leverage, 12.5),
    ("BOT_LOGGING__LEVEL", "DEBUG", lambda s: s.logging.level, "DEBUG"),
    ("BOT_LOGGING__LEVEL", "warning", lambda s: s.logging.level, "WARNING"),
    (
        "BOT_EXCHANGE__API_KEY",
        "k-1234567",
        lambda s: s.exchange.api_key.get_secret_value(),
        "k-1234567",
    ),
    (
        "BOT_EXCHANGE__API_SECRET",
        "s-4567890",
        lambda s: s.exchange.api_secret.get_secret_value(),
        "s-4567890",
    ),
]


@pytest.mark.parametrize(("name", "value", "read", "expected"), CONTRACT_VARS)
def test_contract_variable_sets_its_key(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
    read: object,
    expected: object,
) -> None:
    monkeypatch.setenv(name, value)

    settings = load_settings()

    assert callable(read)
    assert read(settings) == expected


def test_default_journal_is_a_file_in_the_working_directory() -> None:
    assert load_settings().journal.url == "sqlite:///bot-journal.db"


@pytest.mark.parametrize(("value", "shown"), [("banana", "'banana'"), ("200", "'200'")])
def test_leverage_out_of_contract_range_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str, shown: str
) -> None:
    monkeypatch.setenv("BOT_RISK__MAX_LEVERAGE", value)

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert str(caught.value) == (
        f"risk.max_leverage: expected a number between 1 and 125, got {shown}"
    )


def test_all_contract_variables_together(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value, _read, _expected in CONTRACT_VARS:
        monkeypatch.setenv(name, value)

    settings: Settings = load_settings()

    for name, _value, read, expected in CONTRACT_VARS:
        if name == "BOT_RISK__MAX_LEVERAGE":
            expected = 12.5  # the last one set wins
        if name == "BOT_LOGGING__LEVEL":
            expected = "WARNING"
        assert read(settings) == expected, name
