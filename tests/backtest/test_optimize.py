"""``bot optimize``: Optuna trials over backtests, shared between processes, walk-forward,
the best settings as YAML that ``--config`` reads back."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import optuna
import pytest
import yaml

from bot.backtest.optimize import Fold, Window, parse_duration, parse_params, walk_forward
from bot.errors import ConfigError
from bot.journal import open_journal
from bot.settings import load_settings
from tests.cli.helpers import bot_command
from tests.support.postgres import PostgresServer

T0 = datetime(2025, 1, 27, tzinfo=UTC)
PARAMS = ["--param", "strategy.min_strength=0.3:0.8", "--param", "risk.max_open_positions=1:3"]


def _optimize(journal: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "BOT_JOURNAL__URL": f"sqlite:///{journal}"}
    return subprocess.Popen(
        [*bot_command(), "optimize", "--symbols", "BTCUSDT,ETHUSDT", *PARAMS, *args],
        env=env, cwd=journal.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)


@pytest.mark.parametrize("storage_kind", ["sqlite", "postgresql"])
def test_two_processes_share_one_study_and_the_best_yaml_feeds_back(
        storage_kind: str, sim_db: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    journal = tmp_path / "journal.db"
    shutil.copy(sim_db, journal)
    split = ("--train", "30m", "--test", "15m")
    storage_args: tuple[str, ...] = ()
    if storage_kind == "sqlite":  # the default: bot-optimize.db beside the journal
        storage = f"sqlite:///{tmp_path / 'bot-optimize.db'}"
    else:  # one PostgreSQL database both processes reach, as machines of a fleet would
        server: PostgresServer = request.getfixturevalue("postgres_server")
        storage = server.new_database()
        storage_args = ("--storage", storage)

    runs = [_optimize(journal, "--trials", "3", "--study", "shared", "--seed", str(seed),
                      *storage_args, *split) for seed in (1, 2)]
    outputs = [run.communicate(timeout=240) for run in runs]

    for run, (_, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
    study = optuna.load_study(study_name="shared", storage=storage)
    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert len(complete) == 6
    assert len({t.number for t in complete}) == 6
    rows = open_journal(f"sqlite:///{journal}").list_backtest_runs("shared")
    train = [r for r in rows if r.period == "train"]
    test = [r for r in rows if r.period == "test"]
    assert {r.trial for r in train} == {t.number for t in complete}
    assert len(train) == 6  # one fold (30 + 15 min of a one-hour recording)
    assert test
    assert {r.trial for r in test} <= {t.number for t in complete}
    assert all(r.start >= r2.end for r in test for r2 in train if r2.trial == r.trial)
    assert {"summary", "decisions"} <= set(train[0].result)

    stdout = outputs[0][0]
    assert "out of sample" in stdout
    best = tmp_path / "best.yaml"
    best.write_text(stdout, encoding="utf-8")
    settings = load_settings(best, env={})
    assert settings.strategy.min_strength == pytest.approx(
        study.best_params["strategy.min_strength"])
    assert settings.risk.max_open_positions == study.best_params["risk.max_open_positions"]
    check = subprocess.run([*bot_command(), "config", "show", "--config", str(best)],
                           env={**os.environ, "BOT_JOURNAL__URL": f"sqlite:///{journal}"},
                           capture_output=True, text=True, timeout=60, check=False)
    assert check.returncode == 0, check.stderr


def test_the_study_never_goes_into_the_journals_own_database(sim_db: Path,
                                                             tmp_path: Path) -> None:
    journal = tmp_path / "journal.db"
    shutil.copy(sim_db, journal)

    run = _optimize(journal, "--trials", "1", "--storage", f"sqlite:///{journal}")
    _, err = run.communicate(timeout=60)

    assert run.returncode == 2
    assert "--storage" in err
    assert "Traceback" not in err


def test_walk_forward_rolls_train_and_test_windows_through_the_period() -> None:
    folds = walk_forward(T0, T0 + timedelta(hours=10), timedelta(hours=4), timedelta(hours=2))

    h = [T0 + timedelta(hours=n) for n in range(11)]
    assert folds == [
        Fold(Window("train", h[0], h[4]), Window("test", h[4], h[6])),
        Fold(Window("train", h[2], h[6]), Window("test", h[6], h[8])),
        Fold(Window("train", h[4], h[8]), Window("test", h[8], h[10])),
    ]
    assert walk_forward(T0, h[3], None, None) == [Fold(Window("full", T0, h[3]), None)]


@pytest.mark.parametrize(
    ("train", "test", "message"),
    [(timedelta(hours=9), timedelta(hours=2), "longer than the data"),
     (timedelta(hours=1), None, "go together")],
)
def test_an_impossible_split_is_refused(train: timedelta, test: timedelta | None,
                                        message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        walk_forward(T0, T0 + timedelta(hours=10), train, test)


@pytest.mark.parametrize(
    ("spec", "message"),
    [("strategy.min_strength", "KEY=LOW:HIGH"),
     ("strategy.min_strength=0.9:0.1", "above HIGH"),
     ("strategy.min_strength=0.1:7", "strategy.min_strength"),
     ("strategy.no_such=1:2", "strategy.no_such")],
)
def test_a_bad_param_names_the_key(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_params([spec])


def test_params_and_durations_parse() -> None:
    (strength, positions) = parse_params(["strategy.min_strength=0.3:0.8",
                                          "risk.max_open_positions=1:4"])
    assert (strength.low, strength.high, strength.integer) == (0.3, 0.8, False)
    assert (positions.low, positions.high, positions.integer) == (1, 4, True)
    assert parse_duration("90m", "--train") == timedelta(minutes=90)
    assert parse_duration("2w", "--test") == timedelta(weeks=2)
    with pytest.raises(ConfigError, match="--train"):
        parse_duration("soon", "--train")


def test_best_settings_yaml_nests_sections() -> None:
    from bot.backtest.optimize import best_settings_yaml

    text = best_settings_yaml({"strategy.min_strength": 0.5, "risk.max_open_positions": 2})

    assert yaml.safe_load(text) == {"strategy": {"min_strength": 0.5},
                                    "risk": {"max_open_positions": 2}}
