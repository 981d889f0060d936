"""The opportunity landscape: regions by the opportunity score, words not colour alone, alt text."""

from __future__ import annotations

import numpy as np
import pytest

from lms.charts.landscape import (
    _place_labels,
    _satisfaction_limit,
    describe_landscape,
    draw_landscape,
    landscape_figure,
    short_statement,
)
from lms.lean.opportunity import opportunity_score

SPEC = {
    "title": "Opportunity landscape — Household",
    "underserved": 10.0, "high": 12.0, "extreme": 15.0,
    "points": [
        {"id": 1, "label": "Minimize the time it takes to pay a bill", "importance": 9.0, "satisfaction": 2.0,
         "status": "underserved"},
        {"id": 2, "label": "Maximize the likelihood of approval", "importance": 4.0, "satisfaction": 8.0,
         "status": "overserved"},
        {"id": 3, "label": r"Cost in $ per \frac{a}{b}", "importance": 6.0, "satisfaction": 5.0,
         "status": "served"},
    ],
}


@pytest.mark.parametrize("threshold", [8.0, 10.0, 12.0, 15.0])
def test_shaded_underserved_region_is_exactly_where_the_opportunity_score_reaches_the_threshold(threshold):
    grid = np.linspace(0, 10, 101)
    limits = _satisfaction_limit(grid, threshold)
    for importance, limit in zip(grid, limits, strict=True):
        for satisfaction in np.linspace(0, 10, 41):
            inside = satisfaction <= limit + 1e-9
            assert inside == (opportunity_score(importance, satisfaction) >= threshold - 1e-9), \
                (importance, satisfaction)


def test_landscape_has_title_axis_labels_and_region_labels_in_words():
    ax = landscape_figure(SPEC).axes[0]
    assert ax.get_title(loc="left") == "Opportunity landscape — Household"
    assert ax.get_xlabel().startswith("Importance") and ax.get_ylabel().startswith("Satisfaction")
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "UNDERSERVED" in texts and "opportunity ≥ 10" in texts
    assert "OVERSERVED" in texts and "satisfaction > importance" in texts
    assert "high ≥ 12" in texts and "extreme ≥ 15" in texts
    labels = [" ".join(a.get_text().split()) for a in ax.texts if a.get_text().startswith(("Min.", "Max.", "Cost"))]
    assert labels == ["Min. time to pay a bill", "Max. likelihood of approval", r"Cost in $ per \frac{a}{b}"]
    # Each status has its own marker shape and a legend entry: not colour alone.
    markers = {c.get_label(): c.get_paths()[0].vertices.shape[0] for c in ax.collections if c.get_label() in
               ("Underserved", "Served", "Overserved")}
    assert set(markers) == {"Underserved", "Served", "Overserved"} and len(set(markers.values())) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Underserved", "Served", "Overserved"]
    assert ax.get_xlim()[0] < 0 < 10 < ax.get_xlim()[1]


def test_png_of_math_like_labels_and_of_an_empty_landscape():
    assert draw_landscape(SPEC).startswith(b"\x89PNG")
    empty = landscape_figure({"title": "Nothing rated", "underserved": 10, "high": 12, "extreme": 15,
                              "points": []}).axes[0]
    assert any("No rated outcomes yet" in t.get_text() for t in empty.texts)
    assert draw_landscape({"title": "Nothing rated", "points": []}).startswith(b"\x89PNG")


@pytest.mark.parametrize(("statement", "label"), [
    ("Minimize the time it takes to pay a bill", "Min. time to pay a bill"),
    ("Minimize the likelihood that a bill is paid late", "Min. likelihood that a bill is paid late"),
    ("Maximize the number of attendees who sign up", "Max. number of attendees who sign up"),
    ("Maximize the credit score reached within a year", "Max. credit score reached within a year"),
    ("A bill is paid on time", "A bill is paid on time"),
    ("Minimize the time it takes to reconcile every account across all of the branches",
     "Min. time to reconcile every account across all of the branches"),
    ("Minimize the time it takes to reconcile every account across all of the branches of the bank in "
     "every country", "Min. time to reconcile every account across all of the branches of the…"),
])
def test_points_are_labelled_with_a_short_statement(statement, label):
    lines = short_statement(statement).split("\n")
    assert " ".join(lines) == label  # wrapped, not cut (issue 15): only past three lines is there a "…"
    assert len(lines) <= 3 and all(len(line) <= 26 for line in lines)


def test_labels_of_close_points_do_not_overlap():
    points = [{"importance": 9.0, "satisfaction": 3.0}, {"importance": 9.0, "satisfaction": 3.0},
              {"importance": 8.8, "satisfaction": 3.1}]
    placements = _place_labels(points, ["Minimize the time to pay"] * 3)
    assert len(set(placements)) == 3
    # Near the right edge the label goes to the left of its point.
    assert _place_labels([{"importance": 10.0, "satisfaction": 5.0}], ["A long label here"])[0][2] == "right"


def test_alt_text_names_the_outcomes_by_status_highest_opportunity_first():
    text = describe_landscape(SPEC)
    assert text.startswith("Opportunity landscape — Household: importance against satisfaction of 3 rated outcomes.")
    assert "Underserved: Minimize the time it takes to pay a bill (importance 9.0, satisfaction 2.0)." in text
    assert "Overserved: Maximize the likelihood of approval" in text
    assert text.index("Underserved") < text.index("Overserved") < text.index("Served:")
    assert describe_landscape({"title": "Empty", "points": []}) == "Empty: no rated outcomes yet."
