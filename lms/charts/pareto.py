"""The waste Pareto: time spent in each of the eight wastes, largest first, with the running share."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from lms.charts.base import BRAND, SMALL, empty_message, new_figure, plottable, style_axes, to_png
from lms.charts.takt import time_unit
from lms.lean.durations import format_duration

PARETO_SIZE_IN = (8.0, 4.4)  # inches, whatever the wastes


def draw_waste_pareto(spec: dict) -> bytes:
    """Draw the Pareto of ``spec`` (see ``lms.streams.chart_data.pareto_spec``) as PNG."""
    return to_png(pareto_figure(spec))


def pareto_figure(spec: dict) -> Figure:
    """Return the figure of waste time by type with the cumulative share."""
    # A waste time no axis can hold (stored before the bounds) is named in the title, not drawn.
    timed = [(waste, seconds) for waste, seconds in spec["waste_time_by_type"] if seconds is not None]
    ranked = [(waste, seconds) for waste, seconds in timed if plottable(seconds) is not None and seconds > 0]
    beyond = [waste for waste, seconds in timed
              if plottable(seconds) is None and seconds == seconds and seconds > 0]
    fig = new_figure(*PARETO_SIZE_IN)
    ax = fig.add_subplot()
    day_s = spec.get("day_s")
    divisor, unit = time_unit(max((s for _, s in ranked), default=0.0), day_s)
    title = spec["title"] + (f"\n(out of range, not drawn: {', '.join(beyond)})" if beyond else "")
    if spec.get("untimed"):  # a waste with inventory that cannot be timed has no bar, and says so
        title += f"\n(not timed, no bar: {', '.join(spec['untimed'])} — set the daily demand and working day)"
    style_axes(ax, title=title, xlabel="Waste type (TIMWOODS), largest first",
               ylabel=f"Waste time, a step's shared among its wastes ({unit})")
    if not ranked:
        empty_message(ax, "The time of the wastes tagged here is not known yet." if spec.get("untimed")
                      else "No time is tagged with a waste type yet.")
        return fig
    # The figures go under each bar, so the cumulative line never hides them.
    labels = [f"{waste.capitalize()}\n{format_duration(seconds, day_s)}" for waste, seconds in ranked]
    heights = [seconds / divisor for _, seconds in ranked]
    positions = list(range(len(ranked)))
    ax.bar(positions, heights, width=0.6, color="#b3261e", alpha=0.8, hatch="xx", edgecolor="#7d1a15",
           linewidth=0.8, label="Time in the waste")
    ax.set_xticks(positions, labels)
    ax.set_ylim(0, max(heights) * 1.15)
    total = sum(s for _, s in ranked)
    running, shares = 0.0, []
    for _, seconds in ranked:
        running += seconds
        shares.append(running / total * 100)
    line_ax = ax.twinx()
    line_ax.plot(positions, shares, color=BRAND, marker="o", linewidth=1.8, label="Cumulative share")
    for x, share in zip(positions, shares, strict=True):
        line_ax.annotate(f"{share:.0f} %", (x, share), xytext=(0, 7), textcoords="offset points",
                         ha="center", fontsize=SMALL, color=BRAND, fontweight="bold",
                         bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    line_ax.set_ylim(0, 115)
    line_ax.yaxis.set_major_formatter(PercentFormatter(100))
    line_ax.set_ylabel("Cumulative share of waste time (%)", color=BRAND)
    line_ax.tick_params(colors=BRAND)
    line_ax.spines["top"].set_visible(False)
    bar_handles, bar_labels = ax.get_legend_handles_labels()
    line_handles, line_labels = line_ax.get_legend_handles_labels()
    # Below the chart, where no bar or point can be: inside it covered a bar (issue 15).
    fig.legend(bar_handles + line_handles, bar_labels + line_labels, loc="outside lower center", ncols=2,
               frameon=False)
    return fig
