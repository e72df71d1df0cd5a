"""The config loader: any YAML values and environment text give settings or one ConfigError."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from bot.errors import ConfigError
from bot.settings import Settings, load_settings
from tests.fuzz.budget import FUZZ

_SECTIONS = sorted(Settings.model_fields)
_KEYS = {name: sorted(Settings.model_fields[name].annotation.model_fields)  # type: ignore[union-attr]
         for name in _SECTIONS}
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**20, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
    st.sampled_from(["1e300", "1" + "0" * 500, "-1", "0", "inf", "nan", "BTCUSDT,ETHUSDT",
                     "sqlite:///x.db", "mysql://u:p@h/db", "wss://x", "\x00"]),
)


@st.composite
def _documents(draw: st.DrawFn) -> dict[str, object]:
    document: dict[str, object] = {}
    for section in draw(st.lists(st.sampled_from(_SECTIONS), max_size=4, unique=True)):
        keys = draw(st.lists(st.one_of(st.sampled_from(_KEYS[section]), st.text(max_size=8)),
                             max_size=4, unique=True))
        document[section] = {key: draw(_VALUES) for key in keys}
    return document


def _assert_clean(error: ConfigError, key: str = "") -> None:
    assert key in str(error)
    for line in str(error).splitlines():
        assert line.strip()
        assert "Traceback" not in line
        assert len(line) < 1_000


@FUZZ
@example(document={"exchange": {"\x1e\r": None}})  # found by this test: a two-line error
@given(document=_documents())
def test_any_yaml_document_loads_or_names_the_bad_keys(
    tmp_path_factory: pytest.TempPathFactory, document: dict[str, object],
) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    path.chmod(0o600)

    try:
        settings = load_settings(config_file=path, env={})
    except ConfigError as error:
        _assert_clean(error)
        return
    assert isinstance(settings, Settings)


@FUZZ
@given(section=st.sampled_from(_SECTIONS), data=st.data(),
       value=st.text(max_size=40).filter(lambda t: "\x00" not in t))
def test_any_environment_text_loads_or_names_the_key(
    section: str, data: st.DataObject, value: str,
) -> None:
    key = data.draw(st.sampled_from(_KEYS[section]))
    env = {f"BOT_{section.upper()}__{key.upper()}": value}

    try:
        load_settings(env=env)
    except ConfigError as error:
        _assert_clean(error, section)


@FUZZ
@given(text=st.text(max_size=200))
def test_any_yaml_text_loads_or_is_one_clean_error(
    tmp_path_factory: pytest.TempPathFactory, text: str,
) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz-text.yaml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)

    try:
        load_settings(config_file=path, env={})
    except ConfigError as error:
        _assert_clean(error)
