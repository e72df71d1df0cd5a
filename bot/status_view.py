"""The compact live status ``bot run`` shows on a terminal: connection, prices, clusters,
positions and PnL. Pure rendering of a ``LoopStatus``."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from bot.trading import LoopStatus


def render_status(status: LoopStatus, mode: str) -> Table:
    """One table: a row per symbol, and account figures in the caption."""
    health = status.heatmap
    state = Text("connected", style="green") if health.connected else Text(
        "disconnected", style="bold red")
    paused = f" · entries paused: {status.entries_paused}" if status.entries_paused else ""
    pnl = status.equity - status.balance
    table = Table(
        title=Text.assemble(f"bot run ({mode}) · stream ", state,
                            f" · {health.liquidations} liquidations{paused}"),
        caption=(f"equity {status.equity:,.2f} USDT · balance {status.balance:,.2f} · "
                 f"unrealised {pnl:+,.2f} · closed trades {status.closed_trades}"),
    )
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
