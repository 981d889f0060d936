"""The value-stream charts: the map, the takt chart and the waste Pareto, drawn from plain specs."""

from __future__ import annotations

from datetime import date

import pytest

from lms.charts.base import CLASSIFICATION_STYLE, to_svg
from lms.charts.pareto import draw_waste_pareto, pareto_figure
from lms.charts.takt import draw_takt_chart, takt_figure, time_unit
from lms.charts.vsm import draw_value_stream_map, value_stream_map_figure
from lms.streams.queries import map_staleness

PNG = b"\x89PNG"


def _step(name, kind="process", classification="unclassified", **figures):
    base = {"name": name, "kind": kind, "classification": classification, "waste_types": [],
            "cycle_time_s": None, "changeover_s": None, "uptime_pct": None, "operators": None,
            "pct_complete_accurate": None, "wait_time_s": None, "inventory_units": None,
            "processing_s": 0.0, "waiting_s": 0.0, "over_takt": False}
    base.update(figures)
    return base


def stamping_map() -> dict:
    """The stamping line's map data, as lms.streams.chart_data.map_spec builds it."""
    return {
        "title": "Value-stream map: Stamped brackets",
        "steps": [
            _step("Stamping", classification="value-adding", cycle_time_s=1, changeover_s=3_600,
                  uptime_pct=85, operators=1, pct_complete_accurate=99, processing_s=1.0),
            _step("Coils before welding", "inventory", "waste", inventory_units=4_600, waiting_s=138_000.0),
            _step("Welding", classification="necessary", cycle_time_s=39, wait_time_s=600,
                  pct_complete_accurate=95, processing_s=39.0, waiting_s=600.0, over_takt=True),
            _step("Assembly", cycle_time_s=46, operators=2, processing_s=46.0, over_takt=True),
        ],
        "daily_demand": 920, "takt_time_s": 30.0, "lead_time_s": 138_686.0, "lead_time_days": 5.0248,
        "day_s": 27_600.0, "processing_time_s": 86.0, "value_added_time_s": 1.0, "pce": 1 / 138_686,
    }


def _texts(fig) -> list[str]:
    texts = [t.get_text() for t in fig.findobj(match=lambda artist: hasattr(artist, "get_text"))]
    return [t for t in texts if t]


