"""Shared look of every chart, and Figure -> PNG/PDF bytes without pyplot."""

from __future__ import annotations

import math
from io import BytesIO

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure

# User text such as "$\foo$" must be drawn as typed, never parsed as mathtext (it crashes savefig).
matplotlib.rcParams["text.parse_math"] = False
matplotlib.rcParams["svg.fonttype"] = "none"

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
DPI = 110
# The largest magnitude a chart draws, far beyond every bound of the schemas. A figure past it (stored
# before the bounds existed, or one that overflowed) is left out of the drawing and labelled
# "out of range": matplotlib cannot scale an axis to it.
PLOT_LIMIT = 1e15


def plottable(value: float | None) -> float | None:
    """Return the value when a chart can draw it (finite, within ±PLOT_LIMIT), else None."""
    if value is None or not math.isfinite(value) or abs(value) > PLOT_LIMIT:
        return None
    return float(value)


def new_figure(width_in: float = 8.0, height_in: float = 4.0) -> Figure:
    """Return a blank figure with lms's look."""
    fig = Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    fig.patch.set_facecolor("white")
    return fig


def style_axes(ax, *, title: str, xlabel: str = "", ylabel: str = "") -> None:
    """Give an axes its title, labelled axes and quiet grid."""
    ax.set_title(title, loc="left", fontsize=12, color=INK, fontweight="bold")
    ax.set_xlabel(xlabel, color=INK_SOFT)
    ax.set_ylabel(ylabel, color=INK_SOFT)
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


def to_png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes."""
    buffer = BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def to_pdf(fig: Figure) -> bytes:
    """Render a figure to PDF bytes."""
    buffer = BytesIO()
    FigureCanvasPdf(fig).print_pdf(buffer)
    return buffer.getvalue()
