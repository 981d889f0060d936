"""Cycle time of each process step against takt: which steps cannot keep pace with demand."""

from __future__ import annotations

from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from lms.charts.base import (
    CLASSIFICATION_STYLE,
    INK,
    LABEL,
    SMALL,
    empty_message,
    new_figure,
    plottable,
    style_axes,
    to_png,
    wrap_label,
)
from lms.lean.durations import format_duration

TIME_UNITS = ((3_600.0, "h", 7_200.0), (60.0, "min", 120.0), (1.0, "s", 0.0))


def time_unit(largest_s: float, day_s: float | None = None) -> tuple[float, str]:
    """Choose the unit that keeps an axis readable: seconds, minutes, hours or working days of ``day_s``."""
    days = ((day_s, "working days", 2 * day_s),) if day_s and day_s > TIME_UNITS[0][0] else ()
    for divisor, label, from_s in (*days, *TIME_UNITS):
        if largest_s >= from_s:
            return divisor, label
    return 1.0, "s"


# Up to this many steps the names stand upright under their bars, wrapped; beyond, slanted.
UPRIGHT_STEPS = 14


def _style(classification: str) -> dict:
    return CLASSIFICATION_STYLE.get(classification, CLASSIFICATION_STYLE["unclassified"])


def draw_takt_chart(spec: dict) -> bytes:
    """Draw the bars of ``spec`` (see ``lms.streams.chart_data.takt_spec``) as PNG."""
    return to_png(takt_figure(spec))


def takt_size_in(bar_count: int) -> tuple[float, float]:
    """Return the width and height in inches of the takt chart of this many bars: wider with each bar."""
    return max(7.0, min(1.1 * bar_count + 3.0, 24.0)), 4.6


def takt_figure(spec: dict) -> Figure:
    """Return the figure of cycle time per process step against the takt line."""
    steps, takt = spec["steps"], plottable(spec["takt_time_s"])
    fig = new_figure(*takt_size_in(len(steps)))
    ax = fig.add_subplot()
    # A cycle time no axis can hold (stored before the bounds) gets no bar, only its label.
    drawn = [max(plottable(s["cycle_time_s"]) or 0.0, 0.0) for s in steps]
    # Uptime below 100 % slows a step: its effective cycle time (C/T / uptime) is drawn as a dashed
    # outline over the bar, since over takt is judged on it.
    effective = [max(plottable(s.get("effective_cycle_time_s")) or 0.0, c)
                 for s, c in zip(steps, drawn, strict=True)]
    largest = max(effective + [takt or 0.0, 0.0])
    day_s = spec.get("day_s")
    divisor, unit = time_unit(largest, day_s)
    style_axes(ax, title=spec["title"], xlabel="Process step, in flow order",
               ylabel=f"Cycle time ({unit})")
    if not steps:
        empty_message(ax, "No process step has a cycle time yet.")
        return fig
    positions = list(range(len(steps)))
    heights = [seconds / divisor for seconds in drawn]
    tops = [seconds / divisor for seconds in effective]
    for x, height, top_s, step in zip(positions, heights, tops, steps, strict=True):
        style = _style(step["classification"])
        ax.bar(x, height, width=0.62, color=to_rgba(style["color"], 0.75), hatch=style["hatch"],
               edgecolor=INK if step["over_takt"] else style["color"],
               linewidth=2.0 if step["over_takt"] else 0.8)
        label = format_duration(step["cycle_time_s"], day_s)
        if top_s > height:
            ax.bar(x, top_s, width=0.62, fill=False, edgecolor=INK, linestyle=":", linewidth=1.4)
            label += f"\neffective {format_duration(step['effective_cycle_time_s'], day_s)}"
        label += "\nOVER TAKT" if step["over_takt"] else ""
        ax.annotate(label, (x, top_s), xytext=(0, 3), textcoords="offset points", ha="center",
                    va="bottom", fontsize=SMALL, color=INK,
                    fontweight="bold" if step["over_takt"] else "normal",
                    # legible where the takt line crosses it
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 0.8})
    rotation = 0 if len(steps) <= UPRIGHT_STEPS else 35
    labels = [wrap_label(s["name"], 26, 2) if rotation else wrap_label(s["name"], 14, 4) for s in steps]
    ax.set_xticks(positions, labels, rotation=rotation, ha="right" if rotation else "center", fontsize=SMALL,
                  rotation_mode="anchor" if rotation else "default")
    top = max(tops + [(takt or 0) / divisor]) * 1.25 or 1.0
    ax.set_ylim(0, top)
    ax.set_xlim(-0.6, len(steps) - 0.4)
    handles = [Patch(facecolor=to_rgba(s["color"], 0.75), edgecolor=s["color"], hatch=s["hatch"],
                     label=s["label"])
               for key, s in CLASSIFICATION_STYLE.items()
               if any(step["classification"] == key for step in steps)]
    if any(t > h for t, h in zip(tops, heights, strict=True)):
        handles.append(Patch(fill=False, edgecolor=INK, linestyle=":", label="Effective C/T (C/T ÷ uptime)"))
    if spec["takt_time_s"] is not None and takt is None:
        ax.text(0.99, 0.97, "Takt out of range", transform=ax.transAxes, ha="right", va="top",
                fontsize=LABEL, color=INK)
    elif takt is not None:
        ax.axhline(takt / divisor, color=INK, linestyle="--", linewidth=1.5)
        handles.append(Line2D([], [], color=INK, linestyle="--",
                              label=f"Takt {format_duration(takt, day_s)}"))
    else:
        ax.text(0.99, 0.97, spec.get("no_takt") or "No takt: set the daily demand",
                transform=ax.transAxes, ha="right", va="top", fontsize=LABEL, color=INK)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=SMALL)
    return fig
