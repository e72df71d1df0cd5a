"""A terminal picture of one symbol's liquidation clusters (used by ``bot heatmap``).

Price levels as horizontal bars whose length is the cluster's strength: levels where longs
were liquidated in red, where shorts were liquidated in green, and the mark price marked where
it falls among the levels; with several venues, each level's notional per venue (Binance,
Bybit, OKX) beside it. Projected levels (``kind`` ``projected``: positions that would be
liquidated there) are drawn with a light bar and a ``proj.`` side. Pure rendering: data in,
renderable out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.table import Table
from rich.text import Text

from bot.domain import LiquidationCluster
from bot.heatmap import HeatmapHealth, VenueHealth

BAR_WIDTH = 40
LONG_STYLE = "bold red"     # longs liquidated there: price falling into it
SHORT_STYLE = "bold green"  # shorts liquidated there: price rising into it


def render_heatmap(
    symbol: str,
    clusters: Sequence[LiquidationCluster],
    price: float | None,
    health: HeatmapHealth,
    *,
    replay_at: datetime | None = None,
) -> Table:
    """Clusters sorted by price, highest first, with a marker row at the mark price.

    ``replay_at`` (the replayed moment) marks a replay: its caption tells the simulated time
    instead of the stream's state, which a replay has none of.
    """
    title = f"{symbol}  mark {price:,.6g}" if price is not None else f"{symbol}  (no price yet)"
    if replay_at is not None:
        caption = (f"replay {replay_at:%Y-%m-%d %H:%M:%S} UTC · {health.liquidations} "
                   f"liquidations · {health.duplicates} repeats")
    else:
        state = "connected" if health.connected else "DISCONNECTED"
        caption = (f"{state} · {health.messages} frames · {health.liquidations} liquidations · "
                   f"{health.parse_errors} malformed · {health.reconnects} reconnects"
                   f"{_venue_caption(health)}")
    table = Table(title=title, caption=caption, show_edge=False, pad_edge=False)
    table.add_column("price level", justify="right")
    table.add_column("strength", justify="left", min_width=BAR_WIDTH + 6)
    table.add_column("side")
    table.add_column("n", justify="right")
    table.add_column("notional", justify="right")
    # Binance alone (the default, and every replay of its files): the column would say nothing.
    by_venue = len(_streamed(health)) > 1 or any(
        set(c.venue_notional) - {"binance"} for c in clusters)
    if by_venue:
        table.add_column("by venue", justify="left")
    table.add_column("dist", justify="right")
    marked = price is None
    for cluster in sorted(clusters, key=lambda c: c.price_level, reverse=True):
        if not marked and price is not None and cluster.price_level < price:
            table.add_row(*_price_marker(price, by_venue))
            marked = True
        table.add_row(*_cluster_row(cluster, by_venue))
    if not marked and price is not None:
        table.add_row(*_price_marker(price, by_venue))
    if not clusters:
        table.add_row("", Text("no clusters yet", style="dim"), *[""] * (4 + by_venue))
    return table


def _cluster_row(cluster: LiquidationCluster, by_venue: bool) -> tuple[str | Text, ...]:
    style = LONG_STYLE if cluster.side == "long" else SHORT_STYLE
    filled = round(cluster.strength * BAR_WIDTH)
    projected = cluster.kind == "projected"
    bar = Text(("░" if projected else "█") * filled, style=style)
    bar.append(f" {cluster.strength:.2f}")
    distance = cluster.distance_from_price
    side = f"{cluster.side} proj." if projected else cluster.side
    return (
        f"{cluster.price_level:,.6g}", bar, Text(side, style=style),
        str(cluster.liquidation_count), f"{cluster.total_notional:,.0f}",
        *([" ".join(f"{venue} {compact(notional)}"
                    for venue, notional in cluster.venue_notional.items())] if by_venue else []),
        "" if distance is None else f"{distance:+.2f} %",
    )


def _price_marker(price: float, by_venue: bool) -> tuple[str | Text, ...]:
    return (Text(f"{price:,.6g}", style="bold yellow"),
            Text("◀── mark price " + "─" * (BAR_WIDTH - 15), style="yellow"),
            *[""] * (4 + by_venue))


def compact(amount: float) -> str:
    """A USD amount in three significant figures: ``950``, ``12.3k``, ``4.56M``, ``1.2B``."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= limit:
            return f"{amount / limit:.3g}{suffix}"
    return f"{amount:.3g}"


def _streamed(health: HeatmapHealth) -> dict[str, VenueHealth]:
    return {name: v for name, v in health.venues.items() if v.url is not None}


def _venue_caption(health: HeatmapHealth) -> str:
    """Per-venue state when more than one venue streams (one venue: the totals say it all)."""
    streamed = _streamed(health)
    if len(streamed) < 2:
        return ""
    return "\n" + " · ".join(
        f"{name} {'up' if v.connected else 'DOWN'} {v.liquidations} liq {v.parse_errors} bad "
        f"{v.reconnects} rec" for name, v in streamed.items())
