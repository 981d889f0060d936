"""The A3 of a review: one landscape A3 page with background, current state, findings, actions, results.

Drawn with matplotlib's object API into a PDF. Every section is an axes laid out in points, so
text is placed line by line: long text is wrapped to the section's width and cut with "…" where
the section ends, and every text is clipped to its section so nothing can overlap.
"""

from __future__ import annotations

import math
import textwrap

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, NullLocator

from lms.charts.base import BRAND, GRID, INK, INK_SOFT, plottable, to_pdf
from lms.lean.durations import format_day

A3_LANDSCAPE_IN = (16.54, 11.69)
PT = 72.0  # points per inch
BODY = 8.5
SMALL = 7.5
HEAD = 10.5
LINE = 1.32  # line height, in font sizes
CHAR = 0.56  # a conservative average glyph width, in font sizes
PAD = 7.0
HEADER_H = 20.0
BAD = "#b3261e"
GOOD = "#1f7a3d"
WAITING = "#e0a030"
STAGE_LABELS = {"plan": "Plan", "do": "Do", "check": "Check", "act": "Act", "done": "Done",
                "dropped": "Dropped"}

# Section rectangles in figure fractions: left, bottom, width, height.
LAYOUT = {
    "background": (0.02, 0.735, 0.47, 0.175),
    "current": (0.02, 0.045, 0.47, 0.675),
    "findings": (0.51, 0.655, 0.47, 0.255),
    "actions": (0.51, 0.33, 0.47, 0.31),
    "results": (0.51, 0.045, 0.47, 0.27),
}


def wrap(text: str, width_pt: float, size: float, max_lines: int) -> list[str]:
    """Wrap ``text`` to a width in points; cut it with "…" after ``max_lines`` lines."""
    if max_lines <= 0:
        return []
    chars = max(8, int(width_pt / (size * CHAR)))
    lines: list[str] = []
    for paragraph in (text or "").splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, chars, break_long_words=True, replace_whitespace=True) or [""])
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = fit(lines[-1] + " …", width_pt, size)
    return lines


def fit(text: str, width_pt: float, size: float) -> str:
    """Cut one line of text to a width in points, ending it with "…" when cut."""
    chars = max(4, int(width_pt / (size * CHAR)))
    text = " ".join((text or "").split())
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


