"""The review charts: the trend across reviews (PNG) and the A3 page (one-page PDF), from plain specs."""

from __future__ import annotations

import re

import pytest

from lms.charts import a3, review_trend


def _a3_spec(**overrides) -> dict:
    spec = {
        "stream": "Stamped brackets", "kind_label": "Kaizen event", "held_on": "2026-03-02", "status": "closed",
        "facilitator": "Max Manager", "participants": "Olga Owner, Vera Viewer",
        "customer": "Assembly plant (internal)", "job": "Get welded brackets to the assembly line on time",
        "owner": "Olga Owner", "notes": "The welding queue holds five days of coils.",
        "current_caption": "Figures recorded when the review opened.",
        "current_figures": [("Lead time", "6 d 3 h"), ("Processing time", "1 min 26 s"), ("PCE", "0.03 %")],
        "current_wide": [("Steps by tag", "value-adding 3 · necessary 0 · waste 2 · untagged 0")],
        "timeline": [{"position": 1, "name": "Stamping", "processing_s": 1.0, "waiting_s": 0.0, "over_takt": False},
                     {"position": 2, "name": "Coils", "processing_s": 0.0, "waiting_s": 138_000.0,
                      "over_takt": False},
                     {"position": 3, "name": "Welding", "processing_s": 39.0, "waiting_s": 600.0,
                      "over_takt": True}],
        "timeline_caption": "Timeline at opening",
        "findings": [{"text": "Coils wait five days", "waste": "inventory", "step": "Coils"}],
        "actions": [{"title": "Pull coils by kanban", "expected_effect": "−3 days", "owner": "Vera Viewer",
                     "due_on": "2026-04-01", "stage": "do", "overdue": True}],
        "before_label": "At opening", "after_label": "At closing", "results_caption": "Opening against closing.",
        "results": [{"label": "Lead time", "before": "6 d 3 h", "after": "3 d 1 h", "change": "−3 d 2 h",
                     "verdict": "better"}],
        "kpis": [{"name": "Welds per hour", "base": "130", "latest": "150", "change": "+20", "verdict": "better"}],
        "footer": "Stamped brackets · review 1",
    }
    spec.update(overrides)
    return spec


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def test_a3_is_a_single_landscape_a3_page():
    pdf = a3.draw_a3(_a3_spec())
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) == 1
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    width, height = float(box.group(1)), float(box.group(2))
    assert width == pytest.approx(16.54 * 72, abs=1) and height == pytest.approx(11.69 * 72, abs=1)


def test_a3_draws_user_text_as_typed_and_keeps_to_one_page_however_long():
    nasty = r"$\frac{a}{b}$ ^_ \alpha $$ {unbalanced"
    spec = _a3_spec(
        stream=nasty * 5, notes=(nasty + " ") * 400, participants=", ".join(f"Person {n}" for n in range(80)),
        findings=[{"text": f"{nasty} finding {n} " * 30, "waste": "waiting", "step": nasty} for n in range(60)],
        actions=[{"title": nasty * 20, "expected_effect": nasty, "owner": nasty, "due_on": "2026-01-01",
                  "stage": "check", "overdue": n % 2 == 0} for n in range(60)],
        timeline=[{"position": n, "name": nasty, "processing_s": n * 10.0, "waiting_s": n * 1000.0,
                   "over_takt": n % 3 == 0} for n in range(1, 40)],
        results=[{"label": nasty, "before": "1", "after": "2", "change": "+1", "verdict": "worse"}] * 40,
    )
    pdf = a3.draw_a3(spec)
    assert pdf.startswith(b"%PDF") and _pages(pdf) == 1


def test_a3_with_nothing_recorded():
    pdf = a3.draw_a3(_a3_spec(findings=[], actions=[], timeline=[], kpis=[], notes="", results=[]))
    assert _pages(pdf) == 1


