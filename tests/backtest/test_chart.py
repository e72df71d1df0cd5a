"""The self-written PNG encoder."""

from __future__ import annotations

import struct
import zlib

from bot.backtest.chart import line_chart_png


def _decode(png: bytes) -> tuple[int, int, bytes]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, {}
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset:offset + 4])
        kind = png[offset + 4:offset + 8]
        data = png[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF
        chunks[kind] = data
        offset += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    return width, height, zlib.decompress(chunks[b"IDAT"])


def test_a_line_chart_is_a_valid_png_of_the_asked_size_with_the_line_drawn() -> None:
    png = line_chart_png([1.0, 3.0, 2.0, 5.0], width=120, height=60)

    width, height, raw = _decode(png)

    assert (width, height) == (120, 60)
    assert len(raw) == height * (1 + 3 * width)
    assert bytes((31, 119, 180)) in raw  # the line colour


def test_the_same_values_give_the_same_bytes_and_edge_cases_draw() -> None:
    assert line_chart_png([1.0, 2.0]) == line_chart_png([1.0, 2.0])
    assert _decode(line_chart_png([]))[:2] == (800, 300)
    assert _decode(line_chart_png([7.0]))[:2] == (800, 300)