class Section:
    """A boxed section of the A3 with a numbered header, written into from the top down."""

    def __init__(self, fig: Figure, rect: tuple[float, float, float, float], title: str) -> None:
        width_in, height_in = fig.get_size_inches()
        self.w, self.h = rect[2] * width_in * PT, rect[3] * height_in * PT
        self.rect = rect
        self.ax = fig.add_axes(rect)
        self.ax.set_xlim(0, self.w)
        self.ax.set_ylim(0, self.h)
        self.ax.set_axis_off()
        self.ax.add_patch(Rectangle((0, 0), self.w, self.h, fill=False, edgecolor=INK_SOFT, linewidth=0.8,
                                    clip_on=False))
        self.ax.add_patch(Rectangle((0, self.h - HEADER_H), self.w, HEADER_H, facecolor=BRAND,
                                    edgecolor=BRAND, clip_on=False))
        self.ax.text(PAD, self.h - HEADER_H / 2, title, color="white", fontsize=HEAD, fontweight="bold",
                     va="center", ha="left", parse_math=False)
        self.y = self.h - HEADER_H - PAD  # the top of the next line

    @property
    def room(self) -> float:
        """Return the height left for text, in points."""
        return self.y - PAD

    def lines_left(self, size: float = BODY) -> int:
        """Return how many lines of ``size`` still fit."""
        return max(0, math.floor(self.room / (size * LINE)))

    def text(self, x: float, text: str, *, size: float = BODY, color: str = INK, weight: str = "normal",
             style: str = "normal", ha: str = "left") -> None:
        """Write one line at the current height (not advancing)."""
        self.ax.text(x, self.y, text, fontsize=size, color=color, fontweight=weight, fontstyle=style,
                     va="top", ha=ha, clip_on=True, parse_math=False)

    def advance(self, size: float = BODY, lines: int = 1) -> None:
        """Move down by ``lines`` lines of ``size``."""
        self.y -= size * LINE * lines

    def paragraph(self, text: str, *, size: float = BODY, color: str = INK, indent: float = 0.0,
                  max_lines: int | None = None, style: str = "normal", weight: str = "normal") -> int:
        """Write wrapped text at the current height; return how many lines it took."""
        limit = self.lines_left(size) if max_lines is None else min(max_lines, self.lines_left(size))
        lines = wrap(text, self.w - 2 * PAD - indent, size, limit)
        for line in lines:
            self.text(PAD + indent, line, size=size, color=color, style=style, weight=weight)
            self.advance(size)
        return len(lines)

    def rule(self) -> None:
        """Draw a thin line across the section at the current height."""
        self.ax.plot([PAD, self.w - PAD], [self.y + 2, self.y + 2], color=GRID, linewidth=0.6)

    def table(self, columns: list[tuple[str, float, str]], rows: list[list[tuple[str, str]]], *,
              size: float = BODY, more: str = "more rows") -> None:
        """Write a table: ``columns`` are (heading, share of width, align); each cell is (text, colour)."""
        usable = self.w - 2 * PAD
        xs, x = [], PAD
        for _, share, _ in columns:
            xs.append(x)
            x += share * usable
        for (heading, share, align), left in zip(columns, xs, strict=True):
            pos = left + share * usable - 4 if align == "right" else left
            self.text(pos, fit(heading, share * usable - 6, size), size=size, weight="bold", ha=align)
        self.advance(size)
        self.rule()
        self.advance(size, 0.25)
        fitting = self.lines_left(size)
        shown = rows if len(rows) <= fitting else rows[: max(0, fitting - 1)]
        for row in shown:
            for (text, colour), (_, share, align), left in zip(row, columns, xs, strict=True):
                pos = left + share * usable - 4 if align == "right" else left
                self.text(pos, fit(text, share * usable - 6, size), size=size, color=colour, ha=align)
            self.advance(size)
        if len(shown) < len(rows):
            self.text(PAD, f"+ {len(rows) - len(shown)} {more} (see the review page)", size=SMALL,
                      color=INK_SOFT, style="italic")
            self.advance(SMALL)


# The sections ------------------------------------------------------------------------


def _title_block(fig: Figure, spec: dict) -> None:
    ax = fig.add_axes((0.02, 0.925, 0.96, 0.06))
    width_in, height_in = fig.get_size_inches()
    w, h = 0.96 * width_in * PT, 0.06 * height_in * PT
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_axis_off()
    ax.add_patch(Rectangle((0, 0), w, h, fill=False, edgecolor=INK, linewidth=1.2, clip_on=False))
    ax.text(PAD, h - PAD, fit(f"A3 · {spec['kind_label']}: {spec['stream']}", w * 0.6, 17), fontsize=17,
            fontweight="bold", color=INK, va="top", clip_on=True, parse_math=False)
    ax.text(PAD, PAD, fit(f"Participants: {spec['participants'] or '—'}", w * 0.6, BODY), fontsize=BODY,
            color=INK_SOFT, va="bottom", clip_on=True, parse_math=False)
    facts = [f"Date: {spec['held_on']}", f"Facilitator: {spec['facilitator'] or '—'}",
             f"Status: {spec['status']}"]
    for n, fact in enumerate(facts):
        ax.text(w - PAD, h - PAD - n * BODY * 1.45, fit(fact, w * 0.34, BODY + 1), fontsize=BODY + 1,
                color=INK, va="top", ha="right", clip_on=True, parse_math=False)


def _background(fig: Figure, spec: dict) -> None:
    s = Section(fig, LAYOUT["background"], "1 · Background: why this stream, for whom")
    for label, value in (("Customer", spec["customer"]), ("Job to be done", spec["job"]),
                         ("Process owner", spec["owner"])):
        s.text(PAD, f"{label}:", weight="bold")
        s.paragraph(value or "not named", indent=85, max_lines=2)  # beside its label
    s.advance(BODY, 0.3)
    s.text(PAD, "Notes:", weight="bold")
    s.advance()
    s.paragraph(spec["notes"] or "No notes were written for this review.",
                color=INK if spec["notes"] else INK_SOFT)


