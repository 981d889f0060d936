"""The size a chart takes on the page, read from the picture the server sends."""

from __future__ import annotations

import re
import struct

DPI = 110  # CSS pixels per inch of a chart on the page (lms.charts.base.DPI), written out to be checked


def svg_size(svg: bytes) -> tuple[int, int]:
    """Return the CSS pixels a matplotlib SVG takes on the page: its size in points, at 110 px an inch."""
    root = re.search(rb"<svg\b[^>]*>", svg).group(0)
    points = [float(re.search(rb'\b%s="([\d.]+)pt"' % side, root).group(1)) for side in (b"width", b"height")]
    return round(points[0] / 72 * DPI), round(points[1] / 72 * DPI)


def png_size(png: bytes) -> tuple[int, int]:
    """Return the width and height in pixels a PNG's header gives."""
    assert png.startswith(b"\x89PNG"), png[:8]
    return struct.unpack(">II", png[16:24])
