"""Safety gates: live mode needs keys, key files stay private, secrets never show."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import (
    Settings,
    check_config_file_permissions,
    load_settings,
    masked_dump,
    validate_for_live,
)
from tests.settings.conftest import WriteYaml

KEY = "live-key-do-not-show"
SECRET = "live-secret-do-not-show"
KEYS_YAML = f"exchange:\n  api_key: {KEY}\n  api_secret: {SECRET}\n"
POSIX_ONLY = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "BOT_EXCHANGE__API_KEY, BOT_EXCHANGE__API_SECRET"),
        ({"BOT_EXCHANGE__API_KEY": KEY}, "BOT_EXCHANGE__API_SECRET"),
        ({"BOT_EXCHANGE__API_SECRET": SECRET}, "BOT_EXCHANGE__API_KEY"),
        (
            {"BOT_EXCHANGE__API_KEY": "  ", "BOT_EXCHANGE__API_SECRET": SECRET},
            "BOT_EXCHANGE__API_KEY",
        ),
    ],
)
def test_live_without_keys_is_refused_naming_the_missing_variable(
    env: dict[str, str], missing: str
) -> None:
    settings = load_settings(env={**env, "BOT_RUN__MODE": "live"})

    with pytest.raises(ConfigError) as caught:
        validate_for_live(settings)

    assert f"missing: {missing} (" in str(caught.value)


def test_live_with_both_keys_passes() -> None:
    env = {"BOT_EXCHANGE__API_KEY": KEY, "BOT_EXCHANGE__API_SECRET": SECRET}

    validate_for_live(load_settings(env=env, overrides={"run.mode": "LIVE"}))


def test_paper_needs_no_keys() -> None:
    validate_for_live(load_settings(env={}))


@POSIX_ONLY
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_config_file_with_keys_readable_by_others_is_refused(
    write_yaml: WriteYaml, mode: int
) -> None:
    config = write_yaml(KEYS_YAML, mode=mode)

    with pytest.raises(ConfigError) as caught:
        check_config_file_permissions(config)
    with pytest.raises(ConfigError):
        load_settings(config_file=config, env={})

    assert f"chmod 600 {config}" in str(caught.value)
    assert KEY not in str(caught.value)


@POSIX_ONLY
def test_private_config_file_with_keys_is_accepted(write_yaml: WriteYaml) -> None:
    config = write_yaml(KEYS_YAML, mode=0o600)

    check_config_file_permissions(config)
    settings = load_settings(config_file=config, env={})

    assert settings.exchange.api_key is not None
    assert settings.exchange.api_key.get_secret_value() == KEY


@POSIX_ONLY
def test_readable_config_file_without_keys_is_accepted(write_yaml: WriteYaml) -> None:
    config = write_yaml("exchange:\n  api_key: null\nrisk:\n  max_leverage: 2\n", mode=0o644)

    check_config_file_permissions(config)
    assert load_settings(config_file=config, env={}).risk.max_leverage == 2.0


def test_permission_check_of_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        check_config_file_permissions(tmp_path / "absent.yaml")


def _with_secrets() -> Settings:
    """Settings holding both API keys and a database password."""
    env = {
        "BOT_EXCHANGE__API_KEY": KEY,
        "BOT_EXCHANGE__API_SECRET": SECRET,
        "BOT_JOURNAL__URL": "postgresql://bot:db-password-do-not-show@db/journal",
    }
    return load_settings(env=env)


def test_masked_dump_hides_secrets_and_shows_everything_else() -> None:
    settings = _with_secrets()

    dump = masked_dump(settings)

    assert dump["exchange"]["api_key"] == "**********"
    assert dump["exchange"]["api_secret"] == "**********"
    assert dump["journal"]["url"] == "postgresql://bot:***@db/journal"
    assert dump["risk"]["max_leverage"] == 5.0
    assert dump["run"]["symbols"] == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    assert set(dump) == set(type(settings).model_fields)
    for hidden in (KEY, SECRET, "db-password-do-not-show"):
        assert hidden not in repr(dump)


def test_masked_dump_shows_unset_secrets_as_none() -> None:
    dump = masked_dump(load_settings(env={}))

    assert dump["exchange"]["api_key"] is None
    assert dump["exchange"]["api_secret"] is None


def test_repr_and_str_hide_secrets() -> None:
    settings = _with_secrets()

    for text in (repr(settings), str(settings), repr(settings.exchange), str(settings.journal)):
        assert KEY not in text
        assert SECRET not in text
        assert "db-password-do-not-show" not in text
    assert "**********" in repr(settings)


def test_errors_never_echo_a_secret(write_yaml: WriteYaml) -> None:
    config = write_yaml("exchange:\n  api_key: 123456789\n", mode=0o600)

    with pytest.raises(ConfigError) as caught:
        load_settings(config_file=config, env={})

    assert "123456789" not in str(caught.value)
    assert str(caught.value).startswith("exchange.api_key: expected a string")


def test_errors_never_echo_a_database_password() -> None:
    env = {"BOT_JOURNAL__URL": "bot:db-password-do-not-show@db/journal"}

    with pytest.raises(ConfigError) as caught:
        load_settings(env=env)

    assert str(caught.value).startswith("journal.url: expected a SQLAlchemy URL")
    assert "db-password-do-not-show" not in str(caught.value)
