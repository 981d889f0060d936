"""The value-stream map in its usual notation, drawn from a stream's figures.

Process boxes with their data boxes beneath, inventory triangles with units and waiting
time, push arrows between them, the customer's demand and takt in the top corner, and
the timeline ladder at the bottom: waiting on the upper rungs, processing on the lower,
with the totals (lead time against processing time) at the right.
"""

from __future__ import annotations

import math

from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Patch, Polygon, Rectangle

from lms.charts.base import (
    CLASSIFICATION_STYLE,
    GRID,
    INK,
    INK_SOFT,
    SMALL,
    new_figure,
    style_axes,
    to_png,
    wrap_label,
)
from lms.lean.durations import LARGEST_SHOWN, OUT_OF_RANGE, format_day, format_duration

SLOT_W = 1.0          # every step takes one slot of the flow
BOX_W = 0.82
BOX_Y, BOX_H = 6.55, 1.65
DATA_Y, DATA_H = 3.55, 2.8
UPPER, LOWER = 2.55, 1.35
TOTALS_W = 1.7
SHORT_TAG = {"value-adding": "VA", "necessary": "NVA", "waste": "WASTE", "unclassified": "untagged"}


def _number(value: float) -> str:
    if not abs(value) <= LARGEST_SHOWN:
        return OUT_OF_RANGE
    return f"{value:,.1f}".removesuffix(".0")


def _day_label(day_s: float | None) -> str:
    """Say under the map what a day is."""
    if day_s is None:
        return "in hours (no working day set)"
    return format_day(day_s).removesuffix(".")


def _pct(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    if not math.isfinite(ratio):
        return OUT_OF_RANGE
    pct = ratio * 100
    return f"{pct:.1f} %" if pct >= 1 else f"{pct:.2g} %"


def _data_lines(step: dict, day_s: float | None) -> list[str]:
    """Return the lines of a process box's data box; only what was measured, times in working days."""
    lines = []
    if step["cycle_time_s"] is not None:
        lines.append(f"C/T {format_duration(step['cycle_time_s'], day_s)}")
    if step["changeover_s"] is not None:
        lines.append(f"C/O {format_duration(step['changeover_s'], day_s)}")
    if step["uptime_pct"] is not None:
        lines.append(f"Uptime {_number(step['uptime_pct'])} %")
    if step["operators"] is not None:
        lines.append(f"Operators {step['operators']}")
    if step["pct_complete_accurate"] is not None:
        lines.append(f"%C&A {_number(step['pct_complete_accurate'])} %")
    if step["wait_time_s"]:
        lines.append(f"Wait {format_duration(step['wait_time_s'], day_s)}")
    return lines or ["no data yet"]


def _wrap(name: str, width: int, lines: int = 5) -> str:
    """Wrap a step's name to its box: five lines hold any name a person would give a step."""
    return wrap_label(name, width, lines)


def _process_box(ax, x: float, step: dict, font: float, wrap: int, day_s: float | None) -> None:
    style = CLASSIFICATION_STYLE.get(step["classification"], CLASSIFICATION_STYLE["unclassified"])
    left = x - BOX_W / 2
    ax.add_patch(Rectangle((left, BOX_Y), BOX_W, BOX_H, facecolor=to_rgba(style["color"], 0.14),
                           edgecolor=style["color"], hatch=style["hatch"],
                           linewidth=2.4 if step["over_takt"] else 1.4))
    ax.text(x, BOX_Y + BOX_H / 2, _wrap(step["name"], wrap), ha="center", va="center",
            fontsize=font, color=INK, fontweight="bold",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5})
    ax.text(x, BOX_Y + BOX_H + 0.12, SHORT_TAG.get(step["classification"], "untagged"), ha="center",
            va="bottom", fontsize=font - 0.5, color=style["color"], fontweight="bold")
    ax.add_patch(Rectangle((left, DATA_Y), BOX_W, DATA_H, facecolor="white", edgecolor=INK_SOFT,
                           linewidth=0.9))
    lines = _data_lines(step, day_s)
    if step["over_takt"]:
        lines.append("OVER TAKT")
    ax.text(left + 0.05, DATA_Y + DATA_H - 0.12, "\n".join(lines), ha="left", va="top",
            fontsize=font - 0.5, color=INK, linespacing=1.35)


def _inventory(ax, x: float, step: dict, font: float, wrap: int, day_s: float | None) -> None:
    style = CLASSIFICATION_STYLE.get(step["classification"], CLASSIFICATION_STYLE["unclassified"])
    half, top = 0.3, BOX_Y + BOX_H - 0.2
    ax.add_patch(Polygon([(x - half, BOX_Y + 0.15), (x + half, BOX_Y + 0.15), (x, top)], closed=True,
                         facecolor=to_rgba("#c98a00", 0.18), edgecolor=style["color"],
                         hatch=style["hatch"], linewidth=1.4))
    ax.text(x, BOX_Y + 0.55, "I", ha="center", va="center", fontsize=font + 3, fontweight="bold",
            color=INK, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.2})
    ax.text(x, BOX_Y + BOX_H + 0.12, SHORT_TAG.get(step["classification"], "untagged"), ha="center",
            va="bottom", fontsize=font - 0.5, color=style["color"], fontweight="bold")
    units = step["inventory_units"]
    lines = [_wrap(step["name"], wrap + 2, 3), f"{_number(units)} units" if units else "units not counted"]
    if step.get("unconverted_units"):
        lines.append("not timed: no demand/day")
    elif step["waiting_s"]:
        lines.append(f"waits {format_duration(step['waiting_s'], day_s)}")
    ax.text(x, BOX_Y - 0.1, "\n".join(lines), ha="center", va="top", fontsize=font - 0.5, color=INK,
            linespacing=1.3)


