"""Parameter search with Optuna over backtests (``bot optimize``), walk-forward if asked.

A trial draws each ``--param KEY=LOW:HIGH`` (TPE sampler), applies the values as settings
overrides (validated by ``load_settings``, as ``--grid`` does) and backtests the training
windows; its objective is their total net PnL. Every backtest is journaled as a backtest run
(``backtest_runs``: study, trial, period, settings, report figures).

Walk-forward (``train`` and ``test`` durations): the period is cut into folds, each a training
window followed by the test window just after it, the folds rolling forward by one test
window. Trials are tuned on the training windows only; the best trial is then measured on
every test window, data it was not tuned on, and that figure is what is reported. Without a
split the whole period is one ``full`` window and the best figure is in-sample.

The study lives in an Optuna storage (any SQLAlchemy URL): several processes, on one machine
or many, pointed at the same storage and study name share its trials; TPE in each process
learns from all of them.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import optuna
import yaml
from sqlalchemy.exc import SQLAlchemyError

from bot.backtest.runs import BacktestRequest, run_backtest
from bot.errors import ConfigError
from bot.journal import JournalRepository
from bot.marketdata.store import HistoryStore
from bot.settings import load_settings

log = logging.getLogger(__name__)

DEFAULT_PARAMS = (
    "strategy.min_strength=0.4:0.9",
    "strategy.stop_loss_pct=0.5:5",
    "strategy.take_profit_pct=0.5:8",
)
_DURATION_UNITS = {"m": 60, "h": 3600, "d": 86_400, "w": 604_800}


@dataclass(frozen=True, slots=True)
class ParamRange:
    """One searched setting: a dotted key and its bounds (whole numbers if both are)."""

    key: str
    low: float
    high: float
    integer: bool = False


@dataclass(frozen=True, slots=True)
class Window:
    """A backtested stretch of time: ``train``, ``test`` or ``full``."""

    period: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Fold:
    """A training window and the test window right after it."""

    train: Window
    test: Window | None


@dataclass(frozen=True, slots=True)
class Search:
    """What one ``bot optimize`` process does.

    Attributes:
        study: the study's name in ``storage``.
        storage: an SQLAlchemy URL Optuna keeps the study in.
        trials: trials this process runs.
        params: the searched settings.
        folds: from ``walk_forward``.
        symbols: what to backtest.
        config: the YAML file every trial starts from.
        overrides: settings applied before the searched ones.
        seed: the sampler's seed (None: random; two processes must not share one).
    """

    study: str
    storage: str
    trials: int
    params: Sequence[ParamRange]
    folds: Sequence[Fold]
    symbols: Sequence[str]
    config: Path | None = None
    overrides: Mapping[str, object] = field(default_factory=dict)
    seed: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """The study's best trial (over every process) and how it did out of sample."""

    best_trial: int
    best_params: dict[str, float | int]
    train_net_pnl: float
    test_net_pnl: float | None
    test_windows: int
    trials_in_study: int


def parse_params(specs: Sequence[str]) -> list[ParamRange]:
    """``["strategy.min_strength=0.5:0.8"]`` → ``[ParamRange(...)]``, keys checked.

    Raises:
        ConfigError: a malformed spec, LOW above HIGH, a key given twice, or a bound that the
            setting refuses (the message names the key).
    """
    ranges: list[ParamRange] = []
    for spec in specs:
        key, sep, bounds = spec.partition("=")
        low_text, colon, high_text = bounds.partition(":")
        key = key.strip()
        try:
            low, high = float(low_text), float(high_text)
        except ValueError:
            low = high = math.nan
        if not sep or not colon or not key or not (math.isfinite(low) and math.isfinite(high)):
            raise ConfigError(f"--param: expected KEY=LOW:HIGH, got {spec!r}")
        if low > high:
            raise ConfigError(f"--param {key}: LOW {low_text} is above HIGH {high_text}")
        if any(r.key == key for r in ranges):
            raise ConfigError(f"--param: {key} given twice")
        integer = _is_whole(low_text) and _is_whole(high_text)
        for bound in (low_text.strip(), high_text.strip()):
            load_settings(None, {key: bound}, env={})  # names the key when refused
        ranges.append(ParamRange(key, low, high, integer))
    return ranges


def _is_whole(text: str) -> bool:
    return text.strip().lstrip("-").isdigit()


def parse_duration(text: str, option: str) -> timedelta:
    """``"90m"``, ``"6h"``, ``"7d"``, ``"2w"`` → a ``timedelta``.

    Raises:
        ConfigError: anything else, or not above zero.
    """
    value, unit = text.strip()[:-1], text.strip()[-1:].lower()
    try:
        seconds = float(value) * _DURATION_UNITS[unit]
    except (KeyError, ValueError):
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ConfigError(f"{option}: expected a duration such as 90m, 6h, 7d or 2w, "
                          f"got {text!r}")
    return timedelta(seconds=seconds)


