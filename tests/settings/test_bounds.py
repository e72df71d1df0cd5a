"""Every number has an upper bound: values accepted then failing at run time are refused."""

from __future__ import annotations

import annotated_types
import pytest
from pydantic import BaseModel

from bot.errors import ConfigError
from bot.settings import Settings, load_settings
from tests.settings.conftest import WriteYaml


@pytest.mark.parametrize(("key", "value", "message"), [
    ("heatmap.update_interval", "1e300",
     "heatmap.update_interval: expected a number above 0 and at most 3600, got '1e300'"),
    ("scheduler.signal_interval", "1e300",
     "scheduler.signal_interval: expected a number above 0 and at most 3600, got '1e300'"),
    ("exchange.timeout_seconds", "1e300",
     "exchange.timeout_seconds: expected a number above 0 and at most 300, got '1e300'"),
    ("sim.time_acceleration", "1e300",
     "sim.time_acceleration: expected a number above 0 and at most 10,000, got '1e300'"),
    ("heatmap.max_stream_silence_seconds", "0",
     "heatmap.max_stream_silence_seconds: expected a number above 0 and at most 3600, got '0'"),
    ("heatmap.buffer_size", "1" + "0" * 1000,
     "heatmap.buffer_size: expected a whole number between 1 and 1,000,000, got a number of "
     "1001 digits"),
])
def test_a_huge_value_is_refused_naming_the_key(key: str, value: str, message: str) -> None:
    section, name = key.split(".")
    env = {f"BOT_{section.upper()}__{name.upper()}": value}

    with pytest.raises(ConfigError) as caught:
        load_settings(env=env)

    assert str(caught.value) == message


def test_a_number_longer_than_python_prints_is_refused_in_yaml(write_yaml: WriteYaml) -> None:
    # Python refuses int <-> str conversions of more than 4300 digits by default.
    path = write_yaml("heatmap:\n  buffer_size: " + "9" * 5000 + "\n")

    with pytest.raises(ConfigError, match=r"^heatmap\.buffer_size: expected a whole number"):
        load_settings(config_file=path, env={})


def _numeric_fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found += _numeric_fields(annotation, f"{prefix}{name}.")
        elif annotation in (int, float):
            found.append((f"{prefix}{name}", field))
    return found


def test_every_numeric_setting_has_an_upper_bound() -> None:
    fields = _numeric_fields(Settings)

    unbounded = [key for key, field in fields
                 if not any(isinstance(m, annotated_types.Le | annotated_types.Lt)
                            for m in getattr(field, "metadata", []))]

    assert len(fields) > 40
    assert unbounded == []


def test_the_stream_silence_that_pauses_entries_is_a_setting() -> None:
    settings = load_settings(env={"BOT_HEATMAP__MAX_STREAM_SILENCE_SECONDS": "12.5"})

    assert settings.heatmap.max_stream_silence_seconds == 12.5