def _current_state(fig: Figure, spec: dict) -> None:
    s = Section(fig, LAYOUT["current"], "2 · Current state: the figures at opening")
    s.paragraph(spec["current_caption"], size=SMALL, color=INK_SOFT, style="italic", max_lines=2)
    s.advance(SMALL, 0.3)
    rows = spec["current_figures"]
    half = math.ceil(len(rows) / 2)
    top, usable = s.y, s.w - 2 * PAD
    for part, offset in ((rows[:half], 0.0), (rows[half:], 0.5)):
        s.y = top
        for label, value in part:
            s.text(PAD + offset * usable, fit(label, usable * 0.27, BODY), color=INK_SOFT)
            s.text(PAD + (offset + 0.28) * usable, fit(value, usable * 0.21, BODY), weight="bold")
            s.advance()
    s.y = top - half * BODY * LINE
    for label, value in spec.get("current_wide", []):
        s.text(PAD, fit(label, usable * 0.27, BODY), color=INK_SOFT)
        s.text(PAD + 0.28 * usable, fit(value, usable * 0.71, BODY), weight="bold")
        s.advance()
    s.y -= 8
    s.rule()
    _timeline(fig, s, spec["timeline"], spec["timeline_caption"], spec.get("day_s"))


def _time_ticks(day_s: float | None) -> list[tuple[float, str]]:
    """Return the log axis's ticks: s, min, h, then working days of ``day_s`` (hours without one)."""
    ticks = [(1.0, "1 s"), (60.0, "1 min"), (3600.0, "1 h")]
    if day_s is None:
        return [*ticks, (10 * 3600.0, "10 h"), (100 * 3600.0, "100 h"), (1000 * 3600.0, "1000 h")]
    days = [(n * day_s, f"{n} d") for n in (1, 5, 20, 100)]
    return [tick for tick in ticks if tick[0] < day_s] + days


