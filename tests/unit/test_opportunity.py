"""Ulwick's opportunity score, top-two-box and the status and band of an outcome."""

import pytest

from lms.lean.opportunity import (
    OpportunityThresholds,
    opportunity_band,
    opportunity_score,
    outcome_status,
    scores_from_responses,
    top_two_box,
)


@pytest.mark.parametrize(
    ("importance", "satisfaction", "expected"),
    [
        (8.0, 3.0, 13.0),  # 8 + (8 - 3)
        (8.0, 9.0, 8.0),  # overserved: the gap never lowers the score, 8 + 0
        (5.0, 5.0, 5.0),  # 5 + 0
        (10.0, 0.0, 20.0),  # the ceiling: 10 + 10
        (0.0, 10.0, 0.0),  # the floor
        (7.5, 5.25, 9.75),  # exact floats kept: 7.5 + 2.25
    ],
)
def test_opportunity_score(importance: float, satisfaction: float, expected: float) -> None:
    assert opportunity_score(importance, satisfaction) == expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([5, 4, 3, 2, 1], 4.0),  # 2 of 5 in the top two boxes: 10 x 2/5
        ([5, 5, 4, 4], 10.0),  # 4 of 4
        ([1, 2, 3], 0.0),  # 0 of 3
        ([4], 10.0),
        ([3, 4, 5], 10 * 2 / 3),  # exact, not rounded to 6.67
    ],
)
def test_top_two_box(answers: list[int], expected: float) -> None:
    assert top_two_box(answers) == pytest.approx(expected)


@pytest.mark.parametrize("answers", [[], [0], [6], [4, 5, 7], [-1], [4.5]])
def test_top_two_box_rejects_empty_and_out_of_range(answers: list[int]) -> None:
    with pytest.raises(ValueError):
        top_two_box(answers)


def test_scores_from_responses() -> None:
    # importance answers 5, 4, 5, 2 -> 3 of 4 top-two -> 7.5
    # satisfaction answers 2, 3, 4, 5 -> 2 of 4 top-two -> 5.0
    responses = [(5, 2), (4, 3), (5, 4), (2, 5)]
    assert scores_from_responses(responses) == (7.5, 5.0, 4)


def test_scores_from_responses_rejects_no_respondents() -> None:
    with pytest.raises(ValueError):
        scores_from_responses([])


@pytest.mark.parametrize(
    ("importance", "satisfaction", "expected"),
    [
        (None, 5.0, "unrated"),
        (5.0, None, "unrated"),
        (None, None, "unrated"),
        (8.0, 3.0, "underserved"),  # 8 + 5 = 13
        (6.0, 2.0, "underserved"),  # 6 + 4 = 10: the threshold itself counts
        (6.0, 2.5, "served"),  # 6 + 3.5 = 9.5
        (5.0, 7.0, "overserved"),  # S > I
        (5.0, 5.0, "served"),  # S = I is not overserved
        # 10 + 0 = 10 reaches the threshold, but nobody is unsatisfied: served (issue 14, item 6)
        (10.0, 10.0, "served"),
        (9.0, 8.0, "underserved"),  # 9 + 1 = 10 and I > S
    ],
)
def test_outcome_status(
    importance: float | None, satisfaction: float | None, expected: str
) -> None:
    assert outcome_status(importance, satisfaction) == expected


def test_outcome_status_uses_the_thresholds_given() -> None:
    strict = OpportunityThresholds(underserved=12.0, high=14.0, extreme=16.0)
    assert outcome_status(6.0, 2.0) == "underserved"  # 10 >= 10
    assert outcome_status(6.0, 2.0, strict) == "served"  # 10 < 12


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (None, None),
        (9.99, None),
        (10.0, "underserved"),
        (11.99, "underserved"),
        (12.0, "high"),
        (15.0, "high"),  # 12-15 is high, both ends included
        (15.01, "extreme"),  # > 15
        (20.0, "extreme"),
    ],
)
def test_opportunity_band(score: float | None, expected: str | None) -> None:
    assert opportunity_band(score) == expected


def test_opportunity_band_uses_the_thresholds_given() -> None:
    lenient = OpportunityThresholds(underserved=8.0, high=10.0, extreme=12.0)
    assert opportunity_band(9.0, lenient) == "underserved"
    assert opportunity_band(12.5, lenient) == "extreme"
