"""``load_settings``: the one way the application builds its ``Settings``."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from bot.errors import ConfigError
from bot.settings.messages import config_error, unknown_key_message
from bot.settings.models import Settings
from bot.settings.safety import refuse_exposed_keys
from bot.settings.sources import (
    Layers,
    expand_overrides,
    read_config_file,
    unknown_environment_names,
    using_layers,
)

__all__ = ["DEFAULT_CONFIG_FILE", "find_config_file", "load_settings"]

_LOG = logging.getLogger(__name__)

# Relative on purpose: resolved against the working directory, so a non-editable install
# (where the repository's config/ is not next to the package) finds the user's copy.
DEFAULT_CONFIG_FILE = Path("config") / "default.yaml"


def find_config_file(config_file: Path | str | None = None) -> Path | None:
    """The YAML file to read: the one given, else ``./config/default.yaml``, else none.

    Raises:
        ConfigError: ``config_file`` was given but does not exist (the message names it).
    """
    if config_file is not None:
        path = Path(config_file).expanduser()
        if not path.is_file():
            reason = "is a directory" if path.is_dir() else "not found"
            raise ConfigError(f"{path}: config file {reason}")
        return path
    if DEFAULT_CONFIG_FILE.is_file():
        return DEFAULT_CONFIG_FILE
    # No file at all: the built-in defaults, which equal config/default.yaml.
    return None


def refuse_unknown_environment(environ: Mapping[str, str]) -> None:
    """Refuse ``BOT_*`` variables that name no setting, as unknown YAML keys are refused.

    Raises:
        ConfigError: one line per variable, naming it and the closest setting
            (``BOT_RISK__KILL_SWTICH=true`` must not leave the kill switch off).
    """
    unknown = unknown_environment_names(Settings, environ)
    if unknown:
        raise ConfigError("\n".join(
            f"environment variable {name}: {unknown_key_message(Settings, path)}"
            for name, path in unknown))


def load_settings(
    config_file: Path | str | None = None,
    overrides: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings from defaults < YAML < environment < overrides.

    Args:
        config_file: the ``--config FILE``; ``None`` reads ``./config/default.yaml`` if present.
        overrides: command-line values, nested (``{"exchange": {"ws_url": ...}}``) or dotted
            (``{"run.symbols": "BTCUSDT,ETHUSDT"}``); ``None`` values are ignored.
        env: the environment to read ``BOT_*`` variables from; ``None`` means ``os.environ``.

    Returns:
        The validated, frozen settings.

    Raises:
        ConfigError: a value is bad (one line per key: ``risk.max_leverage: expected a number
            between 1 and 125, got 'banana'``), a key is unknown, or the file is missing,
            malformed or holds API keys while readable by others.
    """
    refuse_unknown_environment(os.environ if env is None else env)
    path = find_config_file(config_file)
    _LOG.debug(
        "settings: config file %s", path if path is not None else "(none: built-in defaults)"
    )
    yaml_data = read_config_file(path) if path is not None else {}
    if path is not None:
        refuse_exposed_keys(path, yaml_data)
    nested = expand_overrides(overrides or {})
    unknown = [key for key in nested if key not in Settings.model_fields]
    if unknown:
        # Checked here because BaseSettings would take e.g. "_env_file" as its own option.
        raise ConfigError("\n".join(unknown_key_message(Settings, [key]) for key in unknown))
    # Keyword arguments become the top (init) source; typed loosely because validation,
    # not the type checker, is what vets them.
    init_kwargs: dict[str, Any] = nested
    with using_layers(Layers(yaml_data=yaml_data, environ=env)):
        try:
            return Settings(**init_kwargs)
        except ValidationError as error:
            raise config_error(error, Settings) from None
        except SettingsError as error:
            raise ConfigError(str(error)) from None