def _axes_labels(fig) -> list[tuple[str, str, str]]:
    return [(ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes]


# The value-stream map ----------------------------------------------------------------------


def test_map_draws_boxes_data_triangles_ladder_and_totals():
    fig = value_stream_map_figure(stamping_map())
    texts = "\n".join(_texts(fig))
    assert _axes_labels(fig)[0][0] == "Value-stream map: Stamped brackets"
    xlabel = " ".join(_axes_labels(fig)[0][1].split())  # wrapped to the map's width
    assert "Flow of work" in xlabel and "1 d = one working day of 7 h 40 min" in xlabel
    for expected in ("Stamping", "C/T 1 s", "C/O 1 h", "Uptime 85 %", "Operators 1", "%C&A 99 %",
                     "Wait 10 min", "OVER TAKT", "4,600 units", "waits 5 d", "Takt 30 s", "920 units/day"):
        assert expected in texts, expected
    # the ladder: 5 working days of waiting on the upper rung, 39 s and 46 s of processing below
    assert {"5 d", "39 s", "46 s", "10 min"} <= set(_texts(fig))
    assert "Lead time\n5 d (138,686 s)" in texts and "Processing time\n1 min 26 s" in texts
    # classification shown by label and hatch as well as colour
    assert {"VA", "NVA", "WASTE", "untagged"} <= set(_texts(fig))
    hatches = {patch.get_hatch() for patch in fig.axes[0].patches}
    assert {CLASSIFICATION_STYLE[c]["hatch"] for c in ("necessary", "waste", "unclassified")} <= hatches
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [s["label"] for s in CLASSIFICATION_STYLE.values()]


def test_the_data_box_and_the_timeline_write_a_wait_in_the_same_working_days():
    # Issue 14, item 1: a data box said "Wait 1 d 7 h" (31 h in 24-hour days) where the timeline
    # said "4 d". 111,600 s on a working day of 7 h 45 min (27,900 s) is exactly 4 d in both.
    spec = {**stamping_map(), "day_s": 27_900.0, "lead_time_s": 114_600.0, "lead_time_days": 114_600 / 27_900,
            "steps": [_step("Quote", cycle_time_s=3_000, wait_time_s=111_600, processing_s=3_000.0,
                            waiting_s=111_600.0)]}
    texts = _texts(value_stream_map_figure(spec))
    assert "Wait 4 d" in "\n".join(texts) and "4 d" in texts
    assert not any("1 d 7 h" in text for text in texts)
    # The lead time, 114,600 s = 4 d + 3,000 s (50 min, rounded to the hour after days) -> "4 d 1 h".
    assert any(text.startswith("Lead time\n4 d 1 h") for text in texts)


def test_a_map_without_a_working_day_writes_hours():
    spec = {**stamping_map(), "day_s": None, "lead_time_days": None,
            "steps": [_step("Quote", cycle_time_s=3_000, wait_time_s=111_600, processing_s=3_000.0,
                            waiting_s=111_600.0)]}
    fig = value_stream_map_figure(spec)
    assert "Wait 31 h" in "\n".join(_texts(fig)) and "31 h" in _texts(fig)
    assert "in hours (no working day set)" in " ".join(_axes_labels(fig)[0][1].split())  # wrapped


def test_map_png_and_empty_map():
    assert draw_value_stream_map(stamping_map()).startswith(PNG)
    empty = {**stamping_map(), "steps": [], "lead_time_s": 0.0, "processing_time_s": 0.0, "pce": None,
             "daily_demand": None, "takt_time_s": None}
    fig = value_stream_map_figure(empty)
    assert any("No steps mapped yet" in t for t in _texts(fig)) and "Customer\ndemand not set\nno takt" in _texts(fig)
    assert draw_value_stream_map(empty).startswith(PNG)


def test_the_svg_of_a_map_is_the_same_bytes_each_time_and_sized_in_points():
    """Element ids come from the content (svg.hashsalt), so a redrawn chart is byte for byte the same;
    the stamping map's 4 steps make it 4 x 1.6 + 2.6 = 9.0 inches wide: 648 pt; 6.4 in high = 460.8 pt."""
    first, second = (to_svg(value_stream_map_figure(stamping_map())) for _ in range(2))
    assert first == second and first.startswith(b"<?xml")
    assert b'width="648pt" height="460.8pt"' in first
    math_like = {**stamping_map(), "title": r"$\foo$ map"}
    assert rb"<!-- $\foo$ map -->" in to_svg(value_stream_map_figure(math_like))  # drawn as typed, not parsed


def test_map_of_many_long_and_math_like_names_renders():
    spec = stamping_map()
    spec["steps"] = [_step(rf"$\foo$ step {i} with a really rather long name_{i}", cycle_time_s=5,
                           processing_s=5.0) for i in range(30)]
    assert draw_value_stream_map(spec).startswith(PNG)
    assert any(text.startswith(r"$\foo$ step") for text in _texts(value_stream_map_figure(spec)))


# The takt chart ----------------------------------------------------------------------------


def takt_data(takt=30.0) -> dict:
    return {"title": "Cycle time per step against takt: Stamped brackets", "takt_time_s": takt, "steps": [
        {"name": "Stamping", "classification": "value-adding", "cycle_time_s": 1, "over_takt": False},
        {"name": "Welding", "classification": "necessary", "cycle_time_s": 39, "over_takt": True},
        {"name": r"$\foo$", "classification": "waste", "cycle_time_s": 46, "over_takt": True},
    ]}


def test_takt_chart_marks_over_takt_bars_in_text():
    fig = takt_figure(takt_data())
    title, xlabel, ylabel = _axes_labels(fig)[0]
    assert title.startswith("Cycle time per step against takt") and xlabel and ylabel == "Cycle time (s)"
    texts = _texts(fig)
    assert texts.count("39 s\nOVER TAKT") == 1 and texts.count("46 s\nOVER TAKT") == 1 and "1 s" in texts
    assert "Takt 30 s" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["Stamping", "Welding", r"$\foo$"]
    assert draw_takt_chart(takt_data()).startswith(PNG)
    svg = to_svg(takt_figure(takt_data()))
    assert b"<!-- 39 s -->" in svg and b"<!-- OVER TAKT -->" in svg and b"<!-- Takt 30 s -->" in svg


def test_takt_chart_without_demand_or_steps_says_so():
    assert "No takt: set the daily demand" in _texts(takt_figure(takt_data(None)))
    empty = takt_figure({**takt_data(), "steps": []})
    assert "No process step has a cycle time yet." in _texts(empty)
    assert draw_takt_chart({**takt_data(), "steps": []}).startswith(PNG)


@pytest.mark.parametrize("largest, day_s, unit", [
    (0, None, "s"), (119, None, "s"), (120, None, "min"), (7_199, None, "min"), (7_200, None, "h"),
    # From two working days on, the axis counts working days: 55,200 s = 2 days of 27,600 s.
    (55_199, 27_600.0, "h"), (55_200, 27_600.0, "working days"), (10_000_000, None, "h"),
])
def test_time_unit_keeps_axes_readable(largest, day_s, unit):
    assert time_unit(largest, day_s)[1] == unit


def test_long_cycle_times_are_shown_in_minutes():
    spec = {"title": "Office", "takt_time_s": 1_800.0, "steps": [
        {"name": "Enter request", "classification": "necessary", "cycle_time_s": 600, "over_takt": False},
        {"name": "Approve", "classification": "waste", "cycle_time_s": 2_400, "over_takt": True}]}
    fig = takt_figure(spec)
    assert _axes_labels(fig)[0][2] == "Cycle time (min)"
    assert [bar.get_height() for bar in fig.axes[0].patches][:2] == [10, 40]


# The waste Pareto ---------------------------------------------------------------------------


def test_pareto_sorts_and_accumulates_to_100_percent():
    # 171,000 s = 6 working days of 27,600 s + 5,400 s (1 h 30 min) -> "6 d 2 h" (half up).
    spec = {"title": "Waste time by type: Stamped brackets", "day_s": 27_600.0,
            "waste_time_by_type": [["inventory", 171_000.0], ["waiting", 7_200.0], ["motion", 1_800.0]]}
    fig = pareto_figure(spec)
    bars_ax, line_ax = fig.axes
    assert bars_ax.get_title(loc="left") == "Waste time by type: Stamped brackets"
    assert bars_ax.get_xlabel().startswith("Waste type")
    assert bars_ax.get_ylabel().endswith("(working days)")
    assert line_ax.get_ylabel() == "Cumulative share of waste time (%)"
    assert [t.get_text() for t in bars_ax.get_xticklabels()] == [
        "Inventory\n6 d 2 h", "Waiting\n2 h", "Motion\n30 min"]
    shares = list(line_ax.lines[0].get_ydata())
    assert shares == pytest.approx([171_000 / 1_800, 178_200 / 1_800, 100.0])
    assert {"95 %", "99 %", "100 %"} <= set(_texts(fig))
    assert draw_waste_pareto(spec).startswith(PNG)
    svg = to_svg(pareto_figure(spec))
    assert b"<!-- Inventory -->" in svg and b"<!-- 6 d 2 h -->" in svg


def test_pareto_without_waste_says_so():
    fig = pareto_figure({"title": "Waste time by type: Clean", "waste_time_by_type": []})
    assert "No time is tagged with a waste type yet." in _texts(fig)


# Staleness -----------------------------------------------------------------------------------


@pytest.mark.parametrize("walked, stale, label", [
    (None, True, "never walked"),
    (date(2026, 11, 23), False, "walked today"),
    (date(2026, 8, 25), False, "walked 90 days ago"),
    (date(2026, 8, 24), True, "stale: walked 91 days ago"),
])
def test_map_staleness(walked, stale, label):
    staleness = map_staleness(walked, date(2026, 11, 23), 90)
    assert staleness.stale is stale and staleness.label == label


def test_takt_chart_draws_the_effective_cycle_time_over_the_bar():
    # 50 s at 80 % uptime runs 62.5 s effective: over a 60 s takt although its bar is below the line.
    spec = {"title": "Press", "takt_time_s": 60.0, "steps": [
        {"name": "Stamping", "classification": "necessary", "cycle_time_s": 50, "effective_cycle_time_s": 62.5,
         "over_takt": True}]}
    fig = takt_figure(spec)
    heights = [bar.get_height() for bar in fig.axes[0].patches]
    assert heights[:2] == [50, 62.5]
    assert "50 s\neffective 1 min 3 s\nOVER TAKT" in _texts(fig)
    assert "Effective C/T (C/T ÷ uptime)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
