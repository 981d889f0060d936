"""Ulwick's opportunity score for desired outcomes, from survey figures or raw answers.

Importance and satisfaction are on 0-10: the functions here refuse anything else (ValueError), and
``on_scale`` lets a caller skip a rating stored out of range before scoring it. Raw survey answers
are on 1-5 and become a 0-10 figure by top-two-box: ten times the share of answers that are 4 or 5.
An outcome is underserved when its opportunity reaches the threshold and its importance exceeds its
satisfaction (Ulwick: people find it important and are not satisfied).
Figures stay exact floats; callers round them for display.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

ANSWER_RANGE = range(1, 6)
TOP_TWO = (4, 5)
STATUSES = ("unrated", "underserved", "overserved", "served")
SCALE = (0.0, 10.0)
BANDS = ("extreme", "high", "underserved")


@dataclass(frozen=True)
class OpportunityThresholds:
    """Opportunity scores at which an outcome counts as underserved, high and extreme."""

    underserved: float = 10.0
    high: float = 12.0
    extreme: float = 15.0


DEFAULT_THRESHOLDS = OpportunityThresholds()


def on_scale(value: float | None) -> bool:
    """Tell whether a rating figure is a number on the 0-10 scale."""
    return value is not None and math.isfinite(value) and SCALE[0] <= value <= SCALE[1]


def _check_scale(**figures: float) -> None:
    """Refuse importance or satisfaction outside 0-10 (or not a number)."""
    for name, value in figures.items():
        if not on_scale(value):
            raise ValueError(f"{name} {value!r} is not on the 0-10 scale")


def opportunity_score(importance: float, satisfaction: float) -> float:
    """Return Ulwick's opportunity score: importance + max(importance - satisfaction, 0)."""
    _check_scale(importance=importance, satisfaction=satisfaction)
    return importance + max(importance - satisfaction, 0.0)


def top_two_box(answers: Sequence[int]) -> float:
    """Return 10 x the share of 1-5 answers that are 4 or 5; reject empty or out-of-range."""
    if not answers:
        raise ValueError("top-two-box needs at least one answer")
    for answer in answers:
        if answer not in ANSWER_RANGE:
            raise ValueError(f"answer {answer!r} is not on the 1-5 scale")
    top = sum(1 for answer in answers if answer in TOP_TWO)
    return 10.0 * top / len(answers)


def scores_from_responses(responses: Sequence[tuple[int, int]]) -> tuple[float, float, int]:
    """Return (importance, satisfaction, respondents) from (importance, satisfaction) answers."""
    importance = top_two_box([pair[0] for pair in responses])
    satisfaction = top_two_box([pair[1] for pair in responses])
    return importance, satisfaction, len(responses)


def outcome_status(
    importance: float | None,
    satisfaction: float | None,
    thresholds: OpportunityThresholds = DEFAULT_THRESHOLDS,
) -> str:
    """Classify an outcome as unrated, underserved, overserved or served."""
    if importance is None or satisfaction is None:
        return "unrated"
    if opportunity_score(importance, satisfaction) >= thresholds.underserved and importance > satisfaction:
        return "underserved"
    if satisfaction > importance:
        return "overserved"
    return "served"


def opportunity_band(
    score: float | None, thresholds: OpportunityThresholds = DEFAULT_THRESHOLDS
) -> str | None:
    """Name the band of an opportunity score: extreme, high, underserved or None."""
    if score is None:
        return None
    if score > thresholds.extreme:
        return "extreme"
    if score >= thresholds.high:
        return "high"
    if score >= thresholds.underserved:
        return "underserved"
    return None


class OutcomeScore(NamedTuple):
    """An outcome's opportunity, status and band from one rating; ``off_scale`` when it was skipped.

    A named tuple (immutable, and quick to make for thousands of outcomes per view).
    """

    opportunity: float | None
    status: str
    band: str | None
    off_scale: bool = False


def score_outcome(
    importance: float | None,
    satisfaction: float | None,
    thresholds: OpportunityThresholds = DEFAULT_THRESHOLDS,
) -> OutcomeScore:
    """Score a rating; one stored outside 0-10 is skipped (unrated, ``off_scale``), never raised on."""
    if importance is None or satisfaction is None:
        return UNRATED
    if not (on_scale(importance) and on_scale(satisfaction)):
        return OFF_SCALE
    # As opportunity_score, outcome_status and opportunity_band, on figures already checked: a page
    # scores every segment of thousands of outcomes.
    score = importance + max(importance - satisfaction, 0.0)
    if score >= thresholds.underserved and importance > satisfaction:
        return OutcomeScore(score, "underserved", opportunity_band(score, thresholds))
    return OutcomeScore(score, "overserved" if satisfaction > importance else "served", None)


UNRATED = OutcomeScore(None, "unrated", None)
OFF_SCALE = OutcomeScore(None, "unrated", None, off_scale=True)
