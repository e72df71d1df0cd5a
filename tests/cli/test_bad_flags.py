"""Every bad value of every flag: one line on stderr, exit 2, never a traceback.

Table-driven over the whole command tree; ``test_the_table_covers_every_option`` keeps the
table honest when a command or an option is added.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import typer.main

from bot.cli.app import app, main

NOWHERE = "/nonexistent/settings.yaml"
BAD_URL = "nonsense://x"

# (command path, option or argument name, the arguments after the command path)
CASES: list[tuple[str, str, list[str]]] = [
    ("run", "--duration", ["--duration", "banana"]),
    ("run", "--duration", ["--duration", "-5"]),
    ("run", "--symbols", ["--symbols", ","]),
    ("run", "--config", ["--config", NOWHERE]),
    ("run", "--paper", ["--paper", "--live"]),
    ("run", "--live", ["--live", "--paper", "--sim"]),
    ("run", "--sim", ["--sim", "--duration", "x"]),
    ("run", "--web", ["--web", "--web-port", "banana"]),
    ("run", "--web-port", ["--web-port", "70000"]),
    ("dashboard", "--journal", ["--journal", BAD_URL, "--duration", "1"]),
    ("dashboard", "--mode", ["--mode", "foo"]),
    ("dashboard", "--host", ["--host", "192.168.1.20", "--duration", "1"]),
    ("dashboard", "--port", ["--port", "banana"]),
    ("dashboard", "--port", ["--port", "70000", "--duration", "1"]),
    ("dashboard", "--config", ["--config", NOWHERE]),
    ("dashboard", "--duration", ["--duration", "banana"]),
    ("dashboard", "--backtest", ["--backtest", "/nonexistent", "--duration", "1"]),
    ("record", "--duration", ["--duration", "banana"]),
    ("record", "--duration", ["--duration", "-1"]),
    ("record", "--symbols", ["--symbols", ","]),
    ("record", "--out", ["--out", BAD_URL, "--duration", "1"]),
    ("record", "--sim", ["--sim", "--duration", "-1"]),
    ("record", "--config", ["--config", NOWHERE]),
    ("replay", "file", ["/nonexistent.csv"]),
    ("replay", "--from", ["--from", "banana"]),
    ("replay", "--to", ["--to", "banana"]),
    ("replay", "--speed", ["--speed", "banana"]),
    ("replay", "--speed", ["--speed", "-1"]),
    ("replay", "--symbol", ["--symbol", ","]),
    ("replay", "--db", ["--db", BAD_URL]),
    ("replay", "--config", ["--config", NOWHERE]),
    ("backtest", "--from", ["--from", "banana"]),
    ("backtest", "--to", ["--to", "banana"]),
    ("backtest", "--symbols", ["--symbols", ","]),
    ("backtest", "--grid", ["--grid", "foo"]),
    ("backtest", "--grid", ["--grid", "strategy.nope=1"]),
    ("backtest", "--grid", ["--grid", "strategy.min_strength=banana"]),
    ("backtest", "--out", ["--out", "/dev/null/report"]),
    ("backtest", "--journal", ["--journal", BAD_URL]),
    ("backtest", "--db", ["--db", BAD_URL]),
    ("backtest", "--config", ["--config", NOWHERE]),
    ("sim", "--port", ["--port", "banana"]),
    ("sim", "--port", ["--port", "70000"]),
    ("sim", "--seed", ["--seed", "banana"]),
    ("sim", "--duration", ["--duration", "banana"]),
    ("sim", "--api-key", ["--api-key", "k"]),
    ("sim", "--api-secret", ["--api-secret", "s"]),
    ("heatmap", "symbol", []),
    ("heatmap", "symbol", [","]),
    ("heatmap", "--duration", ["BTCUSDT", "--duration", "banana"]),
    ("heatmap", "--sim", ["BTCUSDT", "--sim", "--duration", "-1"]),
    ("heatmap", "--config", ["BTCUSDT", "--config", NOWHERE]),
    ("heatmap", "--layer", ["BTCUSDT", "--layer", "guessed"]),
    ("journal", "--format", ["--format", "foo"]),
    ("journal", "--symbol", ["--symbol", ","]),
    ("journal", "--since", ["--since", "banana"]),
    ("journal", "--mode", ["--mode", "foo"]),
    ("journal", "--config", ["--config", NOWHERE]),
    ("journal", "--bot-id", ["--bot-id", "no spaces"]),
    ("journal summary", "--bot-id", ["--bot-id", "a/b"]),
    ("journal summary", "--mode", ["--mode", "foo"]),
    ("journal summary", "--json", ["--json", "--mode", "sum"]),
    ("journal signals", "--format", ["--format", "xml"]),
    ("journal profit", "--by", ["--by", "year"]),
    ("journal profit", "--format", ["--format", "xml"]),
    ("journal show", "trade_id", ["banana"]),
    ("journal show", "trade_id", ["0"]),
    ("journal show", "--format", ["1", "--format", "xml"]),
    ("reconcile", "--config", ["--config", NOWHERE]),
    ("db upgrade", "--config", ["--config", NOWHERE]),
    ("db copy", "--to", []),
    ("db copy", "--to", ["--to", BAD_URL]),
    ("db copy", "--config", ["--to", "sqlite:///copy.db", "--config", NOWHERE]),
    ("config show", "--config", ["--config", NOWHERE]),
    ("data import", "file", ["/nonexistent.csv"]),
    ("data import", "--symbol", ["/dev/null", "--symbol", ","]),
    ("data import", "--db", ["/dev/null", "--db", BAD_URL]),
    ("data import", "--config", ["/dev/null", "--config", NOWHERE]),
    ("data import-prices", "file", ["/nonexistent.csv"]),
    ("data import-prices", "--symbol", ["/dev/null", "--symbol", ","]),
    ("data import-prices", "--db", ["/dev/null", "--db", BAD_URL]),
    ("data import-prices", "--config", ["/dev/null", "--config", NOWHERE]),
    ("data export", "--out", ["--out", "/dev/null/x.csv"]),
    ("data export", "--kind", ["--kind", "foo"]),
    ("data export", "--symbols", ["--symbols", ","]),
    ("data export", "--from", ["--from", "banana"]),
    ("data export", "--to", ["--to", "banana"]),
    ("data export", "--db", ["--db", BAD_URL]),
    ("data export", "--config", ["--config", NOWHERE]),
    ("data download-prices", "--symbols", ["--from", "2025-01-01"]),
    ("data download-prices", "--from", ["--symbols", "BTCUSDT", "--from", "banana"]),
    ("data download-prices", "--to", ["--symbols", "BTCUSDT", "--from", "2025-01-01",
                                      "--to", "banana"]),
    ("data download-prices", "--timeframe", ["--symbols", "BTCUSDT", "--from", "2025-01-01",
                                             "--timeframe", "foo"]),
    ("data download-prices", "--db", ["--symbols", "BTCUSDT", "--from", "2025-01-01",
                                      "--db", BAD_URL]),
    ("data download-prices", "--config", ["--symbols", "BTCUSDT", "--from", "2025-01-01",
                                          "--config", NOWHERE]),
    ("data download-oi", "--symbols", ["--from", "2025-01-01"]),
    ("data download-oi", "--from", ["--symbols", "BTCUSDT", "--from", "banana"]),
    ("data download-oi", "--to", ["--symbols", "BTCUSDT", "--from", "2025-01-01",
                                  "--to", "banana"]),
    ("data download-oi", "--db", ["--symbols", "BTCUSDT", "--from", "2025-01-01",
                                  "--db", BAD_URL]),
    ("data download-oi", "--config", ["--symbols", "BTCUSDT", "--from", "2025-01-01",
                                      "--config", NOWHERE]),
    ("optimize", "--trials", ["--trials", "0"]),
    ("optimize", "--study", ["--trials", "1", "--study", ""]),
    ("optimize", "--storage", ["--trials", "1", "--storage", BAD_URL]),
    ("optimize", "--param", ["--trials", "1", "--param", "strategy.min_strength=banana"]),
    ("optimize", "--from", ["--trials", "1", "--from", "banana"]),
    ("optimize", "--to", ["--trials", "1", "--to", "banana"]),
    ("optimize", "--train", ["--trials", "1", "--train", "soon", "--test", "1h"]),
    ("optimize", "--test", ["--trials", "1", "--train", "1h"]),
    ("optimize", "--seed", ["--trials", "1", "--seed", "banana"]),
    ("optimize", "--symbols", ["--trials", "1", "--symbols", ","]),
    ("optimize", "--db", ["--trials", "1", "--db", BAD_URL]),
    ("optimize", "--config", ["--trials", "1", "--config", NOWHERE]),
    ("", "command", ["frobnicate"]),
    ("run", "unknown option", ["--frobnicate"]),
]


def _run_main(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "argv", ["bot", *argv])
    with pytest.raises(SystemExit) as exited:
        main()
    return int(exited.value.code or 0)


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in __import__("os").environ if n.upper().startswith("BOT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BOT_JOURNAL__URL", f"sqlite:///{tmp_path / 'journal.db'}")
    return tmp_path


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("command", "option", "args"), CASES,
                         ids=[f"{c or 'bot'} {o} {' '.join(a)}" for c, o, a in CASES])
@pytest.mark.usefixtures("isolated")
def test_a_bad_value_is_one_line_and_exit_2(
    command: str, option: str, args: list[str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = _run_main([*command.split(), *args], monkeypatch)

    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: "), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


@pytest.mark.usefixtures("isolated")
def test_an_unknown_environment_variable_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BOT_RISK__KILL_SWTICH", "true")

    code = _run_main(["config", "show"], monkeypatch)

    err = capsys.readouterr().err
    assert code == 2
    assert err == ("error: environment variable BOT_RISK__KILL_SWTICH: risk.kill_swtich: "
                   "unknown setting (did you mean risk.kill_switch?)\n")


def test_version_is_printed(monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    code = _run_main(["--version"], monkeypatch)

    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("bot ")
    assert out.count("\n") == 1


@pytest.mark.parametrize("group", ["data", "db", "config"])
def test_a_bare_group_prints_its_help_once(group: str, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    _run_main([group], monkeypatch)

    captured = capsys.readouterr()
    assert (captured.out + captured.err).count("Usage:") == 1


@pytest.mark.parametrize("command", ["run", "record", "heatmap", "journal", "journal summary",
                                     "data import", "backtest", "sim"])
def test_help_shows_no_bool_metavars(command: str, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    _run_main([*command.split(), "--help"], monkeypatch)

    assert "<bool>" not in capsys.readouterr().out


def _options() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def walk(command: object, path: list[str]) -> None:
        for param in getattr(command, "params", []):
            if param.name == "help" or param.name.startswith("_"):
                continue
            name = param.opts[0] if param.opts[0].startswith("-") else param.name
            found.add((" ".join(path), name))
        for sub_name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, sub_name])

    walk(typer.main.get_command(app), [])
    return found


def test_the_table_covers_every_option() -> None:
    covered = {(command, option) for command, option, _ in CASES}

    assert _options() - covered == set()