def walk_forward(start: datetime, end: datetime, train: timedelta | None,
                 test: timedelta | None) -> list[Fold]:
    """The folds over ``[start, end)``: rolling train + test windows, or one ``full`` window.

    Raises:
        ConfigError: only one of ``train`` and ``test`` given, or no fold fits the period.
    """
    if train is None and test is None:
        return [Fold(Window("full", start, end), None)]
    if train is None or test is None:
        raise ConfigError("--train and --test go together (walk-forward needs both)")
    folds = []
    offset = timedelta(0)
    while start + offset + train + test <= end:
        train_end = start + offset + train
        folds.append(Fold(Window("train", start + offset, train_end),
                          Window("test", train_end, train_end + test)))
        offset += test
    if not folds:
        raise ConfigError(f"--train {train} + --test {test} is longer than the data "
                          f"({start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC)")
    return folds


def open_study(search: Search) -> optuna.Study:
    """Create or load the study; several processes starting at once all get the same one."""
    engine_kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if search.storage.startswith("sqlite"):
        # Processes take turns on one SQLite file: wait for the lock rather than fail.
        engine_kwargs["connect_args"] = {"timeout": 60}
    sampler = optuna.samplers.TPESampler(seed=search.seed)
    for attempt in range(5):
        try:
            storage = optuna.storages.RDBStorage(search.storage, engine_kwargs=engine_kwargs)
            return optuna.create_study(study_name=search.study, storage=storage,
                                       sampler=sampler, direction="maximize",
                                       load_if_exists=True)
        except (SQLAlchemyError, optuna.exceptions.DuplicatedStudyError):
            # Two processes creating the schema or the study at the same moment: the loser
            # retries and finds the winner's.
            if attempt == 4:
                raise
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


class Optimizer:
    """Runs a ``Search`` over ``store``'s data, journaling every backtest into ``journal``.

    Args:
        search: what to search.
        store: the recorded market data.
        journal: where the backtest runs are journaled.
        on_trial: told ``(trial number, objective or None)`` after each trial.
    """

    def __init__(self, search: Search, store: HistoryStore, journal: JournalRepository,
                 on_trial: Callable[[int, float | None], None] | None = None) -> None:
        self._search = search
        self._store = store
        self._journal = journal
        self._on_trial = on_trial or (lambda _n, _v: None)

    def run(self) -> Outcome:
        """Run this process's trials, then measure the study's best on the test windows.

        Raises:
            ConfigError: no trial of the study completed.
        """
        study = open_study(self._search)
        with tempfile.TemporaryDirectory(prefix="bot-optimize-") as scratch:
            # Each backtest's trades go to a scratch journal: a run clears the previous one's.
            scratch_url = f"sqlite:///{Path(scratch) / 'trial.db'}"
            study.optimize(lambda trial: self._objective(trial, scratch_url),
                           n_trials=self._search.trials, catch=(ValueError, ConfigError),
                           callbacks=[lambda _s, t: self._on_trial(t.number, t.value)])
            completed = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
            if not completed:
                raise ConfigError(f"study {self._search.study}: no trial completed")
            best = study.best_trial
            tests = [f.test for f in self._search.folds if f.test is not None]
            test_pnl = (sum(self._backtest(best.number, best.params, w, scratch_url)
                            for w in tests) if tests else None)
        return Outcome(best.number, dict(best.params), float(best.value or 0.0), test_pnl,
                       len(tests), len(study.trials))

    def _objective(self, trial: optuna.Trial, scratch_url: str) -> float:
        params: dict[str, float | int] = {}
        for p in self._search.params:
            params[p.key] = (trial.suggest_int(p.key, int(p.low), int(p.high)) if p.integer
                             else trial.suggest_float(p.key, p.low, p.high))
        return sum(self._backtest(trial.number, params, fold.train, scratch_url)
                   for fold in self._search.folds)

    def _backtest(self, number: int, params: Mapping[str, float | int], window: Window,
                  scratch_url: str) -> float:
        overrides = {**self._search.overrides, **{k: str(v) for k, v in params.items()}}
        settings = load_settings(self._search.config, overrides)
        report = run_backtest(settings, self._store,
                              BacktestRequest(tuple(self._search.symbols), window.start,
                                              window.end), scratch_url)
        figures = report.to_json_dict()
        net = float(figures["summary"]["net_pnl"])
        self._journal.record_backtest_run(
            study=self._search.study, trial=number, period=window.period, start=window.start,
            end=window.end, settings=dict(params), result=figures, net_pnl=net)
        return net


def best_settings_yaml(params: Mapping[str, float | int]) -> str:
    """The parameters as nested YAML (``strategy: {min_strength: 0.62}``) for ``--config``."""
    nested: dict[str, dict[str, float | int]] = {}
    for key, value in sorted(params.items()):
        section, _, name = key.partition(".")
        nested.setdefault(section, {})[name] = value
    return yaml.safe_dump(nested, sort_keys=True)
