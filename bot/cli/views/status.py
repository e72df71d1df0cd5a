"""The compact live status ``bot run`` shows: connection, prices, clusters, positions, PnL.

``render_status`` is pure rendering of a ``LoopStatus``; ``status_printer`` shows it, as a live
view on a terminal or as a log line a minute otherwise."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from bot.app.runner import BotRunner
from bot.app.trading_loop import LoopStatus
from bot.domain import MarkPrice, Position

log = logging.getLogger(__name__)


def render_status(status: LoopStatus, mode: str) -> Group:
    """One title line, one table (a row per symbol), one line of account figures.

    The title and the figures never wrap (they are cut with an ellipsis on a narrow
    terminal), so the view's height depends only on the number of symbols.
    """
    health = status.heatmap
    state = Text("connected", style="green") if health.connected else Text(
        "disconnected", style="bold red")
    paused = f" · entries paused: {status.entries_paused}" if status.entries_paused else ""
    pnl = status.equity - status.balance
    title = Text.assemble(f"bot run ({mode}) · stream ", state,
                          f" · {health.liquidations} liquidations{paused}")
    figures = Text(f"equity {status.equity:,.2f} USDT · balance {status.balance:,.2f} · "
                   f"unrealised {pnl:+,.2f} · closed trades {status.closed_trades}")
    for line in (title, figures):
        line.no_wrap, line.overflow = True, "ellipsis"
    return Group(title, _symbol_table(status), figures)


def _symbol_table(status: LoopStatus) -> Table:
    table = Table()
    for name in ("symbol", "mark", "best cluster", "strength", "position", "uPnL"):
        table.add_column(name, justify="left" if name in {"symbol", "best cluster",
                                                          "position"} else "right")
    positions = {p.symbol: p for p in status.positions}
    for symbol, cluster in status.best_clusters.items():
        mark = status.prices.get(symbol)
        position = positions.get(symbol)
        table.add_row(
            symbol,
            "" if mark is None else f"{mark.price:,.6g}",
            "" if cluster is None else f"{cluster.side} @ {cluster.price_level:,.6g}",
            "" if cluster is None else f"{cluster.strength:.2f}",
            "" if position is None else
            f"{position.side} {position.quantity:g} @ {position.entry_price:,.6g}",
            "" if position is None or mark is None else
            f"{position.unrealised_pnl(mark.price):+,.2f}",
        )
    return table


def stop_report(positions: Sequence[Position], prices: Mapping[str, MarkPrice],
                journal: str) -> list[str]:
    """The lines ``bot run`` prints once stopped: each position left open, then the journal.

    ``journal`` is the journal's URL with any password already masked.
    """
    lines = []
    for p in positions:
        mark = prices.get(p.symbol)
        pnl = ("unknown (no mark price)" if mark is None
               else f"{p.unrealised_pnl(mark.price):+,.2f} USDT")
        lines.append(f"left open: {p.symbol} {p.side} {p.quantity:g} @ {p.entry_price:,.6g} "
                     f"· uPnL {pnl}")
    return (lines or ["no position left open"]) + [f"journal: {journal} (bot journal to review)"]


def status_printer(runner: BotRunner, mode: str, console: Console | None
                   ) -> tuple[Callable[[], None], Callable[[], None]]:
    """A status display for ``bot run``: a live view on ``console``, else a log line a minute.

    ``console`` is the terminal's one console, the one the log handler writes to as well
    (see ``bot.logs.configure_logging``): Rich's ``Live`` then prints each log line above the
    view and redraws the view in place. ``None`` (not a terminal) gives plain log lines.
    Returns (on_tick, finish).
    """
    if console is not None:
        live = Live(render_status(runner.loop.status(), mode), console=console,
                    refresh_per_second=2, transient=False, vertical_overflow="crop")
        live.start()
        return (lambda: live.update(render_status(runner.loop.status(), mode)), live.stop)
    last = [time.monotonic()]

    def log_line() -> None:
        if time.monotonic() - last[0] < 60:
            return
        last[0] = time.monotonic()
        s = runner.loop.status()
        log.info("status: stream %s, %d liquidations, %d open position(s), equity %.2f USDT%s",
                 "connected" if s.heatmap.connected else "DISCONNECTED", s.heatmap.liquidations,
                 len(s.positions), s.equity,
                 f", entries paused: {s.entries_paused}" if s.entries_paused else "")

    return log_line, lambda: None
