"""Shared look of every chart, and Figure -> PNG/SVG/PDF bytes without pyplot.

The pages show every chart as SVG: sharp at any size and zoom, and about twice as quick to draw
as a PNG sharp enough for a high-density screen. Its text is drawn as glyph outlines, so a chart
looks the same on every machine and no user text is markup in it. The PNG of the same figure, drawn
at twice its page size (``SCALE``), is there to download for slides and documents. Text is drawn
with DejaVu Sans and, for characters it lacks, every other font the machine has (``fonts.py``).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from io import BytesIO

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, FuncFormatter

from lms.charts.fonts import PRIMARY, drawable, font_families, primary_draws

# User text such as "$\foo$" must be drawn as typed, never parsed as mathtext (it crashes savefig).
matplotlib.rcParams["text.parse_math"] = False
# SVG text as glyph outlines (as the PNG draws it), and element ids from the content, not random: the
# same chart gives the same bytes.
matplotlib.rcParams["svg.fonttype"] = "path"
matplotlib.rcParams["svg.hashsalt"] = "lms"
matplotlib.rcParams["font.family"] = font_families()
matplotlib.rcParams["font.size"] = 10.5
matplotlib.rcParams["axes.titlesize"] = 13
matplotlib.rcParams["axes.labelsize"] = 10.5
matplotlib.rcParams["xtick.labelsize"] = 10
matplotlib.rcParams["ytick.labelsize"] = 10
matplotlib.rcParams["legend.fontsize"] = 10

INK = "#1c2430"
INK_SOFT = "#4a5566"
GRID = "#d7dde5"
BRAND = "#1d5c8c"
# Classification colours always come with a hatch or a label, never colour alone.
CLASSIFICATION_STYLE = {
    "value-adding": {"color": "#1f7a3d", "hatch": "", "label": "Value-adding"},
    "necessary": {"color": "#c98a00", "hatch": "//", "label": "Necessary (NVA)"},
    "waste": {"color": "#b3261e", "hatch": "xx", "label": "Waste"},
    "unclassified": {"color": "#9aa6b5", "hatch": "..", "label": "Not tagged"},
}
DPI = 110  # pixels per inch of the chart as the page shows it
SCALE = 2  # the PNG has SCALE times as many pixels each way, for sharp text on any screen
# Text sizes in points: no chart text is smaller than SMALL (about 13 px on the page).
LABEL = 10.0
SMALL = 9.0
# The largest magnitude a chart draws, far beyond every bound of the schemas. A figure past it (stored
# before the bounds existed, or one that overflowed) is left out of the drawing and labelled
# "out of range": matplotlib cannot scale an axis to it.
PLOT_LIMIT = 1e15


def plottable(value: float | None) -> float | None:
    """Return the value when a chart can draw it (finite, within ±PLOT_LIMIT), else None."""
    if value is None or not math.isfinite(value) or abs(value) > PLOT_LIMIT:
        return None
    return float(value)


def page_size(width_in: float, height_in: float) -> tuple[int, int]:
    """Return the width and height in CSS pixels that a chart of this size in inches takes on the page.

    Its SVG scales to it; its PNG has ``SCALE`` times as many pixels each way. A page gives its
    ``<img>`` this size so that the space is kept while the chart is drawn: nothing below it moves
    when it arrives.
    """
    return round(width_in * DPI), round(height_in * DPI)


def new_figure(width_in: float = 8.0, height_in: float = 4.0) -> Figure:
    """Return a blank figure with lms's look."""
    fig = Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    fig.patch.set_facecolor("white")
    return fig


def style_axes(ax, *, title: str, xlabel: str = "", ylabel: str = "") -> None:
    """Give an axes its title, labelled axes and quiet grid; long ones wrap to the figure's size."""
    width_in, height_in = ax.figure.get_size_inches()
    ax.set_title(wrap_label(title, int(width_in * 8.5), 3), loc="left", fontsize=13, color=INK,
                 fontweight="bold")
    ax.set_xlabel(wrap_label(xlabel, int(width_in * 11), 4), color=INK_SOFT)
    ax.set_ylabel(wrap_label(ylabel, int(height_in * 10), 3), color=INK_SOFT)
    ax.tick_params(colors=INK_SOFT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def empty_message(ax, message: str) -> None:
    """Say in the chart itself that there is nothing to draw yet."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes,
            color=INK_SOFT, fontsize=11, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def shorten(text: str, limit: int = 28) -> str:
    """Shorten a label to fit under a bar."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def wrap_label(text: str, width: int, max_lines: int = 4) -> str:
    """Wrap a label into lines of about ``width`` characters, breaking words only when one is longer.

    Line breaks in ``text`` stay. Only a label longer than ``max_lines`` lines is cut, with "…".
    """
    width = max(width, 4)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(" ".join(paragraph.split()), width=width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return "\n".join(lines)


def _drawn_by(label: Callable[..., str]) -> Callable[..., str]:
    """Return a tick formatter giving ``label``'s text with only characters some font can draw."""
    return lambda value, pos=None: drawable(str(label(value, pos)))


def _drawable_texts(fig: Figure) -> None:
    """Replace, in every text of the figure, the characters no font can draw by a placeholder.

    When the primary font draws every text of the figure, the texts are drawn with it alone:
    matplotlib otherwise looks up each fallback family for every text it lays out (a third of the
    drawing of a 40-step takt chart).
    """
    texts = fig.findobj(Text)
    values = [text.get_text() for text in texts]
    for text, value in zip(texts, values, strict=True):
        if value and not value.isascii():
            text.set_text(drawable(value))
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, FixedFormatter):  # tick labels given as text (step names)
                formatter.seq = [drawable(label) for label in formatter.seq]
            elif isinstance(formatter, FuncFormatter):  # what set_xticks(positions, labels) makes
                formatter.func = _drawn_by(formatter.func)
            values += formatter.format_ticks(axis.get_majorticklocs())
    if all(primary_draws(str(value)) for value in values):
        for text in fig.findobj(Text):  # tick labels included: new ticks copy the first one's font
            text.set_fontfamily([PRIMARY])


def to_png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes at ``SCALE`` times its page size."""
    _drawable_texts(fig)
    buffer = BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png", dpi=DPI * SCALE, metadata={"Software": None})
    return buffer.getvalue()


def to_svg(fig: Figure) -> bytes:
    """Render a figure to SVG bytes, sized in points as the figure is in inches."""
    _drawable_texts(fig)
    buffer = BytesIO()
    FigureCanvasSVG(fig)
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def to_pdf(fig: Figure) -> bytes:
    """Render a figure to PDF bytes."""
    _drawable_texts(fig)
    buffer = BytesIO()
    FigureCanvasPdf(fig).print_pdf(buffer)
    return buffer.getvalue()
