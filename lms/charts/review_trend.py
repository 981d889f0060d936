"""A value stream's lead time and PCE at each review's opening and closing, over time, on two axes."""

from __future__ import annotations

from datetime import date

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lms.charts.base import BRAND, INK_SOFT, SMALL, empty_message, new_figure, plottable, style_axes, to_png

PCE_COLOUR = "#c05a00"


def _points(spec: dict, key: str) -> list[tuple[date, float, str]]:
    return [(date.fromisoformat(p["day"]), p[key], p["moment"]) for p in spec["points"]
            if plottable(p.get(key)) is not None]


def _plot_series(ax, points, *, colour: str, marker: str, linestyle: str, label: str) -> None:
    """Draw one figure as a line through every snapshot: filled markers at closing, hollow at opening."""
    ax.plot([d for d, _, _ in points], [v for _, v, _ in points], color=colour, linestyle=linestyle,
            linewidth=1.8, label=label)
    for moment, face in (("open", "white"), ("close", colour)):
        chosen = [(d, v) for d, v, m in points if m == moment]
        if chosen:
            ax.plot([d for d, _ in chosen], [v for _, v in chosen], linestyle="none", marker=marker,
                    markersize=7, markeredgewidth=1.6, markeredgecolor=colour, markerfacecolor=face)


def review_trend_figure(spec: dict) -> Figure:
    """Return the figure of lead time (working days, left) and PCE (%, right) at each review snapshot."""
    fig = new_figure(9.0, 4.6)
    ax = fig.add_subplot()
    style_axes(ax, title=f"{spec['stream']}: lead time and PCE across reviews", xlabel="Review date",
               ylabel="Lead time (working days)")
    lead = _points(spec, "lead_time_days")
    pce = [(d, v * 100, m) for d, v, m in _points(spec, "pce")]
    if not lead and not pce:
        empty_message(ax, "No review of this stream has recorded its figures yet: open a review to take "
                          "the first snapshot.")
        return fig
    _plot_series(ax, lead, colour=BRAND, marker="o", linestyle="-", label="Lead time (working days)")
    ax.set_ylim(bottom=0, top=max([v for _, v, _ in lead] + [0.001]) * 1.15)
    right = ax.twinx()
    _plot_series(right, pce, colour=PCE_COLOUR, marker="s", linestyle="--", label="PCE (%)")
    right.set_ylabel("Process cycle efficiency, PCE (%)", color=INK_SOFT)
    right.set_ylim(bottom=0, top=max([v for _, v, _ in pce] + [0.001]) * 1.15)
    right.tick_params(colors=INK_SOFT)
    right.spines["top"].set_visible(False)
    locator = AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    days = [d for d, _, _ in lead + pce]
    if min(days) == max(days):
        ax.set_xlim(date.fromordinal(min(days).toordinal() - 7), date.fromordinal(max(days).toordinal() + 7))
    handles = [
        Line2D([], [], color=BRAND, marker="o", linestyle="-", label="Lead time (working days), left axis"),
        Line2D([], [], color=PCE_COLOUR, marker="s", linestyle="--", label="PCE (%), right axis"),
        Line2D([], [], color=INK_SOFT, marker="o", markerfacecolor="white", linestyle="none",
               label="Hollow marker: at opening"),
        Line2D([], [], color=INK_SOFT, marker="o", linestyle="none", label="Filled marker: at closing"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=SMALL)
    return fig


def draw_review_trend(spec: dict) -> bytes:
    """Draw the stream's lead time and PCE across reviews as PNG."""
    return to_png(review_trend_figure(spec))


def _days(value: float | None) -> str:
    return "out of range" if plottable(value) is None else f"{value:.1f}"


def describe_review_trend(spec: dict) -> str:
    """Say in words what the chart shows, for its alt text."""
    points = spec["points"]
    if not points:
        return f"No review of {spec['stream']} has recorded its figures yet."
    parts = [f"Lead time and PCE of {spec['stream']} at {len(points)} review snapshots"]
    for p in points[:8]:
        pce = "—" if p.get("pce") is None else f"{p['pce'] * 100:.1f} %"
        parts.append(f"{p['day']} ({'opening' if p['moment'] == 'open' else 'closing'}): "
                     f"lead time {_days(p['lead_time_days'])} working days, PCE {pce}")
    if len(points) > 8:
        parts.append(f"and {len(points) - 8} more")
    return "; ".join(parts) + "."
