"""Satisfaction changes with their uncertainty: sampling error, the minimum meaningful change, segments.

Satisfaction S (0-10) is ten times a top-two-box share p = S / 10; with n respondents its standard
error is 10 x sqrt(p (1 - p) / n), and a change between two waves carries a 95 % margin of
1.96 x sqrt(SE1² + SE2²).
"""

from datetime import date, timedelta

import pytest

from lms.lean.drift_outcomes import (
    SatisfactionPoint,
    Wave,
    change_margin,
    judge_move,
    outcome_change,
    pool,
    respondents_to_settle,
    segment_changes,
    share_standard_error,
)

START = date(2026, 1, 1)


def day(x: int) -> date:
    return START + timedelta(days=x)


def rating(x: int, satisfaction: float, respondents: int | None = None, segment: str | None = None):
    return SatisfactionPoint(day(x), satisfaction, respondents, segment)


@pytest.mark.parametrize(
    ("satisfaction", "respondents", "expected"),
    [
        (5.0, 100, 0.5),  # p = 0.5: 10 x sqrt(0.25 / 100) = 10 x 0.05
        (4.5, 21, 1.0856),  # 10 x sqrt(0.45 x 0.55 / 21) = 10 x sqrt(0.011786)
        (3.3, 22, 1.0025),  # 10 x sqrt(0.33 x 0.67 / 22) = 10 x sqrt(0.010050)
        (6.0, 100, 0.4899),  # 10 x sqrt(0.24 / 100)
        # Unanimous: p = 1 counts half an answer off, 1 - 0.5/50 = 0.99: 10 x sqrt(0.0099 / 50)
        (10.0, 50, 0.14071),
        (0.0, 4, 1.6536),  # p = 0.5/4 = 0.125: 10 x sqrt(0.109375 / 4)
    ],
)
def test_share_standard_error(satisfaction: float, respondents: int, expected: float) -> None:
    assert share_standard_error(satisfaction, respondents) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # The demo's pump outcome: 1.96 x sqrt(1.0856² + 1.0025²) = 1.96 x 1.4777 = 2.896
        ((4.5, 21), (3.3, 22), 2.8963),
        # Ten times the respondents: the margin shrinks by sqrt(10) to 0.916
        ((4.5, 210), (3.3, 220), 0.9159),
        ((5.0, 100), (6.0, 100), 1.372),  # 1.96 x sqrt(0.25 + 0.24) = 1.96 x 0.7
        ((7.0, 20), (4.0, 20), 2.94),  # 1.96 x sqrt(0.105 + 0.12) x 10 / 10 = 1.96 x 1.5
        ((7.0, None), (4.0, 20), None),  # a wave without a count: no sampling error to state
    ],
)
def test_change_margin(before, after, expected) -> None:
    margin = change_margin(Wave(day(10), *before), Wave(day(170), *after))
    assert margin == (None if expected is None else pytest.approx(expected, abs=1e-4))


@pytest.mark.parametrize(
    ("change", "margin", "minimum", "move"),
    [
        (0.6, None, 0.5, "improved"),  # no counts: at least the 0.5-point minimum counts
        (0.5, None, 0.5, "improved"),  # exactly the minimum is a change
        (5.0 - 4.5, None, 0.5, "improved"),
        (0.49, None, 0.5, "steady"),  # under the minimum: no change
        (0.01, None, 0.5, "steady"),  # the +0.01 that used to clear a KPI
        (-0.5, None, 0.5, "worse"),
        (3.3 - 3.8, None, 0.5, "worse"),  # -0.5000000000000004 in floats: still the minimum
        (-2.0, None, 2.5, "steady"),  # a 2.5-point minimum swallows -2.0
        (-1.2, 2.9, 0.5, "unsettled"),  # [-4.1, +1.7]: could be a loss, no change or a gain
        (-1.2, 0.9, 0.5, "worse"),  # [-2.1, -0.3]: a loss beyond the noise
        (1.5, 0.9, 0.5, "improved"),  # [+0.6, +2.4]
        (0.2, 0.25, 0.5, "steady"),  # [-0.05, +0.45]: no meaningful change either way
        (0.3, 0.25, 0.5, "unsettled"),  # [+0.05, +0.55]: might be a meaningful gain
        (0.6, 0.7, 0.5, "unsettled"),  # [-0.1, +1.3]
        (0.0, None, 0.0, "steady"),  # with no minimum, no change is still no change
    ],
)
def test_judge_move(change: float, margin: float | None, minimum: float, move: str) -> None:
    assert judge_move(change, margin, minimum) == move


