"""Charts people can read (issue 15, item 8): sharp PNGs, names wrapped not cut, legends clear of the
data, and text in any script some font has, with a plain placeholder (never an empty box) for the rest."""

from __future__ import annotations

import warnings

import pytest

from lms.charts import fonts
from lms.charts.base import DPI, SCALE, new_figure, style_axes, to_png, wrap_label
from lms.charts.fonts import PLACEHOLDER, drawable
from lms.charts.landscape import landscape_figure
from lms.charts.pareto import pareto_figure
from lms.charts.takt import draw_takt_chart, takt_figure
from lms.charts.vsm import value_stream_map_figure
from tests.pictures import png_size
from tests.unit.test_charts_streams import _step, stamping_map

P = PLACEHOLDER


@pytest.mark.parametrize(("text", "width", "lines", "wrapped"), [
    ("Raise the purchase requisition", 14, 4, "Raise the\npurchase\nrequisition"),
    ("Send the order to the supplier", 14, 4, "Send the order\nto the\nsupplier"),
    ("Short", 14, 4, "Short"),
    ("", 14, 4, ""),
    # One unbroken word longer than a line is broken across lines, never cut.
    ("Auftragsbestätigungsprüfung", 10, 4, "Auftragsbe\nstätigungs\nprüfung"),
    # Line breaks in the text stay; runs of spaces become one.
    ("Lead   time\n(working days)", 20, 4, "Lead time\n(working days)"),
    # Only past the last line is the label cut, with "…" on that line.
    ("one two three four five six", 5, 2, "one\ntwo…"),
])
def test_wrap_label(text, width, lines, wrapped):
    assert wrap_label(text, width, lines) == wrapped


@pytest.mark.parametrize(("text", "shown"), [
    ("Prüfung der Pumpe", "Prüfung der Pumpe"),  # every character covered: unchanged
    ("Fix 🚀 now", f"Fix {P} now"),  # an emoji no font has: one placeholder
    ("👍🏽 ok", f"{P} ok"),  # with a skin tone: still one
    ("👨\u200d👩\u200d👧 team", f"{P} team"),  # a family joined by zero-width joiners: one
    ("🇫🇷🇩🇪", f"{P}{P}"),  # two flags (two letters each): two
    ("❤\ufe0f ok", "❤ ok"),  # a covered symbol keeps; its emoji-style selector is dropped
    ("中文", f"{P}{P}"),  # CJK where no font has it
    ("a\tb\nc", "a\tb\nc"),  # white space and line breaks stay
])
def test_characters_no_font_has_become_one_plain_placeholder(monkeypatch, text, shown):
    # Fonts that cover Latin-1 and the heart only: the outcome does not depend on the machine's fonts.
    monkeypatch.setattr(fonts, "covered", lambda: frozenset(range(0x20, 0x250)) | {0x2764})
    assert drawable(text) == shown


def test_the_fallback_fonts_come_after_dejavu_and_never_draw_boxes():
    families = fonts.font_families()
    assert families[0] == "DejaVu Sans"
    assert not [f for f in families if f.startswith(("Last Resort", "cm", "Noto Color Emoji"))]
    assert ord("é") in fonts.covered() and ord("Ж") in fonts.covered()


def test_cjk_is_drawn_when_the_machine_has_a_font_for_it():
    if ord("中") not in fonts.covered():
        pytest.skip("no CJK font on this machine (.ci/run installs fonts-droid-fallback)")
    assert drawable("中文 步骤") == "中文 步骤"


