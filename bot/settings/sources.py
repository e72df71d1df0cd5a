"""Where settings come from: the YAML layer, the environment layer and command-line overrides.

pydantic-settings merges the layers (``Settings.settings_customise_sources`` orders them); this
module only supplies them. A per-call YAML mapping and environment reach that class hook
through a context variable, so concurrent loads in different threads never see each other's.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
)

from bot.errors import ConfigError

__all__ = [
    "Layers",
    "expand_overrides",
    "read_config_file",
    "settings_sources",
    "unknown_environment_names",
    "using_layers",
]

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Layers:
    """The per-call inputs of one settings build.

    Attributes:
        yaml_data: the parsed config file (empty: none).
        environ: the environment to read ``BOT_*`` from; ``None`` means ``os.environ``.
    """

    yaml_data: Mapping[str, object]
    environ: Mapping[str, str] | None = None


_LAYERS: ContextVar[Layers | None] = ContextVar("bot_settings_layers", default=None)


@contextmanager
def using_layers(layers: Layers) -> Iterator[None]:
    """Make ``layers`` the inputs of every ``Settings(...)`` built inside the block."""
    token = _LAYERS.set(layers)
    try:
        yield
    finally:
        _LAYERS.reset(token)


def settings_sources(
    settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource
) -> tuple[PydanticBaseSettingsSource, ...]:
    """The sources of one build, highest priority first: overrides, environment, YAML."""
    layers = _LAYERS.get()
    environ = layers.environ if layers is not None else None
    sources: list[PydanticBaseSettingsSource] = [init_settings, BotEnvSource(settings_cls, environ)]
    if layers is not None and layers.yaml_data:
        # The YAML is read and checked by ``read_config_file``; an init-kwargs source feeds it
        # in exactly as ``YamlConfigSettingsSource`` would, minus its silent skip of a missing file.
        sources.append(InitSettingsSource(settings_cls, init_kwargs=dict(layers.yaml_data)))
    return tuple(sources)


class BotEnvSource(EnvSettingsSource):
    """``BOT_*`` variables from ``os.environ`` or a given mapping.

    Two departures from the stock source: a value that is not JSON reaches validation as text
    (so ``BOT_RUN__SYMBOLS=BTCUSDT,ETHUSDT`` works and bad JSON is reported against its key),
    and ``BOT_<SECTION>__<NAME>`` naming no setting is dropped with a warning (``load_settings``
    refuses such names before it gets here: see ``unknown_environment_names``).
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str] | None) -> None:
        """Read ``environ`` (``None``: the process environment)."""
        super().__init__(settings_cls)
        if environ is not None:
            # The base class has just read os.environ; swap in the caller's mapping, keyed the
            # way the base class keys it (lower case unless the settings are case-sensitive).
            self.env_vars = {
                (name if self.case_sensitive else name.lower()): value
                for name, value in environ.items()
            }

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        """JSON-decode ``value``; text that is not JSON is passed on unchanged."""
        try:
            return super().decode_complex_value(field_name, field, value)
        except ValueError:
            return value

    def explode_env_vars(
        self, field_name: str, field: FieldInfo, env_vars: Mapping[str, str | None]
    ) -> dict[str, Any]:
        """Nested ``BOT_<SECTION>__<NAME>`` values of one section, unknown names dropped."""
        exploded = super().explode_env_vars(field_name, field, env_vars)
        section = field.annotation
        if isinstance(section, type) and issubclass(section, BaseModel):
            for name in [name for name in exploded if name not in section.model_fields]:
                _LOG.warning(
                    "ignoring environment variable %s%s__%s: %s has no setting %r",
                    self.env_prefix.upper(),
                    field_name.upper(),
                    name.upper(),
                    field_name,
                    name,
                )
                del exploded[name]
        return exploded


def unknown_environment_names(
    settings_cls: type[BaseSettings], environ: Mapping[str, str]
) -> list[tuple[str, list[str]]]:
    """Every ``BOT_*`` variable of ``environ`` naming no section or setting, with its path.

    ``BOT_RISK__KILL_SWTICH`` gives ``("BOT_RISK__KILL_SWTICH", ["risk", "kill_swtich"])``;
    a whole section (``BOT_RISK='{...}'``) is a known name. Matching ignores case, as the
    environment source does.
    """
    config = settings_cls.model_config
    prefix = str(config.get("env_prefix", "")).lower()
    delimiter = str(config.get("env_nested_delimiter") or "__")
    unknown = []
    for name in sorted(environ):
        if not prefix or not name.lower().startswith(prefix):
            continue
        path = name[len(prefix):].lower().split(delimiter)
        if not _names_a_setting(settings_cls, path):
            unknown.append((name, path))
    return unknown


def _names_a_setting(settings_cls: type[BaseSettings], path: list[str]) -> bool:
    section = settings_cls.model_fields.get(path[0])
    if section is None or len(path) > 2:
        return False
    model = section.annotation
    return len(path) == 1 or (isinstance(model, type) and issubclass(model, BaseModel)
                              and path[1] in model.model_fields)


def expand_overrides(overrides: Mapping[str, object]) -> dict[str, object]:
    """Turn ``{"run.symbols": ..., "exchange": {"ws_url": ...}}`` into one nested mapping.

    Dotted keys and nested mappings may be mixed. ``None`` values are dropped: a command-line
    flag that was not given overrides nothing.

    Raises:
        ConfigError: a key is malformed or set both as a value and as a section.
    """
    nested: dict[str, object] = {}
    for dotted, value in _flatten(overrides, ()):
        *parents, leaf = dotted
        node = nested
        for depth, part in enumerate(parents):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                key = ".".join(dotted[: depth + 1])
                raise ConfigError(f"{key}: given both as a value and as a section of settings")
            node = child
        if isinstance(node.get(leaf), dict):
            raise ConfigError(f"{'.'.join(dotted)}: given both as a value and as a section")
        node[leaf] = value
    return nested


def _flatten(
    mapping: Mapping[str, object], prefix: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], object]]:
    """Yield ``(key path, value)`` for every leaf of ``mapping``, splitting dotted keys."""
    for key, value in mapping.items():
        parts = (*prefix, *str(key).split("."))
        if not all(part.strip() for part in parts):
            raise ConfigError(f"{'.'.join(parts)!r}: not a setting name")
        if isinstance(value, Mapping):
            yield from _flatten(value, parts)
        elif value is not None:
            yield parts, value


class _StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses a key given twice in one mapping (PyYAML keeps the last)."""


def _construct_unique_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Hashable] = set()
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, Hashable):
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)

_MAX_INT_DIGITS = 100


def _construct_bounded_int(loader: _StrictLoader, node: yaml.ScalarNode) -> object:
    # Python refuses to convert more than 4,300 digits (CVE-2020-10735) with a ValueError
    # that names no key; kept as text, such a number fails validation under its own key.
    text = loader.construct_scalar(node)
    if isinstance(text, str) and len(text) > _MAX_INT_DIGITS:
        return text
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_bounded_int)


def read_config_file(path: Path) -> dict[str, object]:
    """Parse a YAML config file into a mapping of sections.

    A section left empty (every key commented out) reads as no section.

    Raises:
        ConfigError: the file is missing, unreadable, not YAML, or not a mapping; the message
            names the file (and the line, for malformed YAML).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config file ({error})") from None
    try:
        # A SafeLoader subclass: only plain data, no Python objects.
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "malformed YAML"
        raise ConfigError(f"{path}{where}: malformed YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: malformed YAML: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping of sections (exchange:, risk:, ...), "
            f"got {type(data).__name__}"
        )
    return {str(key): value for key, value in data.items() if value is not None}
