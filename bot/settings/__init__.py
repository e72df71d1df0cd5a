"""Configuration: typed settings from defaults < YAML < ``BOT_*`` environment < command line.

Build them with :func:`load_settings`; every failure is a ``bot.errors.ConfigError`` whose
message names the key. :func:`validate_for_live` and :func:`check_config_file_permissions`
are the safety gates; :func:`masked_dump` shows everything with secrets hidden.
"""

from __future__ import annotations

from bot.settings.loader import DEFAULT_CONFIG_FILE, find_config_file, load_settings
from bot.settings.models import (
    ExchangeSettings,
    HeatmapSettings,
    JournalSettings,
    LiveSettings,
    LoggingSettings,
    LogLevel,
    PaperSettings,
    RiskSettings,
    RunMode,
    RunSettings,
    SchedulerSettings,
    Settings,
    SimSettings,
    StrategySettings,
    WebSettings,
    parse_bot_id,
    parse_symbols,
)
from bot.settings.safety import (
    API_KEY_ENV,
    API_SECRET_ENV,
    check_config_file_permissions,
    masked_dump,
    validate_for_live,
)

__all__ = [
    "API_KEY_ENV",
    "API_SECRET_ENV",
    "DEFAULT_CONFIG_FILE",
    "ExchangeSettings",
    "HeatmapSettings",
    "JournalSettings",
    "LiveSettings",
    "LogLevel",
    "LoggingSettings",
    "PaperSettings",
    "RiskSettings",
    "RunMode",
    "RunSettings",
    "SchedulerSettings",
    "Settings",
    "SimSettings",
    "StrategySettings",
    "WebSettings",
    "check_config_file_permissions",
    "find_config_file",
    "load_settings",
    "masked_dump",
    "parse_bot_id",
    "parse_symbols",
    "validate_for_live",
]
