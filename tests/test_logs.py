"""Secrets in logs: redacted by value (never by letter), in uncaught tracebacks too."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap

import pytest

from bot.errors import ConfigError
from bot.logs import MIN_SECRET_LENGTH, SecretRedactor
from bot.settings import load_settings

SECRET = "s3cr3t-Value-0123456789"


@pytest.mark.parametrize(("env", "key"), [
    ({"BOT_EXCHANGE__API_KEY": "a", "BOT_EXCHANGE__API_SECRET": SECRET}, "exchange.api_key"),
    ({"BOT_WEB__TOKEN": "a"}, "web.token"),
])
def test_a_short_secret_is_refused_naming_its_key_and_hiding_its_value(
        env: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env=env)

    message = str(caught.value)
    assert message.startswith(f"{key}: expected a secret of at least 8 characters")
    assert "'a'" not in message


def test_a_secret_of_the_minimum_length_is_taken() -> None:
    env = {"BOT_EXCHANGE__API_KEY": "k" * MIN_SECRET_LENGTH, "BOT_EXCHANGE__API_SECRET": SECRET}

    settings = load_settings(env=env)

    assert settings.exchange.api_key is not None


def test_the_redactor_never_replaces_single_letters() -> None:
    redactor = SecretRedactor(["a", "bc", SECRET])

    text = redactor.redact(f"a cat ate {SECRET} and a bc")

    assert text == "a cat ate *** and a bc"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, env=env, check=False)


def test_an_uncaught_traceback_in_the_main_thread_is_redacted() -> None:
    result = _run(f"""
        from bot.logs import configure_logging
        configure_logging("INFO", [{SECRET!r}])
        raise RuntimeError("request failed with key {SECRET}")
    """)

    assert result.returncode == 1
    assert "RuntimeError: request failed with key ***" in result.stderr
    assert "Traceback" in result.stderr
    assert SECRET not in result.stderr


def test_an_uncaught_traceback_in_a_thread_is_redacted() -> None:
    result = _run(f"""
        import threading
        from bot.logs import configure_logging
        configure_logging("INFO", [{SECRET!r}])
        def job():
            raise ValueError("secret={SECRET}")
        thread = threading.Thread(target=job, name="worker")
        thread.start()
        thread.join()
    """)

    assert "ValueError: secret=***" in result.stderr
    assert "worker" in result.stderr
    assert SECRET not in result.stderr


def test_a_logged_exception_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    redactor = SecretRedactor([SECRET])
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", (SECRET,), None)

    redactor.filter(record)

    assert record.getMessage() == "failed: ***"


def test_the_simulator_never_logs_its_credentials(caplog: pytest.LogCaptureFixture) -> None:
    import random

    from bot.sim import SimExchange, utc_now

    exchange = SimExchange(clock=utc_now, rng=random.Random(1), api_key="sim-key-123456",
                           api_secret="sim-secret-abcdef")
    with caplog.at_level(logging.INFO), exchange:
        pass

    assert "simulated exchange running" in caplog.text
    assert "sim-key-123456" not in caplog.text
    assert "sim-secret-abcdef" not in caplog.text
