"""The typed settings: one frozen pydantic model per section, and the top-level ``Settings``.

The defaults here are the built-in layer and must equal ``config/default.yaml`` (a test checks
it). Ranges are pydantic ``Field`` constraints so that the error translation in
``bot.settings.messages`` can describe them ("a number between 1 and 125").
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.logs import MIN_SECRET_LENGTH
from bot.settings.sources import settings_sources
from bot.symbols import to_exchange_id

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
RunMode = Literal["paper", "live"]
Venue = Literal["binance", "bybit", "okx"]

# Binance ids after normalisation: upper-case letters and digits (``1000PEPEUSDT`` included).
_SYMBOL_RE = re.compile(r"^[A-Z0-9]{2,40}$")
# ``scheme://user:password@host`` (scheme optional, for URLs too broken to validate): the
# password part, hidden wherever a URL is shown.
# A bot id: what the journal's bot_id column (64 characters) and a log line can hold plainly.
_BOT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_JOURNAL_BACKENDS = frozenset({"sqlite", "postgresql"})
_URL_PASSWORD_RE = re.compile(r"(?P<head>[^/@:\s]+:)[^/@\s]+(?P<tail>@)")

# Sections are plain models nested in one BaseSettings (the pattern pydantic-settings documents
# for nested settings): only the top level reads sources, so a section never reads the
# environment on its own. Frozen: one settings object is shared by every component at run time.
# Infinity and NaN are refused: "inf" passes ``gt=0`` yet means nothing as a limit.
_SECTION_CONFIG = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)



def long_enough_secret(value: SecretStr | None) -> SecretStr | None:
    """Refuse a secret shorter than ``MIN_SECRET_LENGTH`` (``None`` passes): so short a value
    is a typo or a placeholder, and could not be redacted from logs without hiding every such
    letter (and so showing what it is)."""
    if value is not None and len(value.get_secret_value().strip()) < MIN_SECRET_LENGTH:
        raise ValueError(f"expected a secret of at least {MIN_SECRET_LENGTH} characters, "
                         "got a shorter one (value hidden)")
    return value

class _Section(BaseModel):
    """Base of every section: strict about unknown keys, frozen, no booleans for numbers."""

    model_config = _SECTION_CONFIG

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_number(cls, value: object, info: ValidationInfo) -> object:
        # YAML reads ``yes``/``on`` as true, and pydantic would take true as 1: refuse it.
        name = info.field_name
        if isinstance(value, bool) and name and cls.model_fields[name].annotation in (int, float):
            raise PydanticCustomError("number_type", "expected a number, got a boolean")
        return value


def mask_url_password(url: str) -> str:
    """Return ``url`` with any password replaced by ``***`` (for display and errors)."""
    return _URL_PASSWORD_RE.sub(r"\g<head>***\g<tail>", url)


class ExchangeSettings(_Section):
    """Where and how to reach the exchange; the keys are needed only in live mode."""

    rest_url: str | None = None
    ws_url: str = "wss://fstream.binance.com/market"
    api_key: SecretStr | None = None
    api_secret: SecretStr | None = None
    recv_window_ms: int = Field(default=5000, ge=1, le=60_000)  # Binance caps it at 60 000
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)

    @field_validator("rest_url", "api_key", "api_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # ``export BOT_EXCHANGE__REST_URL=`` is how a shell user unsets a value.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("api_key", "api_secret")
    @classmethod
    def _check_secret_length(cls, value: SecretStr | None) -> SecretStr | None:
        return long_enough_secret(value)

    @field_validator("rest_url")
    @classmethod
    def _check_rest_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return _check_url(value, ("http://", "https://"))

    @field_validator("ws_url")
    @classmethod
    def _check_ws_url(cls, value: str) -> str:
        return _check_url(value, ("ws://", "wss://"))


def _check_url(value: str, schemes: tuple[str, ...]) -> str:
    """Strip ``value`` and a trailing slash (paths are appended to it); check the scheme."""
    url = value.strip().rstrip("/")
    scheme, separator, rest = url.partition("://")
    if not separator or f"{scheme.lower()}://" not in schemes or not rest:
        expected = " or ".join(schemes)
        raise ValueError(
            f"expected a URL starting with {expected}, got {mask_url_password(value)!r}"
        )
    return url


def _binance_only() -> list[Venue]:
    return ["binance"]


class HeatmapSettings(_Section):
    """The liquidation heatmap's clustering and stream settings (see the contract)."""

    cluster_window_pct: float = Field(default=0.02, gt=0, le=1)  # a fraction, not percent
    min_cluster_size: int = Field(default=5, ge=1, le=10_000)
    # A billion minutes (1,900 years) already means "no decay", as the contract allows.
    time_decay_minutes: float = Field(default=60.0, gt=0, le=1e9)
    update_interval: float = Field(default=5.0, gt=0, le=3600)
    buffer_size: int = Field(default=10_000, ge=1, le=1_000_000)
    silence_timeout: float = Field(default=5.0, gt=0, le=300)
    # How long the bot trusts a stream that delivers nothing before it pauses entries.
    max_stream_silence_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Symbol buffers an all-market stream may create (Binance lists ~600 perpetuals).
    max_symbols: int = Field(default=2_000, ge=1, le=100_000)
    # The venues whose public liquidation streams feed the heatmap, each on its own socket.
    sources: list[Venue] = Field(default_factory=_binance_only)
    bybit_ws_url: str = "wss://stream.bybit.com/v5/public/linear"
    okx_ws_url: str = "wss://ws.okx.com:8443/ws/v5/public"
    okx_rest_url: str = "https://www.okx.com"

    @field_validator("sources", mode="before")
    @classmethod
    def _parse_sources(cls, value: object) -> object:
        # ``BOT_HEATMAP__SOURCES=binance,bybit`` as well as a YAML list; names in any case.
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            value = list(dict.fromkeys(str(v).strip().lower() for v in value))
            if not value:
                raise ValueError("expected at least one of binance, bybit, okx, got none")
        return value

    @field_validator("bybit_ws_url", "okx_ws_url")
    @classmethod
    def _check_venue_ws_url(cls, value: str) -> str:
        return _check_url(value, ("ws://", "wss://"))

    @field_validator("okx_rest_url")
    @classmethod
    def _check_okx_rest_url(cls, value: str) -> str:
        return _check_url(value, ("http://", "https://"))
    # Projected levels (open interest × leverage); on by itself when the strategy trades them.
    projected: bool = False
    projection_interval: float = Field(default=300.0, ge=10, le=86_400)
    projection_lookback_hours: float = Field(default=24.0, gt=0, le=720)  # Binance keeps 30 d
    projection_leverages: list[float] = Field(default=[5.0, 10.0, 25.0, 50.0, 100.0],
                                              min_length=1, max_length=20)
    projection_weights: list[float] = Field(default=[0.15, 0.30, 0.25, 0.20, 0.10],
                                            min_length=1, max_length=20)

    @model_validator(mode="after")
    def _check_leverage_mix(self) -> HeatmapSettings:
        # The rules of bot.heatmap.projection.LeverageMix, named by key here.
        leverages, weights = self.projection_leverages, self.projection_weights
        if len(leverages) != len(weights):
            raise ValueError("projection_weights: expected one weight per projection_leverages "
                             f"entry ({len(leverages)}), got {len(weights)}")
        if any(not 1 <= lev <= 125 for lev in leverages):
            raise ValueError(
                f"projection_leverages: expected leverages in [1, 125], got {leverages}")
        if any(not w >= 0 for w in weights) or abs(sum(weights) - 1) > 1e-9:
            raise ValueError(
                f"projection_weights: expected weights >= 0 summing to 1, got {weights}")
        return self


