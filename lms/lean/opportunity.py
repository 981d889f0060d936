"""Ulwick's opportunity score for desired outcomes, from survey figures or raw answers.

Importance and satisfaction are on 0-10. Raw survey answers are on 1-5 and become a
0-10 figure by top-two-box: ten times the share of answers that are 4 or 5.
Figures stay exact floats; callers round them for display.
"""

from collections.abc import Sequence
from dataclasses import dataclass

ANSWER_RANGE = range(1, 6)
TOP_TWO = (4, 5)
STATUSES = ("unrated", "underserved", "overserved", "served")
BANDS = ("extreme", "high", "underserved")


@dataclass(frozen=True)
class OpportunityThresholds:
    """Opportunity scores at which an outcome counts as underserved, high and extreme."""

    underserved: float = 10.0
    high: float = 12.0
    extreme: float = 15.0


DEFAULT_THRESHOLDS = OpportunityThresholds()


def opportunity_score(importance: float, satisfaction: float) -> float:
    """Return Ulwick's opportunity score: importance + max(importance - satisfaction, 0)."""
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
    if opportunity_score(importance, satisfaction) >= thresholds.underserved:
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
