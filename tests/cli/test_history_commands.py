"""``bot record``, ``bot data``, ``bot replay``, ``bot backtest`` and the journal commands on a
backtest, through Typer's runner on the real app (and the console entry point for errors)."""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli.app import app, main
from bot.domain import PositionSide, to_epoch_ms
from bot.journal import NewTrade, TradeMode, open_journal
from bot.marketdata.open_interest import OpenInterestStore
from tests.marketdata.conftest import make_store
from tests.marketdata.simdata import START

SYMBOLS = "BTCUSDT,ETHUSDT,SOLUSDT"
WINDOW = ["--from", "2025-01-27T00:00", "--to", "2025-01-27T00:20"]
SNAPSHOT = """\
time,side,order_type,time_in_force,original_quantity,price,average_price,order_status,\
last_fill_quantity,accumulated_fill_quantity
1672531200123,SELL,LIMIT,IOC,0.010,16500.0,16510.5,FILLED,0.010,0.010
1672531200123,SELL,LIMIT,IOC,0.010,16500.0,16510.5,FILLED,0.010,0.010
1672531260456,BUY,LIMIT,IOC,0.5,16600.0,0,FILLED,0.5,0
1672531260456,BUY,LIMIT,IOC,0.5,16600.0,0,FILLED,0.5,0
"""


