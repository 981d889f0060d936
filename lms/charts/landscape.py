"""The opportunity landscape: importance (x) against satisfaction (y) of rated outcomes.

Outcomes in the lower right are underserved (Ulwick's opportunity score at or above the
threshold); above the diagonal they are overserved (satisfaction above importance). Both
regions are hatched and labelled in words, and each status has its own marker shape, so
the chart reads without colour.
"""

from __future__ import annotations

import re

import numpy as np
from matplotlib.figure import Figure

from lms.charts.base import GRID, INK, INK_SOFT, SMALL, new_figure, shorten, style_axes, to_png, wrap_label
from lms.lean.opportunity import opportunity_score

# Part of every landscape spec, so that a changed drawing is not served from the chart cache.
DRAWING = 3
SCALE = 10.0
STATUS_STYLE = {
    "underserved": {"marker": "^", "color": "#b3261e", "label": "Underserved"},
    "served": {"marker": "o", "color": "#1d5c8c", "label": "Served"},
    "overserved": {"marker": "s", "color": "#8a5a00", "label": "Overserved"},
}
UNDERSERVED_FILL = "#fbd9d5"
OVERSERVED_FILL = "#fdf0cf"


def _satisfaction_limit(importance: np.ndarray, threshold: float) -> np.ndarray:
    """Return the highest satisfaction at which each importance is still underserved."""
    # opportunity = I + max(I - S, 0) >= T  <=>  I >= T (any S), or S <= 2I - T.
    limit = np.where(importance >= threshold, SCALE, 2 * importance - threshold)
    return np.clip(limit, -1.0, SCALE)


def _draw_regions(ax, spec: dict) -> None:
    threshold = float(spec.get("underserved", 10.0))
    grid = np.linspace(0, SCALE, 401)
    limit = _satisfaction_limit(grid, threshold)
    ax.fill_between(grid, 0, limit, where=limit >= 0, facecolor=UNDERSERVED_FILL, edgecolor="#d9a09a",
                    hatch="//", linewidth=0, zorder=0)
    ax.fill_between(grid, grid, SCALE, facecolor=OVERSERVED_FILL, edgecolor="#e0c98f", hatch="..",
                    linewidth=0, zorder=0)
    ax.plot([0, SCALE], [0, SCALE], color=INK_SOFT, linewidth=0.8, linestyle=":", zorder=1)
    for key, name in (("high", "high"), ("extreme", "extreme")):
        level = spec.get(key)
        if level is None or level / 2 >= SCALE:
            continue
        line = _satisfaction_limit(grid, float(level))
        visible = (line >= 0) & (grid < level)
        ax.plot(grid[visible], line[visible], color="#b3261e", linewidth=0.8, linestyle="--", zorder=1)
        if visible.any():
            x_end = grid[visible][-1]
            ax.text(x_end - 0.1, min(line[visible][-1], SCALE) - 0.25, f"{name} ≥ {level:g}",
                    ha="right", va="top", fontsize=8.5, color="#8c1d17", zorder=2)
    ax.text(SCALE - 0.15, 0.25, f"UNDERSERVED\nopportunity ≥ {threshold:g}", ha="right", va="bottom",
            fontsize=9, fontweight="bold", color="#8c1d17", zorder=2,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 2})
    ax.text(0.2, SCALE - 0.25, "OVERSERVED\nsatisfaction > importance", ha="left", va="top",
            fontsize=9, fontweight="bold", color="#6b4700", zorder=2,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 2})


# Label placement works in typographic points: about 32 pt per unit of the 0-10 axes.
_PT_PER_UNIT = 32.0  # as drawn, measured from the laid-out axes (``_points_per_unit``)
_CHAR_PT = 4.7
_LABEL_HEIGHT_PT = 10.0  # one line of a label
_CANDIDATES = ((6, 3, "left"), (6, -11, "left"), (-6, 3, "right"), (-6, -11, "right"),
               (6, 14, "left"), (-6, 14, "right"), (6, -22, "left"), (-6, -22, "right"),
               # Farther away, joined to the point by a thin line: for crowded corners and long labels.
               (10, 30, "left"), (-10, 30, "right"), (10, -40, "left"), (-10, -40, "right"),
               (14, 50, "left"), (-14, 50, "right"), (14, -60, "left"), (-14, -60, "right"))
LEADER_FROM = 20  # points of vertical offset from which a label gets a line to its point


# Desired-outcome statements share long openings; shortened, the part that differs stays readable.
_ABBREVIATIONS = (
    (re.compile(r"^minimi[sz]e\s+", re.I), "Min. "),
    (re.compile(r"^maximi[sz]e\s+", re.I), "Max. "),
    (re.compile(r"\bthe time it takes to\b", re.I), "time to"),
    (re.compile(r"\bthe (likelihood|chance|risk) (that|of)\b", re.I), r"\1 \2"),
    (re.compile(r"\bthe (number|amount) of\b", re.I), r"\1 of"),
    (re.compile(r"^(Min\.|Max\.) the\s+"), r"\1 "),
)
LABEL_WIDTH = 26  # characters per line of a point's label
LABEL_LINES = 3


def short_statement(statement: str) -> str:
    """Shorten an outcome statement to a chart label: 'Minimize the time it takes to …' → 'Min. time to …'.

    The label wraps over up to three lines; only a longer statement is cut.
    """
    label = " ".join(statement.split())
    for pattern, replacement in _ABBREVIATIONS:
        label = pattern.sub(replacement, label, count=1)
    return wrap_label(label, LABEL_WIDTH, LABEL_LINES)


