"""config/default.yaml and the built-in defaults are the same configuration."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from bot.settings import DEFAULT_CONFIG_FILE, find_config_file, load_settings
from tests.settings.conftest import DEFAULT_YAML


def test_builtin_defaults_equal_default_yaml() -> None:
    shipped = yaml.safe_load(DEFAULT_YAML.read_text(encoding="utf-8"))

    builtin = load_settings(env={})  # no file in the working directory: built-in only

    assert find_config_file() is None
    assert builtin.model_dump(mode="json") == shipped


def test_default_yaml_loads_to_the_builtin_defaults() -> None:
    assert load_settings(config_file=DEFAULT_YAML, env={}) == load_settings(env={})


def test_default_yaml_is_found_in_the_working_directory(isolated: Path) -> None:
    (isolated / "config").mkdir()
    shutil.copy(DEFAULT_YAML, isolated / DEFAULT_CONFIG_FILE)

    assert find_config_file() == DEFAULT_CONFIG_FILE


def test_every_key_in_default_yaml_has_a_comment() -> None:
    key_line = re.compile(r"^\s+\w+:")

    uncommented = [
        line
        for line in DEFAULT_YAML.read_text(encoding="utf-8").splitlines()
        if key_line.match(line) and "#" not in line
    ]

    assert uncommented == []
