"""The KPI trend chart: a PNG with two axes, a legend, labels with units, and words for its alt text."""

from __future__ import annotations

from unittest import mock

import pytest

from lms.charts import kpi_trend
from lms.charts.kpi_trend import describe_kpi_trend, draw_kpi_trend

SPEC = {
    "kpi_id": 7, "name": "Calls closed per hour", "unit": "calls/h", "direction": "increase", "target": 12.0,
    "as_of": "2026-06-30", "chart_start": "2025-06-30", "window_start": "2026-01-01", "window_days": 180,
    "points": [["2026-01-31", 10.0], ["2026-03-02", 10.5], ["2026-04-01", 11.0], ["2026-06-30", 12.5]],
    "outcomes": [
        {"id": 1, "statement": "Minimize the time to a correct answer", "points": [["2026-01-11", 6.0],
                                                                                 ["2026-06-20", 4.0]]},
        {"id": 2, "statement": "$\\alpha$ effort to explain", "points": [["2026-02-01", 5.0]]},
        {"id": 3, "statement": "Not rated yet", "points": []},
    ],
}


def _figure_of(spec):
    """Draw the chart and keep the figure, to look at what was drawn."""
    figures = []
    real = kpi_trend.to_png

    def keep(fig):
        figures.append(fig)
        return real(fig)

    with mock.patch.object(kpi_trend, "to_png", keep):
        png = draw_kpi_trend(spec)
    return png, figures[0]


def test_draws_kpi_target_and_outcomes_on_two_axes():
    png, fig = _figure_of(SPEC)
    assert png.startswith(b"\x89PNG")
    left, right = fig.axes
    assert left.get_title(loc="left") == "Calls closed per hour: trend, target and customer satisfaction"
    ylabel = " ".join(left.get_ylabel().split())  # wrapped to the chart's height
    assert left.get_xlabel() == "Date" and "calls/h" in ylabel and "higher is better" in ylabel
    assert right.get_ylabel() == "Customer satisfaction (0–10)" and right.get_ylim() == (0, 10.3)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["Drift window (180 days)", "Calls closed per hour (calls/h)", "Target 12 calls/h",
                      "Satisfaction: Minimize the time to a correct answer",
                      "Satisfaction: $\\alpha$ effort to explain"]
    markers = [line.get_marker() for line in right.get_lines()]
    assert len(set(markers)) == 2 and left.get_lines()[0].get_marker() == "o"


def test_decrease_kpi_says_lower_is_better_and_no_target_no_line():
    spec = SPEC | {"direction": "decrease", "target": None, "unit": ""}
    _, fig = _figure_of(spec)
    assert fig.axes[0].get_ylabel() == "Calls closed per hour, lower is better"
    assert not any(t.get_text().startswith("Target") for t in fig.legends[0].get_texts())


def test_nothing_to_draw_says_so():
    _, fig = _figure_of(SPEC | {"points": [], "outcomes": []})
    assert [t.get_text() for t in fig.axes[0].texts] == ["No measurements or outcome ratings in this period yet."]


@pytest.mark.parametrize(("spec", "expected"), [
    (SPEC, ["Line chart of Calls closed per hour (calls/h) from 2025-06-30 to 2026-06-30",
            "4 measurements, from 10 on 2026-01-31 to 12.5 on 2026-06-30", "target 12 drawn as a dashed line",
            "'Minimize the time to a correct answer': 6.0 on 2026-01-11, 4.0 on 2026-06-20",
            "'Not rated yet' not rated in this period"]),
    (SPEC | {"points": [], "target": None, "outcomes": []}, ["no measurements in this period"]),
])
def test_alt_text_says_what_the_chart_shows(spec, expected):
    text = describe_kpi_trend(spec)
    for part in expected:
        assert part in text