def test_emoji_cjk_and_math_like_names_draw_without_a_missing_glyph():
    spec = {"title": "Cycle time per step against takt: Ünïcode 中文", "takt_time_s": 30.0, "steps": [
        {"name": "Fix 🚀 the pump 👍🏽", "classification": "waste", "cycle_time_s": 46, "over_takt": True},
        {"name": "检查 泵", "classification": "necessary", "cycle_time_s": 20, "over_takt": False},
        {"name": r"$\foo$ and $x^2", "classification": "value-adding", "cycle_time_s": 5, "over_takt": False},
    ]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = draw_takt_chart(spec)
    assert png.startswith(b"\x89PNG")
    assert [str(w.message) for w in caught if "missing from" in str(w.message)] == []


def test_pngs_have_twice_the_pixels_of_their_page_size():
    fig = takt_figure({"title": "t", "takt_time_s": 30.0, "steps": []})
    width_in, height_in = fig.get_size_inches()
    assert png_size(to_png(fig)) == (round(width_in * DPI * SCALE), round(height_in * DPI * SCALE))


def test_takt_chart_wraps_step_names_instead_of_cutting_them():
    names = ["Raise the purchase requisition", "Budget check by the cost-centre manager",
             "Re-key the order into the supplier portal"]
    spec = {"title": "Purchase-order approval", "takt_time_s": 2_300.0, "steps": [
        {"name": name, "classification": "waste", "cycle_time_s": 600, "over_takt": False} for name in names]}
    shown = [" ".join(t.get_text().split()) for t in takt_figure(spec).axes[0].get_xticklabels()]
    assert [label.replace("- ", "-") for label in shown] == names  # "cost-" may end a line


def test_map_boxes_hold_the_whole_name():
    spec = stamping_map()
    name = "Re-key the order into the supplier portal by hand"
    spec["steps"] = [_step(name, cycle_time_s=60, processing_s=60.0)] + spec["steps"][1:]
    texts = [" ".join(t.get_text().split()) for t in value_stream_map_figure(spec).axes[0].texts]
    assert name in texts


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_pareto_legend_is_clear_of_the_bars():
    spec = {"title": "Waste time by type", "waste_time_by_type": [
        ["inventory", 200_000.0], ["waiting", 199_000.0], ["defects", 190_000.0], ["motion", 180_000.0]]}
    fig = pareto_figure(spec)
    fig.draw_without_rendering()
    assert all(ax.get_legend() is None for ax in fig.axes) and len(fig.legends) == 1
    legend = fig.legends[0].get_window_extent()
    assert not any(_overlap(legend, ax.get_window_extent()) for ax in fig.axes)


def test_landscape_labels_of_crowded_points_do_not_overlap():
    # The demo's water utilities: close points with long statements.
    ratings = [(8.5, 8.2, "Minimize the likelihood that a pump leaves without passing a performance test"),
               (4.3, 7.8, "Maximize the detail of the written repair report"),
               (8.1, 6.9, "Minimize the time it takes to find the root cause of a failure"),
               (8.8, 5.4, "Minimize the likelihood that a repaired pump fails again within a year"),
               (7.6, 4.4, "Minimize the time it takes to learn what a repair will cost"),
               (9.0, 4.1, "Minimize the time a pump waits for parts before the repair starts"),
               (9.4, 3.3, "Minimize the time it takes to get a working pump back")]
    points = [{"label": s, "importance": i, "satisfaction": v, "status": "underserved"} for i, v, s in ratings]
    fig = landscape_figure({"title": "Regional water utilities", "underserved": 10, "high": 12, "extreme": 15,
                            "points": points})
    fig.draw_without_rendering()
    boxes = [t.get_window_extent() for t in fig.axes[0].texts if t.get_text().startswith(("Min.", "Max."))]
    assert len(boxes) == 7
    assert [(i, j) for i in range(7) for j in range(i + 1, 7) if _overlap(boxes[i], boxes[j])] == []


def test_long_titles_and_axis_labels_wrap_to_the_figure():
    fig = new_figure(9.0, 4.6)
    ax = fig.add_subplot()
    style_axes(ax, title="Repairs closed per technician-day across every depot of the northern region: trend",
               ylabel="Repairs closed per technician-day (repairs), higher is better")
    assert "\n" in ax.get_title(loc="left") and "\n" in ax.get_ylabel()
