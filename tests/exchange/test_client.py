"""``build_ccxt``: URLs, restored error codes, options, keys and what a repr shows."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import ccxt
import pytest

from bot.errors import ConfigError
from bot.exchange import ExchangeConfig, build_ccxt, rebase_urls, restore_linear_errors

SIM_URL = "http://127.0.0.1:18080"
KEY = "A" * 64
SECRET = "B" * 64


def _binance_api_urls() -> dict[str, str]:
    return dict(ccxt.binanceusdm().urls["api"])


def test_every_api_url_points_at_the_rest_url_keeping_its_path() -> None:
    # Arrange
    original = _binance_api_urls()

    # Act
    exchange = build_ccxt(ExchangeConfig(rest_url=SIM_URL))

    # Assert
    rebased = exchange.urls["api"]
    assert set(rebased) == set(original)
    for name, url in original.items():
        assert rebased[name] == SIM_URL + urlsplit(url).path, name


def test_urls_stay_binance_without_a_rest_url() -> None:
    exchange = build_ccxt(ExchangeConfig())

    assert exchange.urls["api"] == _binance_api_urls()


def test_rebase_keeps_a_base_path_and_nested_entries() -> None:
    urls = {"fapiPublic": "https://fapi.binance.com/fapi/v1", "ws": {"linear": "wss://x/ws"},
            "n": 3}

    rebased = rebase_urls(urls, "https://proxy.example:8443/binance")

    assert rebased == {
        "fapiPublic": "https://proxy.example:8443/binance/fapi/v1",
        "ws": {"linear": "https://proxy.example:8443/binance/ws"},
        "n": 3,
    }


def _error_for(exchange: ccxt.binanceusdm, url: str, code: int, msg: str) -> type[Exception]:
    body = json.dumps({"code": code, "msg": msg})
    try:
        exchange.handle_errors(400, "Bad Request", url, "POST", {}, body, json.loads(body), {}, "")
    except ccxt.BaseError as e:
        return type(e)
    raise AssertionError("no error raised")


def test_usdm_error_codes_are_restored_on_a_foreign_host() -> None:
    # Arrange
    exchange = build_ccxt(ExchangeConfig(rest_url=SIM_URL))
    url = exchange.urls["api"]["fapiPrivate"] + "/order"

    # Act / Assert: ccxt's linear-only codes now map on the simulator's host too
    assert exchange.exceptions["exact"]["-2019"] is ccxt.InsufficientFunds
    assert _error_for(exchange, url, -2019, "Margin is insufficient.") is ccxt.InsufficientFunds
    assert _error_for(exchange, url, -4164, "notional too small") is ccxt.InvalidOrder
    assert _error_for(exchange, url, -2013, "Order does not exist.") is ccxt.OrderNotFound


def test_without_the_merge_a_foreign_host_loses_the_usdm_codes() -> None:
    # The reason the merge exists: ccxt keys the linear codes on Binance's hostnames.
    exchange = ccxt.binanceusdm()
    exchange.urls["api"] = rebase_urls(exchange.urls["api"], SIM_URL)
    url = exchange.urls["api"]["fapiPrivate"] + "/order"

    assert _error_for(exchange, url, -2019, "Margin is insufficient.") is ccxt.ExchangeError


@pytest.mark.parametrize("rest_url", [None, "https://testnet.binancefuture.com"])
def test_binance_hosts_need_no_merge(rest_url: str | None) -> None:
    exchange = build_ccxt(ExchangeConfig(rest_url=rest_url))
    url = exchange.urls["api"]["fapiPrivate"] + "/order"

    assert "-2019" not in exchange.exceptions["exact"]
    assert restore_linear_errors(exchange) is False
    assert _error_for(exchange, url, -2019, "Margin is insufficient.") is ccxt.InsufficientFunds


def test_options_rate_limit_and_timeout() -> None:
    exchange = build_ccxt(ExchangeConfig(timeout_seconds=2.5, recv_window_ms=4000))

    assert exchange.options["fetchCurrencies"] is False
    assert exchange.options["adjustForTimeDifference"] is True
    assert exchange.options["recvWindow"] == 4000
    assert exchange.options["defaultType"] == "swap"
    assert exchange.options["defaultSubType"] == "linear"
    assert exchange.enableRateLimit is True
    assert exchange.timeout == 2500


def test_paper_config_gives_ccxt_no_keys() -> None:
    exchange = build_ccxt(ExchangeConfig(rest_url=SIM_URL))

    assert not exchange.apiKey
    assert not exchange.secret


def test_keys_reach_ccxt_and_force_verbose_off() -> None:
    config = ExchangeConfig(api_key=KEY, api_secret=SECRET, verbose=True)

    exchange = build_ccxt(config)

    assert config.verbose is False
    assert exchange.verbose is False
    assert (exchange.apiKey, exchange.secret) == (KEY, SECRET)


def test_verbose_stays_available_without_keys() -> None:
    assert build_ccxt(ExchangeConfig(verbose=True)).verbose is True


def test_reprs_hide_the_keys() -> None:
    config = ExchangeConfig(rest_url=SIM_URL, api_key=KEY, api_secret=SECRET)

    shown = repr(config) + str(config) + repr(build_ccxt(config))

    assert KEY not in shown
    assert SECRET not in shown
    assert "api_key='***'" in repr(config)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"api_key": KEY},
        {"api_secret": SECRET},
        {"api_key": "", "api_secret": ""},
        {"timeout_seconds": 0},
        {"recv_window_ms": 60_001},
        {"rest_url": "ftp://127.0.0.1"},
        {"rest_url": "http://127.0.0.1:1?x=1"},
    ],
)
def test_bad_configs_fail_fast(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        ExchangeConfig(**kwargs)  # type: ignore[arg-type]
