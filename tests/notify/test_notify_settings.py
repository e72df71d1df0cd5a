"""``notify.*`` and ``run.bot_id`` settings: validation names the key, the token stays hidden."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.errors import ConfigError
from bot.settings import load_settings


def test_the_telegram_token_is_masked_in_config_show(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_NOTIFY__TELEGRAM_TOKEN", "123456:canary-telegram-token")
    monkeypatch.setenv("BOT_NOTIFY__TELEGRAM_CHAT_ID", "42")

    result = CliRunner().invoke(app, ["config", "show"])

    assert result.exit_code == 0, result.output
    assert "canary" not in result.output
    assert "telegram_token: '**********'" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"notify.webhook_url": "ftp://example.com/x"}, "notify.webhook_url"),
        ({"notify.telegram_token": "123456:long-enough-token"}, "telegram_chat_id"),
        ({"notify.queue_size": "0"}, "notify.queue_size"),
        ({"run.bot_id": "two words"}, "run.bot_id"),
    ],
)
def test_a_bad_notify_value_names_the_key(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(None, overrides, env={})
