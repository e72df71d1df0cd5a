"""Safety checks on settings: live mode needs keys, key files stay private, dumps hide secrets."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from bot.errors import ConfigError
from bot.settings.models import Settings, mask_url_password
from bot.settings.sources import read_config_file

__all__ = [
    "API_KEY_ENV",
    "API_SECRET_ENV",
    "check_config_file_permissions",
    "masked_dump",
    "refuse_exposed_keys",
    "validate_for_live",
]

API_KEY_ENV = "BOT_EXCHANGE__API_KEY"
API_SECRET_ENV = "BOT_EXCHANGE__API_SECRET"  # noqa: S105 (a variable name, not a secret)
_MASK = "**********"


def validate_for_live(settings: Settings) -> None:
    """Refuse live mode without both exchange keys; other modes pass.

    Raises:
        ConfigError: ``run.mode`` is ``live`` and a key is missing; the message names the
            environment variables to set.
    """
    if settings.run.mode != "live":
        return
    exchange = settings.exchange
    missing = [
        name
        for name, secret in ((API_KEY_ENV, exchange.api_key), (API_SECRET_ENV, exchange.api_secret))
        if not _is_set(secret)
    ]
    if missing:
        raise ConfigError(
            f"live mode needs exchange API keys; missing: {', '.join(missing)} "
            "(set them in the environment, or exchange.api_key / exchange.api_secret "
            "in a config file readable only by you)"
        )


def _is_set(secret: SecretStr | None) -> bool:
    return secret is not None and bool(secret.get_secret_value().strip())


def check_config_file_permissions(path: Path | str) -> None:
    """Refuse a config file holding API keys that group or others may read.

    Raises:
        ConfigError: the file holds ``exchange.api_key``/``api_secret`` and its mode has any
            group/other bit; the message says to ``chmod 600`` it. Also when the file cannot
            be read or parsed.
    """
    file = Path(path)
    refuse_exposed_keys(file, read_config_file(file))


def refuse_exposed_keys(path: Path, data: Mapping[str, object]) -> None:
    """``check_config_file_permissions`` for a file already parsed into ``data``."""
    exchange = data.get("exchange")
    if not isinstance(exchange, Mapping):
        return
    if not any(exchange.get(name) not in (None, "") for name in ("api_key", "api_secret")):
        return
    if os.name == "nt":
        # Windows has no group/other mode bits to check; NTFS ACLs are out of scope.
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path}: holds exchange API keys but is readable by others (mode {mode:04o}); "
            f"run: chmod 600 {path}"
        )


def masked_dump(settings: Settings) -> dict[str, dict[str, object]]:
    """Every setting by section, for ``bot config show``: secrets as ``'**********'``.

    An unset secret stays ``None``; a password inside ``journal.url`` is masked too.
    """
    # mode="json" renders SecretStr as '**********' and leaves None alone.
    dumped = settings.model_dump(mode="json")
    sections: dict[str, dict[str, object]] = {name: dict(values) for name, values in dumped.items()}
    sections["journal"]["url"] = mask_url_password(settings.journal.url)
    for name in ("api_key", "api_secret"):
        if sections["exchange"][name] is not None:
            sections["exchange"][name] = _MASK
    return sections
