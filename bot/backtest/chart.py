"""The backtest's equity chart: equity with its trades above, drawdown below, as PNG bytes.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, no global
figure registry), under matplotlib's default style whatever the user's matplotlibrc says.
The output depends only on the arguments: fixed size and dpi, no wall clock, and no
``Software`` text in the PNG, so the same run gives the same bytes (the backtest's
reproducibility checks compare them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import Any, Literal, Protocol

import matplotlib as mpl
import matplotlib.dates
import matplotlib.style as mstyle
import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.domain import PositionSide

WIDTH_IN, HEIGHT_IN, DPI = 11.0, 6.5, 100  # 1100 × 650 pixels
MAX_POINTS = 2_000  # longer series are thinned (see _thin): more only costs drawing time

_MS_PER_DAY = 86_400_000
_EMPTY_SPAN_MS = 3_600_000  # the x range shown when the data gives none
_EQUITY_COLOUR = "#1f77b4"
_DRAWDOWN_COLOUR = "#d62728"
_MARKER_STYLE: dict[tuple[str, str], tuple[str, str, str]] = {
    # (kind, side) → (matplotlib marker, colour, legend label)
    ("entry", PositionSide.LONG.value): ("^", "#2ca02c", "long entry"),
    ("entry", PositionSide.SHORT.value): ("v", "#d62728", "short entry"),
    ("exit", PositionSide.LONG.value): ("x", "#333333", "exit"),
    ("exit", PositionSide.SHORT.value): ("x", "#333333", "exit"),
}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# matplotlib.dates ships without type hints (the rest of matplotlib has them): reached
# through Any so strict mypy accepts its calls without per-line ignores.
_dates: Any = matplotlib.dates


class EquitySample(Protocol):
    """One equity value at one moment (``engine.EquityPoint`` is one)."""

    @property
    def time_ms(self) -> int:
        """Epoch milliseconds (UTC)."""
        ...

    @property
    def equity(self) -> float:
        """Equity in USDT."""
        ...


@dataclass(frozen=True, slots=True)
class TradeMarker:
    """A fill to mark on the equity curve.

    Attributes:
        time_ms: when it filled, epoch milliseconds (UTC).
        side: the position's side (``long`` or ``short``).
        kind: ``entry`` or ``exit``.
    """

    time_ms: int
    side: PositionSide
    kind: Literal["entry", "exit"]


def equity_chart_png(samples: Sequence[EquitySample], *,
                     markers: Sequence[TradeMarker] = (), title: str = "",
                     period_ms: tuple[int, int] | None = None,
                     starting_balance: float | None = None) -> bytes:
    """Draw the equity curve and its drawdown over a dated UTC axis, as PNG bytes.

    Top panel: equity with a marker at each fill (on the curve, at the equity of that
    moment) and a dashed line at ``starting_balance``. Bottom panel: the fall from the
    running peak in percent, filled. Series longer than ``MAX_POINTS`` are thinned, keeping
    each stretch's low and high, the last point and the points around every marker.

    Args:
        samples: equity in time order (empty or a single point is fine).
        markers: the fills to mark, in any order.
        title: the heading (one or more lines).
        period_ms: the x range, ``(start, end)`` epoch ms; by default the samples' span.
        starting_balance: where to draw the reference line, if anywhere.

    Returns:
        A PNG of ``WIDTH_IN`` × ``HEIGHT_IN`` inches at ``DPI``.
    """
    times = np.fromiter((s.time_ms for s in samples), dtype=np.int64, count=len(samples))
    equity = np.fromiter((s.equity for s in samples), dtype=np.float64, count=len(samples))
    marker_times = np.array(sorted(m.time_ms for m in markers), dtype=np.int64)
    drawdown = _drawdown_pct(equity)
    keep = _thin(times, equity, marker_times, MAX_POINTS)
    # Under the default style, not whatever matplotlibrc or an earlier caller set: the
    # bytes must not depend on the machine's configuration.
    with mstyle.context("default", after_reset=True), mpl.rc_context({
        "axes.grid": True, "grid.color": "#e0e0e0", "grid.linewidth": 0.6,
        "axes.spines.top": False, "axes.spines.right": False,
        "font.size": 9, "legend.fontsize": 8, "timezone": "UTC",
    }):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        # Fixed margins (room for the title, the legend above the top panel, the date
        # labels): a layout engine would fit them to the text but costs 40 % of the time.
        figure.subplots_adjust(left=0.08, right=0.975, top=0.865, bottom=0.09, hspace=0.08)
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1))
        x = _date_numbers(times)
        _draw_equity(top, x[keep], equity[keep], starting_balance)
        _draw_markers(top, x, equity, markers)
        _draw_drawdown(bottom, x[keep], drawdown[keep])
        _date_axis(bottom, _x_range(times, period_ms))
        if title:
            figure.suptitle(title, y=0.985, fontsize="medium", linespacing=1.5)
        if not len(samples):
            top.text(0.5, 0.5, "no equity data", transform=top.transAxes, ha="center",
                     va="center", color="grey")
        FigureCanvasAgg(figure)  # attaches itself: the figure renders with Agg, no display
        buffer = BytesIO()
        # No "Software" entry (it names matplotlib's version); Agg writes no time stamp.
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
        return buffer.getvalue()


def _date_numbers(times_ms: IntArray) -> FloatArray:
    """Epoch ms as matplotlib date numbers (days since matplotlib's epoch, in UTC)."""
    epoch_days = float(_dates.date2num(datetime(1970, 1, 1, tzinfo=UTC)))
    return times_ms.astype(np.float64) / _MS_PER_DAY + epoch_days


def _drawdown_pct(equity: FloatArray) -> FloatArray:
    """Percent below the running peak (0 at a new peak, negative under it)."""
    if not len(equity):
        return equity.copy()
    peak = np.maximum.accumulate(equity)
    fall = np.zeros_like(equity)
    # A peak at or below zero has no meaningful percentage: leave those moments at 0.
    np.divide(equity - peak, peak, out=fall, where=peak > 0)
    return fall * 100


def _thin(times: IntArray, equity: FloatArray, marker_times: IntArray,
          limit: int) -> IntArray:
    """Indices of the points to draw: all of them, or about ``limit`` chosen by position.

    The series is cut into ``limit / 2`` equal stretches by index; each keeps its lowest and
    highest point, so peaks and troughs (and so the drawdowns) survive. The first and last
    points and the two around each marker (where the curve steps) are always kept. Only
    the data decides, so thinning is deterministic.
    """
    count = len(times)
    if count <= limit:
        return np.arange(count, dtype=np.int64)
    size = -(-count // (limit // 2))
    full = count // size * size
    blocks = equity[:full].reshape(-1, size)
    starts = np.arange(0, full, size, dtype=np.int64)
    after = np.searchsorted(times, marker_times, side="left").astype(np.int64)
    chosen = np.concatenate([
        starts + blocks.argmin(axis=1), starts + blocks.argmax(axis=1),
        np.arange(full, count, dtype=np.int64),  # the short last stretch, as it is
        after, after - 1, np.array([0, count - 1], dtype=np.int64),
    ])
    return np.unique(np.clip(chosen, 0, count - 1))


def _draw_equity(axes: Axes, x: FloatArray, equity: FloatArray,
                 starting_balance: float | None) -> None:
    if len(x) == 1:  # a line needs two points; show the one there is
        axes.plot(x, equity, "o", color=_EQUITY_COLOUR, markersize=4, label="equity")
    elif len(x):
        axes.plot(x, equity, color=_EQUITY_COLOUR, linewidth=1.2, label="equity")
    if starting_balance is not None:
        axes.axhline(starting_balance, color="grey", linewidth=0.8, linestyle="--",
                     label=f"start {starting_balance:,.2f}")
    axes.set_ylabel("equity (USDT)")
    # Plain numbers: an offset like "+1e3" above the axis is easy to miss.
    axes.ticklabel_format(axis="y", style="plain", useOffset=False)


def _draw_markers(axes: Axes, x: FloatArray, equity: FloatArray,
                  markers: Sequence[TradeMarker]) -> None:
    """Each fill at the curve's height at its moment, one legend entry per style."""
    if len(equity) and markers:
        groups: dict[tuple[str, str], list[int]] = {}
        for m in markers:
            groups.setdefault((m.kind, m.side.value), []).append(m.time_ms)
        labelled: set[str] = set()
        for key in sorted(groups):
            shape, colour, label = _MARKER_STYLE[key]
            at = _date_numbers(np.array(sorted(groups[key]), dtype=np.int64))
            # On the drawn line: linear between the samples either side, clamped at the ends.
            height = np.interp(at, x, equity)
            filled = shape != "x"
            # Unclipped: a fill at the very start or end would otherwise show half a marker.
            axes.scatter(at, height, marker=shape, s=52 if filled else 40, zorder=3,
                         clip_on=False, linewidths=0.6 if filled else 1.3, color=colour,
                         edgecolors="white" if filled else None,
                         label=None if label in labelled else label)
            labelled.add(label)
    if axes.get_legend_handles_labels()[0]:
        # Above the panel, in one row: inside it would hide part of the curve.
        axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=5, frameon=False,
                    borderaxespad=0.2)


def _draw_drawdown(axes: Axes, x: FloatArray, drawdown: FloatArray) -> None:
    if len(x):
        axes.fill_between(x, drawdown, 0.0, color=_DRAWDOWN_COLOUR, alpha=0.3, linewidth=0)
        axes.plot(x, drawdown, color=_DRAWDOWN_COLOUR, linewidth=0.8)
    deepest = float(drawdown.min()) if len(drawdown) else 0.0
    # Zero at the top edge, a little room below the deepest fall; 1 % when there was none.
    low = deepest * 1.1 if deepest < 0 else -1.0
    axes.set_ylim(low, -low * 0.04)
    axes.set_ylabel("drawdown (%)")


def _x_range(times: IntArray, period_ms: tuple[int, int] | None) -> tuple[int, int]:
    """The shown span: the period, else the data's; never empty (matplotlib would warn)."""
    if period_ms is not None and period_ms[1] > period_ms[0]:
        return period_ms
    if len(times) and times[-1] > times[0]:
        return int(times[0]), int(times[-1])
    middle = int(times[0]) if len(times) else 0
    return middle - _EMPTY_SPAN_MS // 2, middle + _EMPTY_SPAN_MS // 2


def _date_axis(axes: Axes, span_ms: tuple[int, int]) -> None:
    locator = _dates.AutoDateLocator(tz=UTC, minticks=4, maxticks=10)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(_dates.ConciseDateFormatter(locator, tz=UTC))
    low, high = _date_numbers(np.array(span_ms, dtype=np.int64))
    axes.set_xlim(float(low), float(high))
    axes.set_xlabel("time (UTC)")
