"""Real Alembic on real SQLite files: the migrations build exactly the models' schema."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

import bot.marketdata.models  # noqa: F401 - its tables are part of the schema
from bot.journal import (
    JournalRepository,
    create_engine_for,
    current_revision,
    downgrade_to,
    head_revision,
    make_session_factory,
    upgrade_to_head,
)
from bot.journal.base import Base
from bot.journal.migrate import alembic_config, migrations_directory

REPO_ROOT = Path(__file__).resolve().parents[2]


def schema_diff(url: str) -> list[object]:
    """What autogenerate would still change to reach ``Base.metadata`` (empty: in sync)."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine_for(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_on_an_empty_file_gives_exactly_the_models_schema(db_url: str) -> None:
    upgrade_to_head(db_url)

    assert schema_diff(db_url) == []
    assert table_names(db_url) == set(Base.metadata.tables) | {"alembic_version"}
    assert current_revision(db_url) == head_revision() is not None


def test_downgrade_to_base_then_upgrade_again_round_trips(migrated_url: str) -> None:
    downgrade_to(migrated_url, "base")

    assert table_names(migrated_url) == {"alembic_version"}
    assert current_revision(migrated_url) is None

    upgrade_to_head(migrated_url)

    assert schema_diff(migrated_url) == []
    assert current_revision(migrated_url) == head_revision()


def test_rows_from_before_bot_ids_become_the_default_bots(db_url: str) -> None:
    command.upgrade(alembic_config(db_url), "0005")
    engine = create_engine_for(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO trades (symbol, side, mode, status, entry_time, entry_price, "
                "quantity, fees, client_order_id) VALUES ('BTCUSDT', 'long', 'paper', 'open', "
                "'2026-01-02 03:04:05', 90000, 0.01, 0, 'lhpen-BTCUSDT-1')"))
            connection.execute(text(
                "INSERT INTO bot_state (key, value, updated_at) "
                "VALUES ('paper.default.risk.daily_loss_lock', '2026-01-02', '2026-01-02')"))
        upgrade_to_head(db_url)
        default = JournalRepository(make_session_factory(engine))
        other = JournalRepository(make_session_factory(engine), bot_id="beta")

        [trade] = default.open_trades()
        assert trade.client_order_id == "lhpen-BTCUSDT-1"
        assert default.get_state("paper.default.risk.daily_loss_lock") == "2026-01-02"
        assert other.open_trades() == []
        assert other.get_state("paper.default.risk.daily_loss_lock") is None
        other.set_state("paper.default.risk.daily_loss_lock", "2026-01-03")  # its own row
        assert default.get_state("paper.default.risk.daily_loss_lock") == "2026-01-02"
    finally:
        engine.dispose()
    assert schema_diff(db_url) == []


def test_upgrade_twice_is_a_no_op(migrated_url: str) -> None:
    upgrade_to_head(migrated_url)

    assert current_revision(migrated_url) == head_revision()
    assert schema_diff(migrated_url) == []


def test_current_revision_of_a_missing_file_is_none_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "absent" / "journal.db"

    assert current_revision(f"sqlite:///{path}") is None
    assert not path.parent.exists()


def test_migrations_are_found_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # nowhere near the repository
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"

    upgrade_to_head(url)

    assert (migrations_directory() / "env.py").is_file()
    assert current_revision(url) == head_revision()


def test_upgrade_leaves_the_applications_logging_alone(db_url: str) -> None:
    root = logging.getLogger()
    handlers_before = list(root.handlers)
    level_before = root.level

    upgrade_to_head(db_url)

    assert root.handlers == handlers_before
    assert root.level == level_before


def test_revisions_do_not_import_application_code() -> None:
    versions = sorted((migrations_directory() / "versions").glob("*.py"))

    assert versions
    for version in versions:
        assert "import bot" not in version.read_text()
        assert "from bot" not in version.read_text()


@pytest.mark.parametrize("how", ["x-argument", "environment"])
def test_alembic_command_line_takes_the_url_from_x_or_environment(tmp_path: Path, how: str) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {k: v for k, v in os.environ.items() if k != "BOT_JOURNAL__URL"}
    args = [sys.executable, "-m", "alembic", "-c", str(REPO_ROOT / "migrations" / "alembic.ini")]
    if how == "x-argument":
        args += ["-x", f"url={url}"]
    else:
        env["BOT_JOURNAL__URL"] = url

    result = subprocess.run(
        [*args, "upgrade", "head"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert current_revision(url) == head_revision()