def _box(x_pt: float, y_pt: float, dx: float, dy: float, ha: str, width: float,
         height: float = _LABEL_HEIGHT_PT) -> tuple:
    """Return the box a label takes: above the offset it grows upwards, below it downwards."""
    left = x_pt + dx if ha == "left" else x_pt + dx - width
    bottom = y_pt + dy - 2 if dy >= 0 else y_pt + dy - 2 + _LABEL_HEIGHT_PT - height
    return left, bottom, left + width, bottom + height


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_labels(points: list[dict], labels: list[str],
                  per_unit: float = _PT_PER_UNIT) -> list[tuple[float, float, str]]:
    """Choose for each label the first nearby spot that overlaps no marker or earlier label."""
    anchors = [(p["importance"] * per_unit, p["satisfaction"] * per_unit) for p in points]
    taken = [(x - 4, y - 4, x + 4, y + 4) for x, y in anchors]
    right_edge = 10 * per_unit + 6
    placements = []
    for (x, y), label in zip(anchors, labels, strict=True):
        lines = label.split("\n")
        width, height = max(len(line) for line in lines) * _CHAR_PT, len(lines) * _LABEL_HEIGHT_PT
        choice = None
        for dx, dy, ha in _CANDIDATES:
            box = _box(x, y, dx, dy, ha, width, height)
            inside = box[0] >= -30 and box[2] <= right_edge
            if inside and not any(_overlaps(box, other) for other in taken):
                choice = (dx, dy, ha)
                break
        if choice is None:
            choice = (-6, 3, "right") if x + 6 + width > right_edge else (6, 3, "left")
        taken.append(_box(x, y, *choice, width, height))
        placements.append(choice)
    return placements


def _points_per_unit(ax) -> float:
    """Return how many typographic points one unit of the 0-10 axes takes once the figure is laid out."""
    ax.figure.draw_without_rendering()
    low, high = ax.get_ylim()
    return ax.get_window_extent().height * 72.0 / ax.figure.dpi / (high - low)


def _draw_points(ax, points: list[dict]) -> None:
    """Mark each rated outcome with its status's shape."""
    for status, style in STATUS_STYLE.items():
        mine = [p for p in points if p["status"] == status]
        if mine:
            ax.scatter([p["importance"] for p in mine], [p["satisfaction"] for p in mine],
                       marker=style["marker"], s=46, color=style["color"], edgecolors="white",
                       linewidths=0.8, label=style["label"], zorder=4)


def _draw_labels(ax, points: list[dict]) -> None:
    """Label each point where it overlaps no other label or marker, on the laid-out axes."""
    labels = [short_statement(p["label"]) for p in points]
    placements = _place_labels(points, labels, _points_per_unit(ax))
    for point, label, (dx, dy, ha) in zip(points, labels, placements, strict=True):
        # Above its point a label grows upwards, below it downwards (as _box reserves the room).
        above = dy >= 0
        ax.annotate(label, (point["importance"], point["satisfaction"]),
                    xytext=(dx, dy - 2 if above else dy - 2 + _LABEL_HEIGHT_PT), textcoords="offset points",
                    ha=ha, va="bottom" if above else "top", fontsize=8.5, color=INK, zorder=5,
                    linespacing=1.0, in_layout=False,  # placed on the laid-out axes; they must not move it
                    annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": INK_SOFT, "linewidth": 0.6, "shrinkA": 0,
                                "shrinkB": 4} if abs(dy) >= LEADER_FROM else None,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5})


def draw_landscape(spec: dict) -> bytes:
    """Draw the opportunity landscape of ``spec`` (title, thresholds, points) as PNG bytes."""
    return to_png(landscape_figure(spec))


def landscape_figure(spec: dict) -> Figure:
    """Build the opportunity landscape of ``spec`` as a matplotlib figure."""
    fig = new_figure(6.4, 6.6)
    ax = fig.add_subplot()
    style_axes(ax, title=spec.get("title") or "Opportunity landscape",
               xlabel="Importance (score 0–10)",
               ylabel="Satisfaction (score 0–10)")
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    _draw_regions(ax, spec)
    points = list(spec.get("points", []))
    _draw_points(ax, points)
    # A small margin keeps points on the edges (0 or 10) whole.
    ax.set_xlim(-0.25, SCALE + 0.25)
    ax.set_ylim(-0.25, SCALE + 0.25)
    ax.set_xticks(range(0, 11))
    ax.set_yticks(range(0, 11))
    ax.set_aspect("equal")
    if points:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False, fontsize=SMALL)
        _draw_labels(ax, points)
    else:
        empty = spec.get("empty") or "No rated outcomes yet:\nenter a rating to place an outcome here."
        ax.text(SCALE / 2, SCALE / 2, empty,
                ha="center", va="center", fontsize=10, color=INK_SOFT, zorder=3,
                bbox={"facecolor": "white", "edgecolor": GRID, "pad": 6})
    return fig


def describe_landscape(spec: dict) -> str:
    """Say in words what the landscape shows, for the image's alt text."""
    points = list(spec.get("points", []))
    title = spec.get("title") or "Opportunity landscape"
    if not points:
        return f"{title}: {' '.join((spec.get('empty') or 'no rated outcomes yet.').split())}"
    by_status: dict[str, list[str]] = {}
    for point in sorted(points, key=lambda p: -opportunity_score(p["importance"], p["satisfaction"])):
        by_status.setdefault(point["status"], []).append(
            f"{shorten(point['label'], 60)} (importance {point['importance']:.1f}, "
            f"satisfaction {point['satisfaction']:.1f})")
    parts = [f"{title}: importance against satisfaction of {len(points)} rated outcome"
             f"{'s' if len(points) != 1 else ''}."]
    for status in ("underserved", "overserved", "served"):
        names = by_status.get(status)
        if names:
            parts.append(f"{status.capitalize()}: {'; '.join(names)}.")
    return " ".join(parts)