@pytest.fixture
def journal_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The bot's journal (and default data store) in a fresh file; commands run in tmp_path."""
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    monkeypatch.setenv("BOT_JOURNAL__URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def _bot(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _ok(*args: str) -> Result:
    result = _bot(*args)
    assert result.exit_code == 0, result.output
    return result


def _console_script(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                    *args: str) -> tuple[object, str, str]:
    """``bot ARGS`` through the console entry point: (exit code, stdout, stderr). Anything
    but a clean exit (a traceback) fails the test."""
    monkeypatch.setattr(sys, "argv", ["bot", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


def _replayed_line(output: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith("replayed ")]
    return line


def _ms(text: str) -> int:
    return to_epoch_ms(datetime.fromisoformat(text).replace(tzinfo=UTC))


# -- bot replay ------------------------------------------------------------------------------


def test_replay_of_the_recorded_csv_replays_its_1837_distinct_liquidations(
    journal_url: str, recorded_csv: Path
) -> None:
    result = _ok("replay", str(recorded_csv), "--speed", "0")

    assert _replayed_line(result.output) == (
        "replayed 1837 liquidations and 0 mark prices "
        "from 2025-01-26 16:27:09 to 2025-02-06 15:26:01 UTC")
    assert "ACHUSDT" in result.output  # the view shows the busiest symbol
    # The view's caption tells the replayed moment, not a stream state a replay has none of.
    assert "replay 2025-02-06 15:26:01 UTC · 1837 liquidations · 0 repeats" in result.output
    assert "DISCONNECTED" not in result.output


def test_replay_of_a_file_can_be_limited_to_a_period_and_a_symbol(
    journal_url: str, recorded_csv: Path, tmp_path: Path
) -> None:
    _ok("data", "import", str(recorded_csv))  # the importer's count, to compare with
    store = make_store(tmp_path / "journal.db")
    expected = sum(store.liquidation_counts(_ms("2025-01-27"), _ms("2025-01-28")).values())
    store.engine.dispose()

    result = _ok("replay", str(recorded_csv), "--from", "2025-01-27", "--to", "2025-01-28",
                 "--speed", "0", "--symbol", "SPELL/USDT:USDT")

    assert expected > 0
    assert _replayed_line(result.output).startswith(f"replayed {expected} liquidations and 0 ")
    assert "SPELLUSDT" in result.output


def test_replay_of_the_store_at_full_speed_counts_the_periods_events(
    journal_url: str, sim_db: Path
) -> None:
    store = make_store(sim_db)
    start, end = _ms("2025-01-27T00:10"), _ms("2025-01-27T00:20")
    liquidations = sum(store.liquidation_counts(start, end).values())
    marks = len(list(store.iter_mark_prices(start, end)))
    store.engine.dispose()

    result = _ok("replay", "--db", str(sim_db), "--from", "2025-01-27T00:10", "--to",
                 "2025-01-27T00:20", "--speed", "0")

    assert marks == 3 * 600  # three symbols, a price a second
    assert _replayed_line(result.output) == (
        f"replayed {liquidations} liquidations and {marks} mark prices "
        "from 2025-01-27 00:10:00 to 2025-01-27 00:19:59 UTC")


def test_replay_at_a_positive_speed_is_paced_and_ends_like_full_speed(
    journal_url: str, sim_db: Path
) -> None:
    window = ["--db", str(sim_db), "--from", "2025-01-27T00:30", "--to", "2025-01-27T00:31"]

    started = time.monotonic()
    paced = _ok("replay", *window, "--speed", "60")
    elapsed = time.monotonic() - started
    fast = _ok("replay", *window, "--speed", "0")

    # 59 s of data at 60 simulated seconds per second
    assert elapsed >= 0.9
    assert _replayed_line(paced.output).endswith(
        "mark prices from 2025-01-27 00:30:00 to 2025-01-27 00:30:59 UTC")
    assert paced.output == fast.output  # the same view and counts either way


@pytest.mark.parametrize("speed", ["0", "5"])
def test_replay_of_an_empty_period_says_there_is_nothing_to_replay(
    journal_url: str, sim_db: Path, recorded_csv: Path, speed: str
) -> None:
    from_store = _ok("replay", "--db", str(sim_db), "--from", "2025-03-01", "--to",
                     "2025-03-02", "--speed", speed)
    from_file = _ok("replay", str(recorded_csv), "--from", "2025-03-01", "--speed", speed)

    assert from_store.output.strip() == "nothing to replay in that period"
    assert from_file.output.strip() == "nothing to replay in that period"


# -- bot data ----------------------------------------------------------------------------------


def test_import_prices_stores_four_prices_per_candle_once(journal_url: str,
                                                          tmp_path: Path) -> None:
    candles = tmp_path / "candles.csv"
    candles.write_text("open_time,open,high,low,close,volume\n"
                       "1737936000000,100,110,95,105,12.5\n"
                       "2025-01-27T00:01:00,105,106,90,91,3\n"
                       "2025-01-27T00:02:00+00:00,91,93,91,92,7\n", encoding="utf-8")
    db = tmp_path / "prices.db"

    first = _ok("data", "import-prices", str(candles), "--symbol", "btc/usdt:usdt",
                "--db", str(db))
    again = _ok("data", "import-prices", str(candles), "--symbol", "BTCUSDT", "--db", str(db))
    exported = _ok("data", "export", "--kind", "marks", "--db", str(db))

    assert first.output.strip() == f"{candles}: 3 candles, 3 new"
    assert again.output.strip() == f"{candles}: 3 candles, 0 new"
    t0 = 1737936000000
    expected = [(t0, 100), (t0 + 20_000, 95), (t0 + 40_000, 110), (t0 + 59_999, 105),
                (t0 + 60_000, 105), (t0 + 80_000, 106), (t0 + 100_000, 90), (t0 + 119_999, 91),
                (t0 + 120_000, 91), (t0 + 140_000, 91), (t0 + 160_000, 93), (t0 + 179_999, 92)]
    assert exported.output.splitlines() == [
        "symbol,time_ms,price", *(f"BTCUSDT,{t},{float(p)}" for t, p in expected)]


def test_import_of_a_liquidation_snapshot_file_reports_the_repeats(journal_url: str,
                                                                   tmp_path: Path) -> None:
    named = tmp_path / "BTCUSDT-liquidationSnapshot-2023-01-01.csv"
    named.write_text(SNAPSHOT, encoding="utf-8")
    unnamed = tmp_path / "snapshot.csv"
    unnamed.write_text(SNAPSHOT, encoding="utf-8")

    result = _ok("data", "import", str(named))
    other = _ok("data", "import", str(unnamed), "--symbol", "ETHUSDT")
    exported = _ok("data", "export", "--symbols", "ETHUSDT")

    assert result.output.strip() == (
        f"{named}: snapshot format, 4 rows, 2 new events, 2 repeats skipped")
    assert other.output.strip().endswith("4 rows, 2 new events, 2 repeats skipped")
    assert len(exported.output.splitlines()) == 2
    assert all(line.startswith("ETH,") for line in exported.output.splitlines())


# -- bot backtest and the journal ----------------------------------------------------------------


def test_backtest_journal_is_what_bot_journal_and_its_summary_show(
    journal_url: str, sim_db: Path, tmp_path: Path
) -> None:
    paper = open_journal(journal_url)
    paper.open_trade(NewTrade(symbol="XRPUSDT", side=PositionSide.LONG, mode=TradeMode.PAPER,
                              entry_time=START, entry_price=2.0, quantity=10.0))
    out = tmp_path / "report"

    run = _ok("backtest", "--db", str(sim_db), "--symbols", SYMBOLS, *WINDOW, "--out", str(out))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    listing = json.loads(_ok("journal", "--mode", "backtest", "--format", "json").stdout)
    summary = json.loads(_ok("journal", "--mode", "backtest", "summary", "--json").stdout)
    everything = json.loads(_ok("journal", "summary", "--json", "--mode", "all").stdout)
    default = json.loads(_ok("journal", "summary", "--json").stdout)
    table = _ok("journal", "--mode", "backtest").stdout
    summary_table = _ok("journal", "--mode", "backtest", "summary").stdout
    paper_trades = json.loads(_ok("journal", "--mode", "paper", "--format", "json").stdout)

    figures = report["summary"]
    assert figures["closed_trades"] > 0
    assert journal_url in run.output  # where the trades went
    assert len(listing) == figures["closed_trades"] + figures["open_trades"]
    assert {t["mode"] for t in listing} == {"backtest"}
    assert {t["symbol"] for t in listing} <= set(SYMBOLS.split(","))
    assert sum(t["pnl"] for t in listing) == pytest.approx(figures["net_pnl"])
    for key in ("closed_trades", "wins", "losses", "net_pnl", "fees", "win_rate",
                "max_drawdown", "max_drawdown_pct"):
        assert summary[key] == pytest.approx(figures[key]), key
    # --mode all keeps each mode apart; without --mode only the configured one (paper)
    assert everything["paper"]["open_trades"] == 1
    assert (default["mode"], default["open_trades"], default["closed_trades"]) == ("paper", 1, 0)
    for key in ("closed_trades", "open_trades", "net_pnl", "fees", "win_rate", "profit_factor"):
        assert everything["backtest"][key] == pytest.approx(figures[key]), key
    assert f"{len(listing)} trade(s), mode backtest" in table  # one mode: named in the title
    assert f"{figures['closed_trades']} / 0 / 0" in summary_table
    # the backtest touched nothing but its own rows
    assert [t["symbol"] for t in paper_trades] == ["XRPUSDT"]


def test_a_backtest_rerun_replaces_the_previous_one_in_the_journal(
    journal_url: str, sim_db: Path, tmp_path: Path
) -> None:
    args = ["backtest", "--db", str(sim_db), "--symbols", "BTCUSDT", "--from",
            "2025-01-27T00:00", "--to", "2025-01-27T00:10", "--out", str(tmp_path / "r")]
    _ok(*args)
    first = _ok("journal", "--mode", "backtest", "--format", "json").stdout
    _ok(*args)
    second = _ok("journal", "--mode", "backtest", "--format", "json").stdout

    assert json.loads(first)
    assert second == first


def test_backtest_reads_settings_from_a_config_file(journal_url: str, sim_db: Path,
                                                    tmp_path: Path) -> None:
    config = tmp_path / "bt.yaml"
    config.write_text("paper:\n  starting_balance: 2500.0\nrisk:\n  kill_switch: true\n",
                      encoding="utf-8")
    out = tmp_path / "report"

    result = _ok("backtest", "--config", str(config), "--db", str(sim_db), "--symbols",
                 SYMBOLS, "--from", "2025-01-27T00:00", "--to", "2025-01-27T00:05",
                 "--out", str(out))

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["starting_balance"] == 2500.0
    assert report["final_equity"] == 2500.0
    assert report["summary"]["closed_trades"] == 0  # the kill switch refused every entry
    assert "rejected: kill_switch" in result.output


def test_a_backtest_grid_prints_every_combination_ranked_by_net_pnl(
    journal_url: str, sim_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "grid"

    result = _ok("backtest", "--db", str(sim_db), "--symbols", SYMBOLS, *WINDOW,
                 "--grid", "strategy.min_strength=0.5,0.8", "--out", str(out))

    lines = result.output.splitlines()
    header = lines[0].split()
    rows = [line.split() for line in lines[1:3]]
    assert header[:3] == ["rank", "strategy.min_strength", "net"]
    assert [row[0] for row in rows] == ["1", "2"]
    assert sorted(row[1] for row in rows) == ["0.5", "0.8"]
    pnls = [float(row[2]) for row in rows]
    assert pnls == sorted(pnls, reverse=True)
    assert (out / "grid.txt").read_text(encoding="utf-8") == "\n".join(lines[:3]) + "\n"
    # each combination journaled on its own, and the table's PnL is that journal's
    for row in rows:
        index = ["0.5", "0.8"].index(row[1])
        journal = open_journal(f"sqlite:///{out / f'grid-{index:03d}.db'}")
        trades = journal.list_trades(mode=TradeMode.BACKTEST)
        assert sum(t.pnl or 0.0 for t in trades) == pytest.approx(float(row[2]), abs=0.005)
        assert str(len([t for t in trades if t.exit_time is not None])) == row[3]


# -- bot record ------------------------------------------------------------------------------------


def test_record_from_the_simulator_for_a_few_seconds_stores_what_it_reports(
    journal_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "recording.db"

    result = _ok("record", "--sim", "--symbols", "BTCUSDT,ETHUSDT", "--duration", "2",
                 "--out", str(out))

    match = re.search(r"recorded (\d+) liquidations \((\d+) new\), (\d+) mark prices, "
                      r"(\d+) gap\(s\), 0 malformed frame\(s\)", result.output)
    assert match, result.output
    liquidations, new, marks, gaps = (int(g) for g in match.groups())
    store = make_store(out)
    try:
        counts = store.counts()
        stored_symbols = {e.symbol for e in store.liquidations()} | set(store.mark_prices())
        interest = OpenInterestStore(store.engine).series(["BTCUSDT", "ETHUSDT"])
    finally:
        store.engine.dispose()
    # The last 24 h of 5-minute open interest (heatmap.projection_lookback_hours) came too.
    assert sorted(interest) == ["BTCUSDT", "ETHUSDT"]
    assert len(interest["BTCUSDT"].times_ms) >= 287
    assert marks >= 2  # a price a second per symbol
    assert (counts.liquidations, counts.mark_prices) == (new, marks)
    assert new == liquidations
    assert (counts.sessions, gaps) == (1, 0)
    assert stored_symbols <= {"BTCUSDT", "ETHUSDT"}


# -- bad input -------------------------------------------------------------------------------------


def test_a_negative_replay_speed_is_one_line_naming_speed_and_exit_2(
    journal_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _console_script(monkeypatch, capsys, "replay", "--speed", "-1")
    through_runner = _bot("replay", "--speed", "-1")

    assert code == 2
    assert out == ""
    [line] = err.strip().splitlines()
    assert line.startswith("error: ")
    assert "--speed" in line
    assert through_runner.exit_code == 2
    assert "--speed" in through_runner.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("hello,world\nnot,a,liquidation\n", "garbage.csv:1:"),
        (SNAPSHOT.replace(",BUY,", ",HOLD,"), "side must be BUY or SELL"),
    ],
    ids=["missing", "text-garbage", "bad-snapshot-row"],
)
def test_import_of_a_missing_or_garbage_file_is_a_one_line_error(
    journal_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / ("BTCUSDT-liquidationSnapshot-x.csv" if content and "HOLD" in content
                       else "garbage.csv")
    if content is not None:
        path.write_text(content, encoding="utf-8")

    code, out, err = _console_script(monkeypatch, capsys, "data", "import", str(path))

    assert code == 2
    assert out == ""
    [line] = err.strip().splitlines()
    assert line.startswith("error: ")
    assert message in line
    assert "Traceback" not in err


def test_import_prices_of_a_malformed_candle_is_a_one_line_error(
    journal_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "candles.csv"
    path.write_text("time,open,high,low,close\n1737936000000,100,90,95,105\n", encoding="utf-8")

    code, _, err = _console_script(monkeypatch, capsys, "data", "import-prices", str(path),
                                   "--symbol", "BTCUSDT")

    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith(f"error: {path}:2: inconsistent candle")


def test_a_bad_grid_key_is_refused_before_any_run(
    journal_url: str, sim_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _console_script(monkeypatch, capsys, "backtest", "--db", str(sim_db),
                                   "--grid", "strategy.nonsense=1,2", "--out",
                                   str(tmp_path / "g"))

    assert code == 2
    [line] = err.strip().splitlines()
    assert "strategy.nonsense" in line
    assert not list((tmp_path / "g").glob("grid-*.db"))


@pytest.mark.parametrize(("command", "options"),
                         [(["data", "import"], []),
                          (["data", "import-prices"], ["--symbol", "BTCUSDT"]),
                          (["replay"], ["--speed", "0"])],
                         ids=["import", "import-prices", "replay"])
def test_a_binary_file_is_a_one_line_error(
    journal_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], command: list[str], options: list[str]
) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(bytes(range(128, 256)) * 4)

    code, _, err = _console_script(monkeypatch, capsys, *command, str(path), *options)

    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith("error: ")
    assert "binary.csv" in line


def test_replay_of_a_garbage_file_is_a_one_line_error(
    journal_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "recording.csv"
    path.write_text("BTC,SELL,LIMIT,IOC,1,100,100,FILLED,1,1,1737908829829\nhello,world\n",
                    encoding="utf-8")

    code, out, err = _console_script(monkeypatch, capsys, "replay", str(path), "--speed", "0")

    assert code == 2
    assert out == ""
    [line] = err.strip().splitlines()
    assert line.startswith(f"error: {path}:2: ")


def test_replay_of_a_missing_file_is_a_one_line_error(
    journal_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "missing.csv"

    code, _, err = _console_script(monkeypatch, capsys, "replay", str(path), "--speed", "0")

    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith("error: ")
    assert "missing.csv" in line


def test_replay_without_any_data_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_JOURNAL__URL", f"sqlite:///{tmp_path / 'empty.db'}")

    result = CliRunner().invoke(app, ["replay", "--speed", "0"])

    assert result.exit_code == 1
    assert result.stderr.startswith("error: no recorded liquidations at all in sqlite:///")
    assert "bot record" in result.stderr


def test_a_full_speed_replay_shows_its_progress_on_a_terminal(recorded_csv: Path) -> None:
    import io

    from rich.console import Console

    from bot.cli.replay import run_replay
    from bot.settings import load_settings

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)

    run_replay(load_settings(env={}), file=recorded_csv, store_url="sqlite://", start_ms=None,
               end_ms=None, speed=0, symbol=None, console=console)

    assert "1,837 of 1,837 liquidations replayed (100 %)" in out.getvalue()
