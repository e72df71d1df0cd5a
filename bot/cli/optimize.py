"""``bot optimize``: an Optuna study over backtests of the journal's recorded data."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.data import (
    ConfigOption,
    DbOption,
    FromOption,
    SymbolsOption,
    ToOption,
    parse_moment,
)
from bot.errors import ConfigError

STORAGE_FILE = "bot-optimize.db"


def optimize(
    trials: Annotated[int, typer.Option("--trials", min=1, max=100_000,
                                        help="Trials this process runs.")],
    study: Annotated[str, typer.Option("--study", help="Study name in the storage.")] = "bot",
    storage: Annotated[str | None, typer.Option(
        "--storage", help="Optuna storage URL (default: sqlite bot-optimize.db beside a "
                          "SQLite journal).")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="KEY=LOW:HIGH to search (repeatable; default: min_strength, "
                        "stop_loss_pct, take_profit_pct).")] = None,
    start: FromOption = None,
    end: ToOption = None,
    train: Annotated[str | None, typer.Option(
        "--train", help="Walk-forward training window, e.g. 12h or 7d (with --test).")] = None,
    test: Annotated[str | None, typer.Option(
        "--test", help="Walk-forward test window after each training window.")] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Sampler seed (each process of a shared study needs its own).")] = None,
    symbols: SymbolsOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Search strategy and risk settings with Optuna (TPE); print the best as YAML."""
    from bot.app.marketdata import database_url, open_store
    from bot.backtest.optimize import (
        DEFAULT_PARAMS,
        Optimizer,
        Search,
        best_settings_yaml,
        parse_duration,
        parse_params,
        walk_forward,
    )
    from bot.cli.startup import load
    from bot.domain import from_epoch_ms
    from bot.journal import open_journal
    from bot.settings.models import mask_url_password
    from bot.symbols import to_exchange_id

    overrides: dict[str, object] = {"run.symbols": symbols} if symbols else {}
    settings = load(config, overrides)
    if not 0 < len(study.strip()) <= 128:
        raise ConfigError(f"--study: expected a name of 1 to 128 characters, got {study!r}")
    storage_url = _storage(storage, settings.journal.url)
    params = parse_params(param or list(DEFAULT_PARAMS))
    first_asked, last_asked = parse_moment(start, "--from"), parse_moment(end, "--to")
    train_for = None if train is None else parse_duration(train, "--train")
    test_for = None if test is None else parse_duration(test, "--test")
    if (train_for is None) != (test_for is None):
        raise ConfigError("--train and --test go together (walk-forward needs both)")
    store_url = database_url(db, settings)
    ids = [to_exchange_id(s) for s in settings.run.symbols]
    with open_store(store_url) as store:
        span = store.price_range(ids)
        if span is None:
            raise ConfigError(f"no recorded mark prices for {', '.join(ids)}; record some "
                              "(bot record) or import candles (bot data import-prices)")
        folds = walk_forward(first_asked or from_epoch_ms(span[0]),
                             last_asked or from_epoch_ms(span[1] + 1), train_for, test_for)
        search = Search(study, storage_url, trials, params, folds, ids, config, overrides,
                        seed)

        def said(number: int, value: float | None) -> None:
            shown = "failed" if value is None else f"train net PnL {value:.2f}"
            typer.echo(f"# trial {number}: {shown}", err=True)

        outcome = Optimizer(search, store, open_journal(settings.journal.url), said).run()
    typer.echo(f"# study {study} in {mask_url_password(storage_url)}: "
               f"{outcome.trials_in_study} trials; best trial {outcome.best_trial}, "
               f"train net PnL {outcome.train_net_pnl:.2f}")
    if outcome.test_net_pnl is None:
        typer.echo("# in-sample only: use --train and --test for an out-of-sample figure")
    else:
        typer.echo(f"# out of sample ({outcome.test_windows} test windows, not tuned on): "
                   f"net PnL {outcome.test_net_pnl:.2f}")
    typer.echo(best_settings_yaml(outcome.best_params), nl=False)


def _storage(storage: str | None, journal_url: str) -> str:
    """The study's storage: ``--storage``, else ``bot-optimize.db`` beside a SQLite journal."""
    from bot.journal.db import check_database_url, sqlite_file_path

    if storage is not None:
        url = check_database_url(storage, "--storage")
        if url == journal_url:
            raise ConfigError("--storage: not the journal's own database (Optuna keeps its "
                              "own schema); use another database or file")
        return url
    path = sqlite_file_path(journal_url)
    if path is None:
        raise ConfigError("--storage: required when the journal is not a SQLite file "
                          "(e.g. another PostgreSQL database)")
    return f"sqlite:///{path.resolve().parent / STORAGE_FILE}"