class StrategySettings(_Section):
    """The liquidation hunter's thresholds; ranges as ``strategies.hunter_rules`` checks them."""

    min_strength: float = Field(default=0.6, ge=0, le=1)
    max_distance_pct: float = Field(default=10.0, gt=0, le=100)
    optimal_distance_pct: float = Field(default=3.5, gt=0, le=100)
    strength_weight: float = Field(default=0.7, ge=0, le=1000)
    distance_weight: float = Field(default=0.3, ge=0, le=1000)
    stop_loss_pct: float = Field(default=3.0, gt=0, lt=100)
    take_profit_pct: float = Field(default=5.0, gt=0, le=1000)
    target_buffer_pct: float = Field(default=0.5, ge=0, lt=100)
    exit_near_cluster_pct: float = Field(default=0.5, ge=0, le=100)
    min_reward_pct: float = Field(default=0.3, ge=0, le=1000)
    min_reward_risk: float = Field(default=1.0, ge=0, le=1000)  # tp ÷ stop distance; 0 = off
    cluster_source: Literal["realized", "projected", "both"] = "realized"
    min_signal_strength: float = Field(default=0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _check_weights(self) -> StrategySettings:
        if self.strength_weight + self.distance_weight == 0:
            raise ValueError("expected strength_weight or distance_weight above 0, got 0 for both")
        return self


class RiskSettings(_Section):
    """Limits every order passes (``bot.risk.RiskLimits`` takes the same names)."""

    risk_per_trade_pct: float = Field(default=1.0, gt=0, le=100)
    max_position_notional: float = Field(default=1000.0, gt=0, le=1e10)
    max_total_exposure: float = Field(default=3000.0, gt=0, le=1e11)
    max_leverage: float = Field(default=5.0, ge=1, le=125)  # Binance's own range
    max_open_positions: int = Field(default=3, ge=1, le=1000)
    max_orders_per_minute: int = Field(default=10, ge=1, le=1200)  # Binance: 1200
    daily_loss_limit_pct: float = Field(default=5.0, gt=0, le=100)
    cooldown_seconds: float = Field(default=300.0, ge=0, le=604_800)  # a week
    max_price_age_seconds: float = Field(default=5.0, gt=0, le=3600)
    max_heatmap_age_seconds: float = Field(default=30.0, gt=0, le=86_400)
    min_quantity: float = Field(default=0.0, ge=0, le=1e9)
    kill_switch: bool = False


class PaperSettings(_Section):
    """The paper venue: simulated wallet, fees and slippage."""

    starting_balance: float = Field(default=10000.0, gt=0, le=1e12)
    taker_fee_rate: float = Field(default=0.0005, ge=0, lt=1)  # a fraction of notional
    slippage_bps: float = Field(default=2.0, ge=0, le=10_000)
    funding: bool = False
    max_mark_age_seconds: float = Field(default=10.0, gt=0, le=3600)


class SchedulerSettings(_Section):
    """How often (seconds) the runner's periodic jobs fire."""

    mark_price_interval: float = Field(default=1.0, gt=0, le=3600)
    signal_interval: float = Field(default=5.0, gt=0, le=3600)
    supervision_interval: float = Field(default=1.0, gt=0, le=3600)
    equity_interval: float = Field(default=60.0, gt=0, le=86_400)
    health_interval: float = Field(default=5.0, gt=0, le=3600)


class JournalSettings(_Section):
    """Where trades are journalled: a SQLAlchemy URL."""

    url: str = "sqlite:///bot-journal.db"  # relative: a file in the working directory

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        url = value.strip()
        # A light check (no SQLAlchemy import here): the engine factory reports the rest.
        scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*)://", url)
        # The journal is tested on SQLite and PostgreSQL only; another dialect would fail
        # later, deep in a migration, so it is refused here under its key.
        if not scheme or scheme.group(1).split("+")[0].lower() not in _JOURNAL_BACKENDS:
            raise ValueError(
                "expected a SQLAlchemy URL such as sqlite:///bot-journal.db or "
                "postgresql+psycopg://user:password@host:5432/db, "
                f"got {mask_url_password(value)!r}"
            )
        return url

    def __repr_args__(self) -> list[tuple[str | None, object]]:
        # A database password must not leak through repr() into logs.
        return [("url", mask_url_password(self.url))]