def _arrow(ax, x_from: float, x_to: float) -> None:
    y = BOX_Y + BOX_H / 2
    ax.add_patch(FancyArrowPatch((x_from, y), (x_to, y), arrowstyle="-|>", mutation_scale=10,
                                 color=INK_SOFT, linewidth=1.2, shrinkA=0, shrinkB=0))


def _half_width(step: dict) -> float:
    return 0.3 if step["kind"] == "inventory" else BOX_W / 2


def _ladder(ax, steps: list[dict], font: float, day_s: float | None) -> None:
    """Draw the timeline: each step's waiting on the upper rung, then its processing on the lower."""
    xs, ys = [], []
    for i, step in enumerate(steps):
        pieces = []
        if step["waiting_s"] > 0:
            pieces.append((UPPER, step["waiting_s"]))
        if step["processing_s"] > 0 or not pieces:
            pieces.append((LOWER, step["processing_s"]))
        width = SLOT_W / len(pieces)
        for k, (level, seconds) in enumerate(pieces):
            x0 = i * SLOT_W + k * width
            xs += [x0, x0 + width]
            ys += [level, level]
            if seconds > 0:
                above = level == UPPER
                ax.text(x0 + width / 2, level + (0.12 if above else -0.12),
                        format_duration(seconds, day_s),
                        ha="center", va="bottom" if above else "top", fontsize=font - 0.5, color=INK)
    ax.plot(xs, ys, color=INK, linewidth=1.6, solid_joinstyle="miter")


def _totals(ax, x: float, spec: dict, font: float) -> None:
    ax.add_patch(Rectangle((x + 0.1, LOWER - 0.75), TOTALS_W - 0.2, UPPER - LOWER + 1.7,
                           facecolor="#f4f6f9", edgecolor=INK_SOFT, linewidth=0.9))
    lead, day_s = spec["lead_time_s"], spec["day_s"]
    text = (f"Lead time\n{format_duration(lead, day_s)} ({_number(round(lead, 0))} s)" if lead is not None
            else f"Lead time incomplete\nat least {format_duration(spec['lead_time_known_s'], day_s)}")
    ax.text(x + 0.2, UPPER + 0.1, text, ha="left", va="center", fontsize=font, color=INK)
    processing = format_duration(spec["processing_time_s"], spec["day_s"])
    ax.text(x + 0.2, LOWER - 0.05, f"Processing time\n{processing}\n"
            f"PCE {_pct(spec['pce'])}", ha="left", va="center", fontsize=font, color=INK)


def _customer(ax, x: float, spec: dict, font: float) -> None:
    demand, takt = spec["daily_demand"], spec["takt_time_s"]
    text = "Customer\n" + (f"{_number(demand)} units/day\nTakt {format_duration(takt, spec['day_s'])}"
                           if demand and takt else "demand not set\nno takt")
    ax.add_patch(Rectangle((x + 0.1, BOX_Y), TOTALS_W - 0.2, BOX_H, facecolor="white", edgecolor=INK,
                           linewidth=1.2))
    ax.text(x + TOTALS_W / 2, BOX_Y + BOX_H / 2, text, ha="center", va="center", fontsize=font,
            color=INK)


def _legend(fig) -> None:
    handles = [Patch(facecolor=to_rgba(s["color"], 0.14), edgecolor=s["color"], hatch=s["hatch"],
                     label=s["label"]) for s in CLASSIFICATION_STYLE.values()]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False, fontsize=SMALL,
               handleheight=1.4, handlelength=2.2)


def draw_value_stream_map(spec: dict) -> bytes:
    """Draw the value-stream map of ``spec`` (see ``lms.streams.chart_data.map_spec``) as PNG."""
    return to_png(value_stream_map_figure(spec))


def map_size_in(step_count: int) -> tuple[float, float]:
    """Return the width and height in inches of the map of this many steps: wider with each step."""
    return min(max(8.0, 1.6 * max(step_count, 1) + 2.6), 40.0), 6.4


def value_stream_map_figure(spec: dict) -> Figure:
    """Return the figure of the value-stream map."""
    steps = spec["steps"]
    n = max(len(steps), 1)
    width, height = map_size_in(len(steps))
    font = 9.5 if n <= 8 else 9.0
    wrap = 13 if n <= 8 else 12
    fig = new_figure(width, height)
    ax = fig.add_subplot()
    style_axes(ax, title=spec["title"],
               xlabel=f"Flow of work, left to right\nTimeline: waiting on the upper rung, processing on "
                      f"the lower; working time, {_day_label(spec['day_s'])}")
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.15, n * SLOT_W + TOTALS_W)
    ax.set_ylim(0.3, 9.0)
    if not steps:
        ax.text(n * SLOT_W / 2, 5.5, "No steps mapped yet: add the first step of the flow.", ha="center",
                va="center", fontsize=11, color=INK_SOFT)
    for i, step in enumerate(steps):
        x = i * SLOT_W + SLOT_W / 2
        if step["kind"] == "inventory":
            _inventory(ax, x, step, font, wrap, spec["day_s"])
        else:
            _process_box(ax, x, step, font, wrap, spec["day_s"])
        if i + 1 < len(steps):
            _arrow(ax, x + _half_width(step), x + SLOT_W - _half_width(steps[i + 1]))
    if steps:
        _ladder(ax, steps, font, spec["day_s"])
    ax.axhline(LOWER - 0.75, color=GRID, linewidth=0.6)
    _customer(ax, n * SLOT_W, spec, font)
    _totals(ax, n * SLOT_W, spec, font)
    _legend(fig)
    return fig
