"""Each layer wins over the one below: defaults < YAML < environment < overrides."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import Settings, load_settings
from tests.settings.conftest import WriteYaml

# key, YAML text setting it, env var and value, override value, and the value each layer gives.
LAYERED = [
    pytest.param(
        "risk.max_leverage",
        "risk:\n  max_leverage: 3\n",
        ("BOT_RISK__MAX_LEVERAGE", "10"),
        20,
        (5.0, 3.0, 10.0, 20.0),
        id="risk.max_leverage",
    ),
    pytest.param(
        "run.symbols",
        "run:\n  symbols: [BTCUSDT]\n",
        ("BOT_RUN__SYMBOLS", "ETHUSDT,SOLUSDT"),
        ["XRPUSDT"],
        (["BTCUSDT", "ETHUSDT", "SOLUSDT"], ["BTCUSDT"], ["ETHUSDT", "SOLUSDT"], ["XRPUSDT"]),
        id="run.symbols",
    ),
    pytest.param(
        "exchange.ws_url",
        "exchange:\n  ws_url: ws://yaml.example/market\n",
        ("BOT_EXCHANGE__WS_URL", "ws://env.example/market"),
        "ws://127.0.0.1:9000/market",
        (
            "wss://fstream.binance.com/market",
            "ws://yaml.example/market",
            "ws://env.example/market",
            "ws://127.0.0.1:9000/market",
        ),
        id="exchange.ws_url",
    ),
    pytest.param(
        "logging.level",
        "logging:\n  level: warning\n",
        ("BOT_LOGGING__LEVEL", "debug"),
        "ERROR",
        ("INFO", "WARNING", "DEBUG", "ERROR"),
        id="logging.level",
    ),
]


def _get(settings: Settings, dotted: str) -> object:
    section, name = dotted.split(".")
    return getattr(getattr(settings, section), name)


@pytest.mark.parametrize(("key", "yaml_text", "env_var", "override", "expected"), LAYERED)
def test_each_layer_wins_over_the_one_below(
    write_yaml: WriteYaml,
    key: str,
    yaml_text: str,
    env_var: tuple[str, str],
    override: object,
    expected: tuple[object, object, object, object],
) -> None:
    config = write_yaml(yaml_text)
    env = dict([env_var])

    defaults = load_settings(env={})
    from_yaml = load_settings(config_file=config, env={})
    from_env = load_settings(config_file=config, env=env)
    from_override = load_settings(config_file=config, env=env, overrides={key: override})

    got = [_get(s, key) for s in (defaults, from_yaml, from_env, from_override)]
    assert got == list(expected)


def test_layers_merge_key_by_key_within_a_section(write_yaml: WriteYaml) -> None:
    config = write_yaml("risk:\n  max_leverage: 3\n  max_open_positions: 2\n")

    settings = load_settings(
        config_file=config,
        env={"BOT_RISK__MAX_OPEN_POSITIONS": "4"},
        overrides={"risk": {"cooldown_seconds": 10}},
    )

    assert settings.risk.max_leverage == 3.0  # YAML
    assert settings.risk.max_open_positions == 4  # env
    assert settings.risk.cooldown_seconds == 10.0  # override
    assert settings.risk.max_orders_per_minute == 10  # default


def test_nested_and_dotted_overrides_mix() -> None:
    settings = load_settings(
        env={},
        overrides={
            "exchange": {"ws_url": "ws://127.0.0.1:1/market", "rest_url": "http://127.0.0.1:1"},
            "run.symbols": "btcusdt,BTC/USDT:USDT,ETHUSDT",
            "run.duration": 30,
        },
    )

    assert settings.exchange.ws_url == "ws://127.0.0.1:1/market"
    assert settings.exchange.rest_url == "http://127.0.0.1:1"
    assert settings.run.symbols == ["BTCUSDT", "ETHUSDT"]
    assert settings.run.duration == 30.0


def test_none_override_means_flag_not_given() -> None:
    settings = load_settings(env={"BOT_RUN__DURATION": "12"}, overrides={"run.duration": None})

    assert settings.run.duration == 12.0


def test_process_environment_is_read_when_no_mapping_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_RISK__MAX_LEVERAGE", "7")

    assert load_settings().risk.max_leverage == 7.0
    assert load_settings(env={}).risk.max_leverage == 5.0  # a given mapping replaces os.environ


def test_working_directory_default_yaml_is_found(isolated: Path) -> None:
    (isolated / "config").mkdir()
    (isolated / "config" / "default.yaml").write_text("risk:\n  max_leverage: 8\n")

    assert load_settings(env={}).risk.max_leverage == 8.0


def test_explicit_file_replaces_the_working_directory_default(
    isolated: Path, write_yaml: WriteYaml
) -> None:
    (isolated / "config").mkdir()
    (isolated / "config" / "default.yaml").write_text("risk:\n  max_leverage: 8\n")
    config = write_yaml("risk:\n  max_open_positions: 1\n")

    settings = load_settings(config_file=config, env={})

    assert settings.risk.max_leverage == 5.0
    assert settings.risk.max_open_positions == 1


def test_concurrent_loads_keep_their_own_environment() -> None:
    def leverage(value: int) -> float:
        env = {"BOT_RISK__MAX_LEVERAGE": str(value)}
        return load_settings(env=env).risk.max_leverage

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(leverage, range(1, 65)))

    assert results == [float(v) for v in range(1, 65)]


def test_plain_settings_reads_environment_but_no_yaml(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated / "config").mkdir()
    (isolated / "config" / "default.yaml").write_text("risk:\n  max_leverage: 8\n")
    monkeypatch.setenv("BOT_RISK__MAX_OPEN_POSITIONS", "2")
    load_settings(env={})  # must leave no layers behind

    settings = Settings()

    assert settings.risk.max_leverage == 5.0
    assert settings.risk.max_open_positions == 2


@pytest.mark.parametrize(("name", "expected"), [
    ("BOT_RISK__KILL_SWTICH", "environment variable BOT_RISK__KILL_SWTICH: risk.kill_swtich: "
                              "unknown setting (did you mean risk.kill_switch?)"),
    ("BOT_RISKK__KILL_SWITCH", "environment variable BOT_RISKK__KILL_SWITCH: "
                               "riskk.kill_switch: unknown setting"),
    ("BOT_UNRELATED", "environment variable BOT_UNRELATED: unrelated: unknown setting"),
    ("bot_risk__max_leverag", "risk.max_leverag: unknown setting (did you mean "
                              "risk.max_leverage?)"),
    ("BOT_RISK__MAX_LEVERAGE__X", "risk.max_leverage.x: unknown setting"),
])
def test_unknown_environment_names_are_refused_naming_the_variable(name: str,
                                                                    expected: str) -> None:
    env = {name: "true", "BOT_RISK__MAX_LEVERAGE": "6"}

    with pytest.raises(ConfigError) as raised:
        load_settings(env=env)

    assert expected in str(raised.value)
    assert "\n" not in str(raised.value)


def test_known_environment_names_and_whole_sections_are_taken() -> None:
    settings = load_settings(env={"BOT_RISK__MAX_LEVERAGE": "6", "bot_run__mode": "paper",
                                  "BOT_PAPER": '{"starting_balance": 500}'})

    assert (settings.risk.max_leverage, settings.paper.starting_balance) == (6.0, 500.0)


def test_settings_are_frozen() -> None:
    settings = load_settings(env={})

    with pytest.raises(ValueError, match="frozen"):
        settings.risk.max_leverage = 50


def test_live_section_reaches_the_live_venue_and_reconciliation() -> None:
    from bot.app.live import live_config_from, reconcile_policy_from
    from bot.settings import load_settings

    settings = load_settings(overrides={"live.margin_mode": "cross",
                                        "live.adopt_unknown_positions": True,
                                        "live.poll_interval": 0.5, "risk.max_leverage": 7.5})
    config = live_config_from(settings)
    assert (config.margin_mode, config.poll_interval_seconds, config.leverage) == ("cross", 0.5, 8)
    assert reconcile_policy_from(settings).adopt_unknown is True
