"""Opportunity per segment: the figure for all segments, how it was combined, and the call-outs."""

from datetime import date

import pytest

from lms.lean.opportunity import OpportunityThresholds
from lms.lean.segments import (
    SegmentRating,
    callout_message,
    combine_segments,
    underserved_segments,
)

DAY = date(2026, 3, 1)
LATER = date(2026, 5, 1)


def rating(segment, importance, satisfaction, respondents, rated_on=DAY) -> SegmentRating:
    return SegmentRating(segment, importance, satisfaction, respondents, rated_on)


# Each case: the newest rating of each segment -> (importance, satisfaction, opportunity, weighting)
# of the figure for all segments, and the segments called out.
CASES = {
    # The example. Homeowners 120 respondents (8.0, 7.2), new customers 30 (8.9, 4.7).
    # I = (8.0*120 + 8.9*30) / 150 = (960 + 267) / 150 = 8.18
    # S = (7.2*120 + 4.7*30) / 150 = (864 + 141) / 150 = 6.70
    # opportunity = 8.18 + (8.18 - 6.70) = 9.66: not underserved.
    # New customers: 8.9 + (8.9 - 4.7) = 13.1, underserved, 3.44 above: called out.
    "a small segment underserved where the average is not": (
        [rating("Homeowners", 8.0, 7.2, 120), rating("New customers", 8.9, 4.7, 30)],
        (8.18, 6.70, 9.66, "respondents"), ["New customers"]),
    # A count is missing: equal weights, and the note says so. I = (8 + 6) / 2 = 7, S = (4 + 6) / 2 = 5,
    # opportunity 7 + 2 = 9. Walk-ins: 8 + 4 = 12, 3 above: called out.
    "equal weights when a respondent count is missing": (
        [rating("Walk-ins", 8.0, 4.0, None), rating("Members", 6.0, 6.0, 50)],
        (7.0, 5.0, 9.0, "equal"), ["Walk-ins"]),
    # One group: its newest rating is the figure, whatever it names.
    "one group is its own figure": (
        [rating(None, 7.0, 3.0, None)], (7.0, 3.0, 11.0, "single"), []),
    # Both underserved: A 9 + 6 = 15, B 8 + 3 = 11; all: I 8.5, S 4, 8.5 + 4.5 = 13 is underserved
    # itself, so no segment is underserved "where others are not".
    "no call-out when the average is underserved too": (
        [rating("A", 9.0, 3.0, 100), rating("B", 8.0, 5.0, 100)], (8.5, 4.0, 13.0, "respondents"), []),
    # A: 7 + 3.1 = 10.1 (underserved); B: 7 + 2.4 = 9.4; all: I 7, S 4.25, 7 + 2.75 = 9.75.
    # A crosses the threshold but is only 0.35 above: not a strong difference.
    "crossing the threshold by a little is not enough": (
        [rating("A", 7.0, 3.9, 50), rating("B", 7.0, 4.6, 50)], (7.0, 4.25, 9.75, "respondents"), []),
    # A: 5 + 3 = 8; B: 3 + 0 = 3; all: I (50 + 270) / 100 = 3.2, S (20 + 270) / 100 = 2.9,
    # 3.2 + 0.3 = 3.5. A is 4.5 above but not underserved: no call-out.
    "a large difference below the threshold is not a call-out": (
        [rating("A", 5.0, 2.0, 10), rating("B", 3.0, 3.0, 90)], (3.2, 2.9, 3.5, "respondents"), []),
    # Ratings naming no segment are a group of their own: I (6*300 + 9*100) / 400 = 6.75,
    # S (6*300 + 4*100) / 400 = 5.5, 6.75 + 1.25 = 8.0. Pilot: 9 + 5 = 14, called out.
    "ratings with no segment count as their own group": (
        [rating(None, 6.0, 6.0, 300), rating("Pilot", 9.0, 4.0, 100)], (6.75, 5.5, 8.0, "respondents"),
        ["Pilot"]),
    # The group that names no segment is not a segment to call out: None 9 + 5 = 14; all 8.0 as above.
    "the unsegmented group is never called out": (
        [rating(None, 9.0, 4.0, 100), rating("Pilot", 6.0, 6.0, 300)], (6.75, 5.5, 8.0, "respondents"), []),
    # A rating off the 0-10 scale is left out: B alone is the figure (7 + 4 = 11).
    "a rating off the scale is left out": (
        [rating("A", 12.0, 3.0, 100), rating("B", 7.0, 3.0, 100)], (7.0, 3.0, 11.0, "single"), []),
    # Three segments, two called out, largest first. all: I (9*10 + 9*20 + 5*170) / 200 = 5.6,
    # S (3*10 + 4*20 + 5*170) / 200 = 4.8, 5.6 + 0.8 = 6.4. X: 9 + 6 = 15; Y: 9 + 5 = 14; Z: 5.
    "several segments, the largest opportunity first": (
        [rating("Y", 9.0, 4.0, 20), rating("Z", 5.0, 5.0, 170), rating("X", 9.0, 3.0, 10)],
        (5.6, 4.8, 6.4, "respondents"), ["X", "Y"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_combine_and_call_out(name: str) -> None:
    latest, (importance, satisfaction, opportunity, weighting), called = CASES[name]
    combined = combine_segments(latest)
    assert combined.importance == pytest.approx(importance)
    assert combined.satisfaction == pytest.approx(satisfaction)
    assert combined.opportunity == pytest.approx(opportunity)
    assert combined.weighting == weighting
    assert [s.segment for s in underserved_segments(combined)] == called


def test_the_note_says_how_the_figure_was_combined() -> None:
    weighted = combine_segments([rating("Homeowners", 8.0, 7.2, 120), rating("New customers", 8.9, 4.7, 30)])
    assert weighted.note == "Weighted by respondents (150 in 2 segments)." and weighted.respondents == 150
    equal = combine_segments([rating("Walk-ins", 8.0, 4.0, None), rating(None, 6.0, 6.0, None),
                              rating("Members", 6.0, 6.0, 50)])
    assert equal.note == "Equal weights: no respondent count for Walk-ins, No segment."
    assert equal.respondents is None
    skipped = combine_segments([rating("A", 12.0, 3.0, 100), rating("B", 7.0, 3.0, 100)])
    assert skipped.note == "Leaves out A: newest rating off the 0–10 scale."
    single = combine_segments([rating("A", 7.0, 3.0, 40)])
    assert single.note == "" and single.respondents == 40


def test_no_rating_and_every_rating_off_the_scale() -> None:
    assert combine_segments([]).weighting == "unrated"
    assert (combine_segments([]).opportunity, combine_segments([]).status) == (None, "unrated")
    both = combine_segments([rating("A", 12.0, 3.0, 100), rating("B", 7.0, -1.0, 100, LATER)])
    assert (both.importance, both.weighting, both.rated_on) == (None, "unrated", LATER)
    assert "every segment" in both.note and underserved_segments(both) == []
    # One group off the scale keeps its figures, unscored, as an outcome's only rating always did.
    alone = combine_segments([rating(None, 12.0, 3.0, None)])
    assert (alone.importance, alone.segments[0].off_scale) == (12.0, True)
    assert (alone.opportunity, alone.status, alone.off_scale) == (None, "unrated", True)


def test_segments_are_listed_by_name_with_the_unsegmented_group_last_and_dated_by_the_newest() -> None:
    combined = combine_segments([rating(None, 5.0, 5.0, 10), rating("b", 5.0, 5.0, 10, LATER),
                                 rating("A", 5.0, 5.0, 10)])
    assert [s.label for s in combined.segments] == ["A", "b", "No segment"]
    assert combined.rated_on == LATER
    assert combined.segment("b").rated_on == LATER and combined.segment("c") is None


def test_thresholds_and_gap_are_settings() -> None:
    latest = [rating("Homeowners", 8.0, 7.2, 120), rating("New customers", 8.9, 4.7, 30)]
    # With the underserved threshold at 14, new customers (13.1) are not underserved.
    assert underserved_segments(combine_segments(latest, OpportunityThresholds(underserved=14.0))) == []
    # The difference is 3.44: a gap of 4 points asks for more.
    assert underserved_segments(combine_segments(latest), gap=4.0) == []


def test_callout_message() -> None:
    assert callout_message("New customers", "Minimize the time it takes to get a repair date", 13.1, 9.66) == (
        "New customers are underserved on “Minimize the time it takes to get a repair date” "
        "(opportunity 13.1 vs 9.7 overall)")
