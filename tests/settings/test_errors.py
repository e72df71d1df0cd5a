"""Every bad value becomes a ConfigError naming its key, what was expected and what was given."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings
from tests.settings.conftest import WriteYaml

LEVERAGE = "risk.max_leverage: expected a number between 1 and 125"

# (where the value comes from, the value, the exact message)
BAD_VALUES = [
    pytest.param(
        "env", {"BOT_RISK__MAX_LEVERAGE": "banana"}, f"{LEVERAGE}, got 'banana'", id="non-number"
    ),
    pytest.param(
        "env", {"BOT_RISK__MAX_LEVERAGE": "200"}, f"{LEVERAGE}, got '200'", id="above-range-env"
    ),
    pytest.param(
        "yaml", "risk:\n  max_leverage: 200\n", f"{LEVERAGE}, got 200", id="above-range-yaml"
    ),
    pytest.param("yaml", "risk:\n  max_leverage: 0.5\n", f"{LEVERAGE}, got 0.5", id="below-range"),
    pytest.param("env", {"BOT_RISK__MAX_LEVERAGE": "nan"}, f"{LEVERAGE}, got 'nan'", id="nan"),
    pytest.param("override", {"risk.max_leverage": "inf"}, f"{LEVERAGE}, got 'inf'", id="infinity"),
    pytest.param(
        "yaml",
        "heatmap:\n  cluster_window_pct: 0\n",
        "heatmap.cluster_window_pct: expected a number above 0 and at most 1, got 0",
        id="open-lower-bound",
    ),
    pytest.param(
        "env",
        {"BOT_HEATMAP__MIN_CLUSTER_SIZE": "2.5"},
        "heatmap.min_cluster_size: expected a whole number between 1 and 10,000, got '2.5'",
        id="not-whole",
    ),
    pytest.param(
        "yaml",
        "heatmap:\n  time_decay_minutes: -1\n",
        "heatmap.time_decay_minutes: expected a number above 0 and at most 1,000,000,000, got -1",
        id="negative",
    ),
    pytest.param(
        "yaml",
        "paper:\n  taker_fee_rate: 1\n",
        "paper.taker_fee_rate: expected a number of at least 0 and below 1, got 1",
        id="half-open-range",
    ),
    pytest.param(
        "yaml",
        "risk:\n  max_leverage: yes\n",  # YAML 1.1 reads yes as true; true is not 1
        f"{LEVERAGE}, got True",
        id="boolean-for-number",
    ),
    pytest.param(
        "yaml",
        "risk:\n  kill_switch: maybe\n",
        "risk.kill_switch: expected true or false, got 'maybe'",
        id="wrong-type-bool",
    ),
    pytest.param(
        "yaml",
        "paper:\n  starting_balance: [1, 2]\n",
        "paper.starting_balance: expected a number above 0 and at most 1,000,000,000,000, "
        "got [1, 2]",
        id="wrong-type-list",
    ),
    pytest.param(
        "yaml",
        "exchange:\n  ws_url: 12\n",
        "exchange.ws_url: expected a string, got 12",
        id="wrong-type-str",
    ),
    pytest.param(
        "yaml",
        "risk: 5\n",
        "risk: expected a mapping of settings (name: value), got 5",
        id="section-not-mapping",
    ),
    pytest.param(
        "yaml",
        "risk:\n  max_leverag: 3\n",
        "risk.max_leverag: unknown setting (did you mean risk.max_leverage?)",
        id="unknown-yaml-key",
    ),
    pytest.param(
        "yaml",
        "riskk:\n  max_leverage: 3\n",
        "riskk: unknown setting (did you mean risk?)",
        id="unknown-yaml-section",
    ),
    pytest.param(
        "override",
        {"run.symbol": "BTCUSDT"},
        "run.symbol: unknown setting (did you mean run.symbols?)",
        id="unknown-override",
    ),
    pytest.param(
        "override",
        {"_env_file": ".env"},
        "_env_file: unknown setting",
        id="override-cannot-reach-settings-options",
    ),
    pytest.param(
        "env",
        {"BOT_LOGGING__LEVEL": "verbose"},
        "logging.level: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'verbose'",
        id="bad-log-level",
    ),
    pytest.param(
        "yaml",
        "run:\n  mode: demo\n",
        "run.mode: expected one of paper, live, got 'demo'",
        id="bad-mode",
    ),
    pytest.param(
        "env",
        {"BOT_RUN__SYMBOLS": "BTCUSDT,BTC-USDT"},
        "run.symbols: expected symbols like BTCUSDT or BTC/USDT:USDT, got 'BTC-USDT'",
        id="bad-symbol",
    ),
    pytest.param(
        "yaml",
        "run:\n  symbols: [BTCUSDT, 5]\n",
        "run.symbols: expected symbols like BTCUSDT or BTC/USDT:USDT, got 5",
        id="symbol-not-text",
    ),
    pytest.param(
        "override",
        {"run.symbols": " , "},
        "run.symbols: expected at least one symbol, got none",
        id="no-symbols",
    ),
    pytest.param(
        "env",
        {"BOT_EXCHANGE__WS_URL": "https://fstream.binance.com"},
        "exchange.ws_url: expected a URL starting with ws:// or wss://, "
        "got 'https://fstream.binance.com'",
        id="bad-ws-url",
    ),
    pytest.param(
        "env",
        {"BOT_EXCHANGE__REST_URL": "127.0.0.1:8080"},
        "exchange.rest_url: expected a URL starting with http:// or https://, got '127.0.0.1:8080'",
        id="bad-rest-url",
    ),
    pytest.param(
        "env",
        {"BOT_JOURNAL__URL": "bot-journal.db"},
        "journal.url: expected a SQLAlchemy URL such as sqlite:///bot-journal.db or "
        "postgresql+psycopg://user:password@host:5432/db, got 'bot-journal.db'",
        id="bad-journal-url",
    ),
    pytest.param(
        "env",
        {"BOT_RUN": "not json"},
        "run: expected a mapping of settings (name: value), got 'not json'",
        id="section-env-not-json",
    ),
    pytest.param(
        "yaml",
        "strategy:\n  strength_weight: 0\n  distance_weight: 0\n",
        "strategy: expected strength_weight or distance_weight above 0, got 0 for both",
        id="cross-field",
    ),
]


@pytest.mark.parametrize(("layer", "value", "message"), BAD_VALUES)
def test_bad_value_names_its_key(
    write_yaml: WriteYaml, layer: str, value: object, message: str
) -> None:
    kwargs: dict[str, object] = {"env": {}}
    if layer == "env":
        kwargs["env"] = value
    elif layer == "yaml":
        assert isinstance(value, str)
        kwargs["config_file"] = write_yaml(value)
    else:
        kwargs["overrides"] = value

    with pytest.raises(ConfigError) as caught:
        load_settings(**kwargs)  # type: ignore[arg-type]

    assert str(caught.value) == message
    # A clean error for the user: no pydantic traceback chained behind it.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__


def test_one_line_per_bad_key() -> None:
    env = {"BOT_RISK__MAX_LEVERAGE": "banana", "BOT_LOGGING__LEVEL": "loud"}

    with pytest.raises(ConfigError) as caught:
        load_settings(env=env)

    assert str(caught.value).splitlines() == [
        "risk.max_leverage: expected a number between 1 and 125, got 'banana'",
        "logging.level: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'loud'",
    ]


def test_missing_config_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"

    with pytest.raises(ConfigError, match=r"nope\.yaml: config file not found"):
        load_settings(config_file=missing, env={})


def test_malformed_yaml_names_the_line(write_yaml: WriteYaml) -> None:
    config = write_yaml("risk:\n  max_leverage: 3\n  kill_switch: [true\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(config_file=config, env={})

    message = str(caught.value)
    assert message.startswith(f"{config}, line 4")
    assert "malformed YAML" in message


def test_duplicate_yaml_key_is_refused(write_yaml: WriteYaml) -> None:
    config = write_yaml("risk:\n  max_leverage: 3\n  max_leverage: 50\n")

    with pytest.raises(ConfigError, match=r"line 3, column 3: .*'max_leverage' is given twice"):
        load_settings(config_file=config, env={})


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n"])
def test_yaml_that_is_not_a_mapping_is_refused(write_yaml: WriteYaml, text: str) -> None:
    config = write_yaml(text)

    with pytest.raises(ConfigError, match="expected a mapping of sections"):
        load_settings(config_file=config, env={})


@pytest.mark.parametrize("text", ["", "# nothing\n", "risk:\n  # max_leverage: 3\n"])
def test_empty_file_or_section_means_defaults(write_yaml: WriteYaml, text: str) -> None:
    config = write_yaml(text)

    assert load_settings(config_file=config, env={}) == load_settings(env={})


def test_conflicting_overrides_are_refused() -> None:
    with pytest.raises(ConfigError, match="run: given both as a value and as a section"):
        load_settings(env={}, overrides={"run": "x", "run.symbols": "BTCUSDT"})


def test_blank_optional_values_mean_unset() -> None:
    settings = load_settings(env={"BOT_EXCHANGE__REST_URL": "", "BOT_EXCHANGE__API_KEY": " "})

    assert settings.exchange.rest_url is None
    assert settings.exchange.api_key is None