class LoggingSettings(_Section):
    """Log verbosity."""

    level: LogLevel = "INFO"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        # Normalised only when that makes it valid, so an error shows what the user wrote.
        if isinstance(value, str) and value.strip().upper() in get_args(LogLevel):
            return value.strip().upper()
        return value


class RunSettings(_Section):
    """What ``bot run`` trades, in which mode, and for how long."""

    symbols: list[str] = Field(default_factory=lambda: ["BTCUSDT", "ETHUSDT", "SOLUSDT"])
    mode: RunMode = "paper"
    close_positions_on_stop: bool = False
    duration: float = Field(default=0.0, ge=0, le=31_536_000)  # seconds (a year); 0 = until stopped
    # Names the bot in a fleet sharing one journal database: its rows, risk state and run lock.
    bot_id: str = "default"

    @field_validator("bot_id", mode="before")
    @classmethod
    def _check_bot_id(cls, value: object) -> object:
        return parse_bot_id(value)

    @field_validator("symbols", mode="before")
    @classmethod
    def _parse_symbols(cls, value: object) -> list[str]:
        return parse_symbols(value)

    @field_validator("mode", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in get_args(RunMode):
            return value.strip().lower()
        return value


def parse_bot_id(value: object) -> str:
    """A bot id, surrounding spaces removed.

    Raises:
        ValueError: not 1 to 64 letters, digits, ``_``, ``.`` or ``-`` starting with a letter
            or a digit.
    """
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not _BOT_ID_RE.match(text):
        raise ValueError("expected a bot id of 1 to 64 letters, digits, '_', '.' or '-' "
                         f"(starting with a letter or digit), got {value!r}")
    return text


def parse_symbols(value: object) -> list[str]:
    """Turn ``"BTCUSDT,eth/usdt:usdt"`` or a list into Binance ids, in order, without repeats.

    Raises:
        ValueError: an entry is not a symbol, or there is none.
    """
    items: list[object]
    if isinstance(value, str):
        items = [part for part in value.split(",") if part.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError(f"expected a list of symbols or a comma-separated string, got {value!r}")
    symbols: list[str] = []
    for item in items:
        symbol = _to_symbol(item)
        if symbol is None:
            raise ValueError(f"expected symbols like BTCUSDT or BTC/USDT:USDT, got {item!r}")
        if symbol not in symbols:
            symbols.append(symbol)
    if not symbols:
        raise ValueError("expected at least one symbol, got none")
    return symbols


def _to_symbol(item: object) -> str | None:
    """The Binance id for one entry, or None when it is not a symbol."""
    if not isinstance(item, str):
        return None
    try:
        symbol = to_exchange_id(item)
    except ValueError:
        return None
    return symbol if _SYMBOL_RE.match(symbol) else None


class SimSettings(_Section):
    """The built-in simulated exchange's market (used by ``--sim`` and ``bot sim``)."""

    seed: int = Field(default=7, ge=0, le=2**63 - 1)
    # Simulated seconds per real second.
    time_acceleration: float = Field(default=30.0, gt=0, le=10_000)
    # Multiplies each symbol's volatility; 0 = still.
    volatility: float = Field(default=1.0, ge=0, le=100)


class LiveSettings(_Section):
    """Live execution (``bot run --live``): how positions are held on the exchange."""

    margin_mode: Literal["isolated", "cross"] = "isolated"
    adopt_unknown_positions: bool = False  # at start: journal and protect, else refuse to start
    poll_interval: float = Field(default=2.0, gt=0, le=300)  # seconds between position/order polls
    taker_fee_rate: float = Field(default=0.0005, ge=0, lt=0.01)  # fee estimate per fill
    entry_order: Literal["market", "limit"] = "market"  # how entries are sent
    limit_offset_pct: float = Field(default=0.02, ge=0, lt=5)  # % inside the mark (limit)
    limit_timeout_seconds: float = Field(default=10.0, gt=0, le=300)  # then cancelled


class WebSettings(_Section):
    """The dashboard and HTTP API served from inside ``bot run`` (``--web``)."""

    enabled: bool = False
    host: str = "127.0.0.1"  # a non-loopback address needs ``token`` (``bot run`` refuses)
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port
    token: SecretStr | None = None  # Bearer token of the control endpoints; secret
    control_rate_per_minute: int = Field(default=30, ge=1, le=100_000)  # per client

    @field_validator("token", mode="before")
    @classmethod
    def _blank_token_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("token")
    @classmethod
    def _check_token_length(cls, value: SecretStr | None) -> SecretStr | None:
        return long_enough_secret(value)


class NotifySettings(_Section):
    """Where the bot sends its notifications (entries, exits, locks, errors, start, stop)."""

    webhook_url: str | None = None  # JSON POST per event; null = no webhook
    telegram_token: SecretStr | None = None  # Telegram bot token; secret
    telegram_chat_id: str | None = None  # the chat to send to (needs the token)
    telegram_api_url: str = "https://api.telegram.org"  # Bot API base URL (no trailing slash)
    queue_size: int = Field(default=1000, ge=1, le=100_000)  # then the oldest is dropped
    max_attempts: int = Field(default=8, ge=1, le=100)  # per message and channel
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)  # per HTTP request

    @field_validator("webhook_url", "telegram_token", "telegram_chat_id", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url", "telegram_api_url")
    @classmethod
    def _check_http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
        return None if value is None else value.rstrip("/")

    @field_validator("telegram_token")
    @classmethod
    def _check_token_length(cls, value: SecretStr | None) -> SecretStr | None:
        return long_enough_secret(value)

    @model_validator(mode="after")
    def _telegram_needs_both(self) -> NotifySettings:
        if (self.telegram_token is None) != (self.telegram_chat_id is None):
            raise ValueError("telegram_token and telegram_chat_id go together: set both or "
                             "neither")
        return self


class Settings(BaseSettings):
    """Every setting of the bot, one frozen object built by ``load_settings``.

    Sources, lowest first: the defaults below, the YAML file, ``BOT_*`` environment variables
    (``__`` nests: ``BOT_RISK__MAX_LEVERAGE``), command-line overrides. Built directly,
    ``Settings()`` reads only the defaults, the environment and keyword arguments.
    """

    model_config = SettingsConfigDict(
        env_prefix="BOT_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    exchange: ExchangeSettings = Field(default_factory=ExchangeSettings)
    heatmap: HeatmapSettings = Field(default_factory=HeatmapSettings)
    strategy: StrategySettings = Field(default_factory=StrategySettings)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    paper: PaperSettings = Field(default_factory=PaperSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    journal: JournalSettings = Field(default_factory=JournalSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    run: RunSettings = Field(default_factory=RunSettings)
    sim: SimSettings = Field(default_factory=SimSettings)
    live: LiveSettings = Field(default_factory=LiveSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Overrides (init kwargs) > environment > YAML; defaults come last on their own.

        No ``.env`` file and no secrets directory: the contract names only these layers.
        """
        return settings_sources(settings_cls, init_settings)