def _timeline(fig: Figure, s: Section, timeline: list[dict], caption: str, day_s: float | None) -> None:
    """Draw the steps' processing and waiting times as paired bars on a log scale."""
    left, bottom, width, height = s.rect
    s.advance(BODY, 0.4)
    s.paragraph(caption, weight="bold", max_lines=1)
    top_frac = (s.y - 24) / s.h  # room for the legend above the bars
    ax = fig.add_axes((left + width * 0.27, bottom + height * 0.075, width * 0.68,
                       height * max(0.05, top_frac - 0.075)))
    shown = timeline[:14]
    if not shown:
        ax.text(0.5, 0.5, "No steps mapped.", ha="center", va="center", transform=ax.transAxes,
                color=INK_SOFT, fontsize=BODY)
        ax.set_axis_off()
        return
    ys = list(range(len(shown)))[::-1]
    # A time no axis can hold (stored before the bounds) is drawn at the floor, not at its length.
    processing = [max(plottable(step["processing_s"]) or 0.0, 0.0) for step in shown]
    waiting = [max(plottable(step["waiting_s"]) or 0.0, 0.0) for step in shown]
    floor = 1.0
    ax.barh([y + 0.2 for y in ys], [max(v, floor) for v in processing], height=0.38, color=BRAND,
            label="Processing time", left=0)
    ax.barh([y - 0.2 for y in ys], [max(v, floor) for v in waiting], height=0.38, color=WAITING,
            hatch="//", edgecolor="#8a5a00", linewidth=0.4, label="Waiting time", left=0)
    ax.set_xscale("log")
    biggest = max(processing + waiting + [60.0])
    ax.set_xlim(1, biggest * 3)
    ticks = [(v, lab) for v, lab in _time_ticks(day_s) if v <= biggest * 3]
    ax.xaxis.set_major_locator(FixedLocator([v for v, _ in ticks]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([lab for _, lab in ticks], fontsize=SMALL)
    ax.set_yticks(ys)
    label_pt = width * A3_LANDSCAPE_IN[0] * PT * 0.25
    labels = [f"{step['position']}. {step['name']}" + (" ▲takt" if step.get("over_takt") else "")
              for step in shown]
    ax.set_yticklabels([fit(label, label_pt, SMALL) for label in labels], fontsize=SMALL)
    for label in ax.get_yticklabels():
        label.set_parse_math(False)
    day = format_day(day_s).removesuffix(".") if day_s else "no working day set: hours"
    ax.set_xlabel(f"Time per step (log scale; {day})", fontsize=SMALL, color=INK_SOFT)
    ax.tick_params(colors=INK_SOFT, length=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=2, fontsize=SMALL, frameon=False,
              borderaxespad=0.2)
    if len(timeline) > len(shown):
        ax.text(0, -0.1, f"+ {len(timeline) - len(shown)} more steps", transform=ax.transAxes,
                fontsize=SMALL, color=INK_SOFT, style="italic", parse_math=False)


def _findings(fig: Figure, spec: dict) -> None:
    s = Section(fig, LAYOUT["findings"], "3 · Findings: what we saw on the floor")
    findings = spec["findings"]
    if not findings:
        s.paragraph("No findings recorded.", color=INK_SOFT, style="italic")
        return
    for n, finding in enumerate(findings):
        remaining = len(findings) - n
        if s.lines_left() < 2 and remaining > 0:
            s.text(PAD, f"+ {remaining} more findings (see the review page)", size=SMALL, color=INK_SOFT,
                   style="italic")
            return
        where = " · ".join(part for part in (finding["waste"], finding["step"]) if part)
        prefix = f"[{where}] " if where else ""
        s.text(PAD, "•")
        s.paragraph(prefix + finding["text"], indent=10, max_lines=min(3, s.lines_left() - 1 or 1))
        s.advance(BODY, 0.2)


def _actions(fig: Figure, spec: dict) -> None:
    s = Section(fig, LAYOUT["actions"], "4 · Actions: plan, do, check, act")
    if not spec["actions"]:
        s.paragraph("No actions agreed yet.", color=INK_SOFT, style="italic")
        return
    columns = [("Action (expected effect)", 0.48, "left"), ("Owner", 0.17, "left"), ("Due", 0.23, "left"),
               ("Stage", 0.12, "left")]
    rows = []
    for action in spec["actions"]:
        colour = BAD if action["overdue"] else INK
        title = action["title"] + (f" — {action['expected_effect']}" if action["expected_effect"] else "")
        due = (action["due_on"] or "—") + (" (overdue)" if action["overdue"] else "")
        rows.append([(title, INK), (action["owner"] or "—", INK), (due, colour),
                     (STAGE_LABELS.get(action["stage"], action["stage"]), INK)])
    s.table(columns, rows, more="more actions")


def _results(fig: Figure, spec: dict) -> None:
    s = Section(fig, LAYOUT["results"], "5 · Results: before and after")
    s.paragraph(spec["results_caption"], size=SMALL, color=INK_SOFT, style="italic", max_lines=2)
    s.advance(SMALL, 0.3)
    columns = [("Figure", 0.34, "left"), (spec["before_label"], 0.2, "right"),
               (spec["after_label"], 0.2, "right"), ("Change", 0.16, "right"), ("", 0.1, "right")]
    colours = {"better": GOOD, "worse": BAD}
    rows = [[(r["label"], INK), (r["before"], INK), (r["after"], INK), (r["change"], INK),
             (r["verdict"], colours.get(r["verdict"], INK_SOFT))] for r in spec["results"]]
    s.table(columns, rows, more="more figures")
    if spec.get("kpis") and s.lines_left() > 3:
        s.advance(BODY, 0.5)
        kpi_rows = [[(k["name"], INK), (k["base"], INK), (k["latest"], INK), (k["change"], INK),
                     (k["verdict"], colours.get(k["verdict"], INK_SOFT))] for k in spec["kpis"]]
        s.table([("KPI", 0.34, "left"), ("At opening", 0.2, "right"), ("Latest", 0.2, "right"),
                 ("Change", 0.16, "right"), ("", 0.1, "right")], kpi_rows, more="more KPIs")


def draw_a3(spec: dict) -> bytes:
    """Draw the A3 of a review as a one-page landscape PDF."""
    fig = Figure(figsize=A3_LANDSCAPE_IN)
    fig.patch.set_facecolor("white")
    _title_block(fig, spec)
    _background(fig, spec)
    _current_state(fig, spec)
    _findings(fig, spec)
    _actions(fig, spec)
    _results(fig, spec)
    fig.text(0.98, 0.018, fit(spec["footer"], 600, SMALL), fontsize=SMALL, color=INK_SOFT, ha="right",
             parse_math=False)
    return to_pdf(fig)