@pytest.mark.parametrize(("text", "max_lines", "expected"), [
    ("short", 3, ["short"]),
    ("word " * 200, 2, 2),
    ("line one\nline two\nline three", 2, 2),
    ("", 3, []),
])
def test_wrap_keeps_to_the_lines_it_is_given(text, max_lines, expected):
    lines = a3.wrap(text, 200, 8.5, max_lines)
    if isinstance(expected, int):
        assert len(lines) == expected and lines[-1].endswith("…")
    else:
        assert lines == expected
    assert all(len(line) <= int(200 / (8.5 * a3.CHAR)) for line in lines)


def test_fit_cuts_one_line_with_an_ellipsis():
    assert a3.fit("short", 200, 8.5) == "short"
    cut = a3.fit("x" * 500, 100, 8.5)
    assert cut.endswith("…") and len(cut) == int(100 / (8.5 * a3.CHAR))


def _trend_spec(points):
    return {"stream": "Stamped brackets", "points": points}


def test_trend_chart_is_a_png_with_two_axes():
    points = [{"review_id": 1, "moment": "open", "day": "2026-01-10", "lead_time_days": 6.1, "pce": 0.0003},
              {"review_id": 1, "moment": "close", "day": "2026-01-12", "lead_time_days": 3.0, "pce": 0.001},
              {"review_id": 2, "moment": "open", "day": "2026-04-02", "lead_time_days": 3.2, "pce": None}]
    png = review_trend.draw_review_trend(_trend_spec(points))
    assert png.startswith(b"\x89PNG")
    text = review_trend.describe_review_trend(_trend_spec(points))
    assert "2026-01-10 (opening): lead time 6.1 working days, PCE 0.0 %" in text
    assert "2026-04-02 (opening): lead time 3.2 working days, PCE —" in text


def test_trend_chart_with_one_or_no_snapshot():
    one = [{"review_id": 1, "moment": "open", "day": "2026-01-10", "lead_time_days": 6.1, "pce": 0.2}]
    assert review_trend.draw_review_trend(_trend_spec(one)).startswith(b"\x89PNG")
    assert review_trend.draw_review_trend(_trend_spec([])).startswith(b"\x89PNG")
    assert "has recorded its figures yet" in review_trend.describe_review_trend(_trend_spec([]))


def test_chart_modules_use_no_pyplot():
    for module in (a3, review_trend):
        with open(module.__file__, encoding="utf-8") as handle:
            source = handle.read()
        assert "pyplot" not in source and "parse_math=True" not in source


@pytest.mark.parametrize("before, after, kind, expected", [
    pytest.param(0.102, 0.1064, "ratio", "+0.44 pp", id="a PCE change in points, not percent"),
    pytest.param(0.30, 0.25, "ratio", "−5.0 pp", id="a fall of five points"),
    pytest.param(3600.0, 1800.0, "duration", "−30 min", id="a duration keeps its unit"),
    # 27,600 s -> 82,800 s on a 7 h 40 min day: +55,200 s = +2 working days (15 h 20 min).
    pytest.param(27_600.0, 82_800.0, "duration", "+2 d", id="a duration in working days"),
    pytest.param(0.2, 0.2, "ratio", "0", id="no change"),
    pytest.param(None, 0.2, "ratio", "—", id="unknown before"),
])
def test_figure_changes_are_written_in_their_own_units(before, after, kind, expected):
    from lms.reviews.change_queries import FigureMove
    from lms.reviews.chart_data import show_change

    assert show_change(FigureMove("figure", kind, before, after), 27_600.0) == expected


@pytest.mark.parametrize("unit, expected", [
    # Issue 14, item 8: a KPI measured in % moves in percentage points: 91.5 % -> 92.0 % = +0.5 pp.
    pytest.param("%", "+0.5 pp", id="a percentage moves in points"),
    pytest.param("repairs", "+0.50", id="other units keep their own"),
])
def test_a_kpi_in_percent_moves_in_points(unit, expected):
    from datetime import date
    from types import SimpleNamespace

    from lms.reviews.change_queries import KpiMovement
    from lms.reviews.chart_data import kpi_change

    kpi = SimpleNamespace(unit=unit, direction="increase")
    movement = KpiMovement(kpi, date(2026, 11, 2), 91.5, date(2026, 11, 20), 92.0, None)
    assert kpi_change(movement) == expected
