"""A KPI over time with its target, and the satisfaction of its linked outcomes on a second axis."""

from __future__ import annotations

from datetime import date

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from lms.charts.base import (
    BRAND,
    GRID,
    INK_SOFT,
    SMALL,
    empty_message,
    new_figure,
    plottable,
    style_axes,
    to_png,
    wrap_label,
)

# Outcomes differ by colour, marker and line style, so the chart reads without colour too.
OUTCOME_STYLES = (
    {"color": "#c05a00", "marker": "s", "linestyle": "--"},
    {"color": "#6b3fa0", "marker": "^", "linestyle": "-."},
    {"color": "#1f7a3d", "marker": "D", "linestyle": ":"},
    {"color": "#b3261e", "marker": "v", "linestyle": "--"},
    {"color": "#00707a", "marker": "P", "linestyle": "-."},
    {"color": "#5c4a1e", "marker": "X", "linestyle": ":"},
)
WINDOW_SHADE = "#e8f0f8"


def _days(points: list) -> list[date]:
    return [date.fromisoformat(day) for day, _ in points]


def _values(points: list) -> list[float]:
    return [value for _, value in points]


def _drawable(points: list) -> list:
    """Keep the points an axis can hold; a value stored before the bounds may be beyond any."""
    return [(day, value) for day, value in points if plottable(value) is not None]


def _kpi_label(spec: dict) -> str:
    return f"{spec['name']} ({spec['unit']})" if spec.get("unit") else spec["name"]


def kpi_trend_figure(spec: dict) -> Figure:
    """Return the figure of the KPI, its target line and each linked outcome's satisfaction (0-10)."""
    fig = new_figure(9.0, 4.6)
    ax = fig.add_subplot()
    better = "higher" if spec["direction"] == "increase" else "lower"
    style_axes(ax, title=f"{spec['name']}: trend, target and customer satisfaction",
               xlabel="Date", ylabel=f"{_kpi_label(spec)}, {better} is better")
    points = _drawable(spec["points"])
    outcomes = [{**o, "points": _drawable(o["points"])} for o in spec.get("outcomes", [])]
    left_out = len(spec["points"]) - len(points)
    if left_out:
        ax.set_title(f"{left_out} measurement{'s' if left_out != 1 else ''} out of range, not drawn",
                     loc="right", fontsize=SMALL, color=INK_SOFT)
    if not points and not any(o["points"] for o in outcomes):
        empty_message(ax, "No measurements or outcome ratings in this period yet.")
        return fig
    ax.axvspan(date.fromisoformat(spec["window_start"]), date.fromisoformat(spec["as_of"]),
               color=WINDOW_SHADE, zorder=0, label=f"Drift window ({spec['window_days']} days)")
    if points:
        ax.plot(_days(points), _values(points), color=BRAND, marker="o", markersize=4,
                linewidth=2, label=_kpi_label(spec))
    if plottable(spec.get("target")) is not None:
        ax.axhline(spec["target"], color=INK_SOFT, linestyle=(0, (6, 3)), linewidth=1.4,
                   label=f"Target {spec['target']:g} {spec.get('unit', '')}".rstrip())
    right = ax.twinx()
    right.set_ylim(0, 10.3)
    right.set_ylabel("Customer satisfaction (0–10)", color=INK_SOFT)
    right.tick_params(colors=INK_SOFT)
    right.spines["top"].set_visible(False)
    for style, outcome in zip(OUTCOME_STYLES * 4, outcomes, strict=False):
        if outcome["points"]:
            right.plot(_days(outcome["points"]), _values(outcome["points"]), linewidth=1.6, markersize=6,
                       label=wrap_label(f"Satisfaction: {outcome['statement']}", 56, 3), **style)
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_xlim(date.fromisoformat(spec["chart_start"]), date.fromisoformat(spec["as_of"]))
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = right.get_legend_handles_labels()
    fig.legend(handles + more_handles, labels + more_labels, loc="outside lower center", ncols=2,
               frameon=False, fontsize=SMALL)
    return fig


def draw_kpi_trend(spec: dict) -> bytes:
    """Draw the KPI's trend, target and linked outcomes' satisfaction as PNG."""
    return to_png(kpi_trend_figure(spec))


def describe_kpi_trend(spec: dict) -> str:
    """Say in words what the chart shows, for its alt text."""
    parts = [f"Line chart of {_kpi_label(spec)} from {spec['chart_start']} to {spec['as_of']}"]
    points = spec["points"]
    if points:
        first, last = points[0], points[-1]
        parts.append(f"{len(points)} measurements, from {first[1]:g} on {first[0]} "
                     f"to {last[1]:g} on {last[0]}")
    else:
        parts.append("no measurements in this period")
    if spec.get("target") is not None:
        parts.append(f"target {spec['target']:g} drawn as a dashed line")
    for outcome in spec.get("outcomes", []):
        ratings = outcome["points"]
        if ratings:
            moves = ", ".join(f"{value:.1f} on {day}" for day, value in ratings[:6])
            more = f" and {len(ratings) - 6} more" if len(ratings) > 6 else ""
            parts.append(f"satisfaction (0–10, right axis) with '{outcome['statement']}': {moves}{more}")
        else:
            parts.append(f"'{outcome['statement']}' not rated in this period")
    return "; ".join(parts) + "."
