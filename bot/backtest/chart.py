"""A tiny PNG writer for line charts (the backtest's equity curve): zlib and struct only.

Draws onto an RGB pixel grid: a white background, light grid lines, and a polyline scaled to
fit. Output is deterministic (same points, same bytes), which the backtest's reproducibility
relies on.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

Color = tuple[int, int, int]

_WHITE: Color = (255, 255, 255)
_GRID: Color = (225, 225, 225)
_AXIS: Color = (120, 120, 120)
_LINE: Color = (31, 119, 180)
_MARGIN = 12


class Canvas:
    """An RGB pixel grid with just enough drawing for a line chart."""

    def __init__(self, width: int, height: int, background: Color = _WHITE) -> None:
        """A ``width`` × ``height`` canvas filled with ``background``."""
        if width < 2 * _MARGIN + 2 or height < 2 * _MARGIN + 2:
            raise ValueError(f"canvas too small: {width}x{height}")
        self.width = width
        self.height = height
        self._rows = [bytearray(bytes(background) * width) for _ in range(height)]

    def set(self, x: int, y: int, color: Color) -> None:
        """Colour one pixel (outside the canvas: ignored)."""
        if 0 <= x < self.width and 0 <= y < self.height:
            self._rows[y][3 * x:3 * x + 3] = bytes(color)

    def line(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        """A straight line (Bresenham), both ends included."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error = dx + dy
        while True:
            self.set(x0, y0, color)
            if x0 == x1 and y0 == y1:
                return
            doubled = 2 * error
            if doubled >= dy:
                error += dy
                x0 += sx
            if doubled <= dx:
                error += dx
                y0 += sy

    def to_png(self) -> bytes:
        """The canvas as PNG bytes (8-bit RGB, no filtering, zlib level 9)."""
        raw = b"".join(b"\x00" + bytes(row) for row in self._rows)
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
                + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))


def line_chart_png(values: Sequence[float], width: int = 800, height: int = 300) -> bytes:
    """A PNG of ``values`` as one line, evenly spaced left to right, scaled to fit.

    Horizontal grid lines mark quarters of the value range; a flat series is drawn midway.
    """
    canvas = Canvas(width, height)
    left, right = _MARGIN, width - _MARGIN - 1
    top, bottom = _MARGIN, height - _MARGIN - 1
    for quarter in range(5):
        y = top + (bottom - top) * quarter // 4
        canvas.line(left, y, right, y, _GRID)
    canvas.line(left, top, left, bottom, _AXIS)
    canvas.line(left, bottom, right, bottom, _AXIS)
    if not values:
        return canvas.to_png()
    low, high = min(values), max(values)
    span = high - low
    last = len(values) - 1
    points = []
    for index, value in enumerate(values):
        x = left + (right - left) * index // last if last else (left + right) // 2
        fraction = 0.5 if span == 0 else (value - low) / span
        points.append((x, bottom - round(fraction * (bottom - top))))
    previous = points[0]
    for point in points[1:]:
        canvas.line(*previous, *point, _LINE)
        previous = point
    canvas.set(*previous, _LINE)
    return canvas.to_png()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
