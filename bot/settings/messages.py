"""Turn pydantic's validation errors into one ``ConfigError`` line per bad key.

Each line reads ``<dotted.key>: expected <what>, got <value>``; what is expected is derived from
the field's type and ``Field`` constraints, so the words always match the check.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from typing import Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from bot.errors import ConfigError
from bot.settings.models import mask_url_password

__all__ = ["config_error", "describe_error", "unknown_key_message"]

_MAPPING_ERRORS = frozenset({"model_type", "model_attributes_type", "dict_type"})
_OWN_MESSAGE_ERRORS = frozenset({"value_error", "assertion_error"})
_LONG = 100  # longer inputs are described, not echoed
_BASE_WORDS: dict[object, str] = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "a string",
    SecretStr: "a string",
    list: "a list",
}


def config_error(error: ValidationError, settings_cls: type[BaseModel]) -> ConfigError:
    """One ``ConfigError`` whose message has a line per bad key, in pydantic's order."""
    lines = [describe_error(detail, settings_cls) for detail in error.errors(include_url=False)]
    return ConfigError("\n".join(dict.fromkeys(lines)))


def describe_error(detail: ErrorDetails, settings_cls: type[BaseModel]) -> str:
    """One line naming the dotted key, what was expected and what was given."""
    loc = detail["loc"]
    key = dotted_key(loc)
    kind = detail["type"]
    field = _field_at(settings_cls, loc)
    given = _show(detail["input"], secret=field is not None and _is_secret(field))
    if kind == "extra_forbidden":
        return unknown_key_message(settings_cls, [str(part) for part in loc])
    if kind in _OWN_MESSAGE_ERRORS:
        # Our validators write complete sentences ("expected ..., got ...").
        reason = str(detail.get("ctx", {}).get("error", detail["msg"]))
        return f"{key}: {reason}"
    if kind in _MAPPING_ERRORS:
        return f"{key}: expected a mapping of settings (name: value), got {given}"
    if kind == "missing":
        return f"{key}: required"
    if field is None:
        return f"{key}: {detail['msg'][:1].lower()}{detail['msg'][1:]}, got {given}"
    return f"{key}: expected {expectation(field)}, got {given}"


def unknown_key_message(settings_cls: type[BaseModel], path: Sequence[str]) -> str:
    """``risk.max_leverag: unknown setting (did you mean risk.max_leverage?)``."""
    parent = _model_at(settings_cls, path[:-1])
    hint = ""
    if parent is not None:
        close = difflib.get_close_matches(path[-1], list(parent.model_fields), n=1, cutoff=0.6)
        if close:
            hint = f" (did you mean {dotted_key([*path[:-1], close[0]])}?)"
    return f"{dotted_key(path)}: unknown setting{hint}"


def dotted_key(loc: Sequence[str | int]) -> str:
    """``("run", "symbols", 0)`` → ``run.symbols[0]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.isprintable() or part.strip() != part or not part:
            # A key with control characters or spaces is shown quoted, so the message stays
            # one readable line whatever the YAML held.
            text += f"[{part!r}]"
        else:
            text += f".{part}" if text else part
    return text or "settings"


def expectation(field: FieldInfo) -> str:
    """What ``field`` accepts in words, e.g. ``a number between 1 and 125``."""
    annotation = field.annotation
    nullable = False
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        nullable = len(members) < len(get_args(annotation))
        annotation = members[0] if len(members) == 1 else annotation
    if get_origin(annotation) is Literal:
        words = "one of " + ", ".join(str(choice) for choice in get_args(annotation))
    else:
        words = _BASE_WORDS.get(get_origin(annotation) or annotation, "a valid value")
        words = f"{words}{_range_words(field)}"
    return f"{words} (or null)" if nullable else words


def _range_words(field: FieldInfo) -> str:
    """`` between 1 and 125``, `` above 0``, ... from the field's constraints ('' if none)."""
    low: tuple[str, float] | None = None
    high: tuple[str, float] | None = None
    for item in field.metadata:
        if isinstance(item, annotated_types.Gt | annotated_types.Ge):
            low = ("gt" if isinstance(item, annotated_types.Gt) else "ge", _number(item))
        elif isinstance(item, annotated_types.Lt | annotated_types.Le):
            high = ("lt" if isinstance(item, annotated_types.Lt) else "le", _number(item))
    if low and high and low[0] == "ge" and high[0] == "le":
        return f" between {_fmt(low[1])} and {_fmt(high[1])}"
    parts = []
    if low:
        parts.append(f"above {_fmt(low[1])}" if low[0] == "gt" else f"of at least {_fmt(low[1])}")
    if high:
        parts.append(f"below {_fmt(high[1])}" if high[0] == "lt" else f"at most {_fmt(high[1])}")
    return (" " + " and ".join(parts)) if parts else ""


def _number(item: object) -> float:
    for name in ("gt", "ge", "lt", "le"):
        value = getattr(item, name, None)
        if isinstance(value, int | float):
            return float(value)
    raise TypeError(f"not a numeric bound: {item!r}")


def _fmt(value: float) -> str:
    """``1.0`` → ``1``, ``1e12`` → ``1,000,000,000,000``; other numbers as Python writes them."""
    if not value.is_integer():
        return str(value)
    return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))


def _show(value: object, *, secret: bool) -> str:
    """The offending input as the user wrote it; never a secret, never a URL's password."""
    if secret:
        return f"a hidden value of type {type(value).__name__}"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _LONG:
        # Never str() a huge int: beyond 4,300 digits Python refuses, with a traceback.
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, str) and len(value) > _LONG:
        if value.strip().isdigit():
            return f"a number of {len(value.strip())} digits"
        return f"{mask_url_password(value[:_LONG])!r}... ({len(value)} characters)"
    if isinstance(value, str):
        return repr(mask_url_password(value))
    if isinstance(value, float) and value.is_integer():
        return _fmt(value)
    return repr(value)


def _is_secret(field: FieldInfo) -> bool:
    annotation = field.annotation
    return annotation is SecretStr or SecretStr in get_args(annotation)


def _model_at(settings_cls: type[BaseModel], path: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class reached by following ``path`` through nested model fields."""
    model: type[BaseModel] | None = settings_cls
    for part in path:
        field = model.model_fields.get(str(part)) if model is not None else None
        annotation = field.annotation if field is not None else None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            model = None
    return model


def _field_at(settings_cls: type[BaseModel], loc: Sequence[str | int]) -> FieldInfo | None:
    """The field a ``loc`` points at (list indexes skipped), or None."""
    names = [part for part in loc if isinstance(part, str)]
    parent = _model_at(settings_cls, names[:-1]) if names else None
    return parent.model_fields.get(names[-1]) if parent is not None else None
