"""Charts of the measured flow: lead-time histogram, throughput run chart, cumulative flow diagram.

Times are working days of the stream's working day; each chart says so on its axis.
"""

from __future__ import annotations

from datetime import date
from statistics import median

from matplotlib.figure import Figure

from lms.charts.base import BRAND, GRID, INK, INK_SOFT, empty_message, new_figure, style_axes, to_png

PERCENTILE_STYLE = {"p50": ("-", "median"), "p85": ("--", "85 %"), "p95": (":", "95 %")}
BAND_HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo", "--")
BAND_COLOURS = ("#1d5c8c", "#4f8fbf", "#8fbcd9", "#c98a00", "#e0b050", "#7a9a3d", "#a8c46c", "#9aa6b5")


def draw_lead_time_histogram(spec: dict) -> bytes:
    """Draw the lead-time histogram of ``spec`` (``lms.flow.chart_data.lead_time_spec``) as PNG."""
    return to_png(lead_time_figure(spec))


def lead_time_figure(spec: dict) -> Figure:
    """Return the histogram of finished cases' lead times with the 50/85/95th percentile lines."""
    fig = new_figure(8.0, 4.2)
    ax = fig.add_subplot()
    style_axes(ax, title=spec["title"], xlabel="Lead time (working days)", ylabel="Finished cases")
    if not spec["bins"]:
        empty_message(ax, "No finished case yet: import the event log and map its last step.")
        return fig
    width = spec["width_days"]
    ax.bar([start for start, _ in spec["bins"]], [n for _, n in spec["bins"]], width=width * 0.95,
           align="edge", color=BRAND, alpha=0.75, edgecolor=BRAND)
    top = max(n for _, n in spec["bins"])
    for key, (style, label) in PERCENTILE_STYLE.items():
        value = spec["percentiles"].get(key)
        if value is None:
            continue
        ax.axvline(value, color=INK, linestyle=style, linewidth=1.6)
        offset = -4 - 14 * list(PERCENTILE_STYLE).index(key)  # one label under the other
        ax.annotate(f"{label}: {value:.1f} d", (value, top), xytext=(4, offset), textcoords="offset points",
                    fontsize=8.5, color=INK, va="top")
    if spec.get("beyond"):
        ax.text(0.99, 0.97, f"{spec['beyond']} cases beyond the axis", transform=ax.transAxes, ha="right",
                va="top", fontsize=8.5, color=INK_SOFT)
    ax.set_xlim(left=0)
    return fig


def draw_throughput_run_chart(spec: dict) -> bytes:
    """Draw the weekly throughput run chart of ``spec`` as PNG."""
    return to_png(throughput_figure(spec))


def throughput_figure(spec: dict) -> Figure:
    """Return the run chart of cases finished per week, with its median as the centre line."""
    fig = new_figure(8.0, 3.8)
    ax = fig.add_subplot()
    style_axes(ax, title=spec["title"], xlabel="Week starting", ylabel="Cases finished per week")
    if not spec["weeks"]:
        empty_message(ax, "No finished case yet.")
        return fig
    weeks = [date.fromisoformat(day) for day, _ in spec["weeks"]]
    counts = [n for _, n in spec["weeks"]]
    ax.plot(weeks, counts, marker="o", markersize=3.5, color=BRAND, linewidth=1.4, label="Finished that week")
    centre = median(counts)
    ax.axhline(centre, color=INK, linestyle="--", linewidth=1.2, label=f"Median {centre:g} a week")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", frameon=False, fontsize=8.5)
    fig.autofmt_xdate()
    return fig


def draw_cumulative_flow(spec: dict) -> bytes:
    """Draw the cumulative flow diagram of ``spec`` as PNG."""
    return to_png(cumulative_flow_figure(spec))


def cumulative_flow_figure(spec: dict) -> Figure:
    """Return the cumulative flow diagram: a band per step (arrivals) and the finished cases."""
    fig = new_figure(8.0, 4.4)
    ax = fig.add_subplot()
    unit = "week" if spec.get("weekly") else "day"
    style_axes(ax, title=spec["title"], xlabel=f"Working {unit}", ylabel="Cases (cumulative)")
    if not spec["bands"]:
        empty_message(ax, "No activity maps to a step yet: map the log's activities to the steps.")
        return fig
    days = [date.fromisoformat(day) for day in spec["days"]]
    bands = spec["bands"]
    # Earlier steps have more arrivals: draw each band from the next one's line up to its own.
    for index, band in enumerate(bands):
        below = bands[index + 1]["counts"] if index + 1 < len(bands) else [0] * len(days)
        colour = BAND_COLOURS[index % len(BAND_COLOURS)] if band["name"] != "Finished" else "#1f7a3d"
        ax.fill_between(days, below, band["counts"], step="post", color=colour, alpha=0.55,
                        hatch=BAND_HATCHES[index % len(BAND_HATCHES)], edgecolor=GRID, linewidth=0.3,
                        label=band["name"])
    ax.set_ylim(bottom=0)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    fig.autofmt_xdate()
    return fig