def test_pool_weighs_a_days_ratings_by_respondents_when_all_have_counts() -> None:
    # (5.0 x 10 + 8.0 x 30) / 40 = 290 / 40 = 7.25 from 40 respondents
    assert pool([rating(10, 5.0, 10), rating(10, 8.0, 30)]) == Wave(day(10), 7.25, 40)
    # One without a count: the plain mean, and no count to speak of
    assert pool([rating(10, 5.0, 10), rating(10, 8.0)]) == Wave(day(10), 6.5, None)


# Segment A: 5.0 -> 6.0 with 100 respondents each wave; segment B: 7.0 -> 4.0 with 20.
TWO_SEGMENTS = [rating(10, 5.0, 100, "A"), rating(170, 6.0, 100, "A"),
                rating(20, 7.0, 20, "B"), rating(160, 4.0, 20, "B")]


def test_changes_are_read_within_each_segment() -> None:
    changes = segment_changes(TWO_SEGMENTS, 0.5)
    # A: +1.0 ± 1.372 -> [-0.37, +2.37]: unsettled. B: -3.0 ± 2.94 -> [-5.94, -0.06]: worse.
    assert {s: (round(c.change, 6), round(c.margin or 0, 3), c.move) for s, c in changes.items()} == {
        "A": (1.0, 1.372, "unsettled"), "B": (-3.0, 2.94, "worse")}


def test_the_segment_with_most_respondents_speaks_for_the_outcome_unless_one_is_asked_for() -> None:
    chosen = outcome_change(TWO_SEGMENTS, 0.5)
    assert chosen is not None and (chosen.segment, chosen.move) == ("A", "unsettled")  # 200 > 40 respondents
    asked = outcome_change(TWO_SEGMENTS, 0.5, segment="B")
    assert asked is not None and (asked.segment, asked.change) == ("B", -3.0)
    assert outcome_change(TWO_SEGMENTS, 0.5, segment="C") is None


def test_two_waves_of_different_segments_are_no_change() -> None:
    # Once by segment A, once by B: comparing them would read other customers as a change of heart.
    assert outcome_change([rating(10, 6.0, 30, "A"), rating(170, 4.0, 30, "B")], 0.5) is None


def test_ties_go_to_the_longer_span_then_the_name() -> None:
    ratings = [rating(10, 5.0, None, "B"), rating(170, 6.0, None, "B"),
               rating(50, 5.0, None, "A"), rating(170, 6.0, None, "A"),
               rating(10, 5.0, None, "C"), rating(170, 7.0, None, "C")]
    chosen = outcome_change(ratings, 0.5)
    assert chosen is not None and chosen.segment == "B"  # 160 days, like C; B comes first by name


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # p = 0.33: 2 x 0.33 x 0.67 x (1.96 x 10 / 0.5)² = 0.4422 x 1536.64 = 679.5 -> 680
        ((4.5, 21), (3.3, 22), 680),
        # p = 0.5: 2 x 0.25 x 1536.64 = 768.32 -> 769
        ((4.0, 30), (5.0, 30), 769),
    ],
)
def test_respondents_to_settle(before, after, expected) -> None:
    ratings = [rating(10, before[0], before[1]), rating(170, after[0], after[1])]
    change = outcome_change(ratings, 0.5)
    assert change is not None and respondents_to_settle(change, 0.5) == expected
