"""How far satisfaction with an outcome moved in a drift window, and how sure that move is.

Satisfaction (0-10) is ten times a top-two-box share: the share of respondents answering 4 or 5
on a 1-5 scale. With respondent counts its sampling error is a binomial one, known from the share
and the count alone; the standard error of a mean would need the spread of the answers, which a
rating does not carry. A change between two survey waves is read within one segment, so that a
wave asking other customers cannot pass for a change of heart.

Without respondent counts (a team's own judgement) there is no sampling error: a change smaller
than the organization's minimum meaningful change counts as no change.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from math import ceil, sqrt
from statistics import fmean

Z_95 = 1.96  # a 95 % interval: the change plus or minus 1.96 standard errors
TOLERANCE = 1e-9  # 4.5 -> 5.0 is a 0.5-point change even where floats say 0.4999999999

MOVES = ("improved", "worse", "steady", "unsettled")


@dataclass(frozen=True)
class SatisfactionPoint:
    """One survey wave's satisfaction (0-10) with an outcome, from some respondents of a segment."""

    rated_on: date
    satisfaction: float
    respondents: int | None = None
    segment: str | None = None  # None: the ratings carry no segment (all customers alike)


@dataclass(frozen=True)
class Wave:
    """The ratings of one segment on one day, pooled."""

    rated_on: date
    satisfaction: float
    respondents: int | None  # None unless every pooled rating had a count


@dataclass(frozen=True)
class SatisfactionChange:
    """The move of one segment's satisfaction from its oldest to its newest wave in the window."""

    segment: str | None
    before: Wave
    after: Wave
    change: float  # after - before, in points (0-10)
    margin: float | None  # half-width of the 95 % interval of the change; None without counts
    move: str  # one of MOVES


def share_standard_error(satisfaction: float, respondents: int) -> float:
    """Return the standard error of a 0-10 top-two-box score: 10 x sqrt(p (1 - p) / n).

    A unanimous share (p of 0 or 1) counts half an answer away from it, so that a small wave
    where everyone agreed still carries its uncertainty.
    """
    n = max(respondents, 1)
    p = min(max(satisfaction / 10, 0.5 / n), 1 - 0.5 / n)
    return 10 * sqrt(p * (1 - p) / n)


def change_margin(before: Wave, after: Wave) -> float | None:
    """Return the 95 % half-width of after - before; None unless both waves have counts."""
    if before.respondents is None or after.respondents is None:
        return None
    errors = (share_standard_error(before.satisfaction, before.respondents),
              share_standard_error(after.satisfaction, after.respondents))
    return Z_95 * sqrt(errors[0] ** 2 + errors[1] ** 2)


def judge_move(change: float, margin: float | None, minimum: float) -> str:
    """Say whether a change is an improvement, a loss, no change, or cannot be told from noise.

    improved / worse: at least the minimum meaningful change, and beyond the margin;
    steady: the whole interval lies within the minimum either way (without a margin: the change
    is smaller than the minimum); unsettled: the interval allows a meaningful change and no change.
    """
    spread = margin or 0.0
    if change >= minimum - TOLERANCE and change - spread > 0:
        return "improved"
    if change <= -minimum + TOLERANCE and change + spread < 0:
        return "worse"
    if change - spread > -minimum - TOLERANCE and change + spread < minimum + TOLERANCE:
        return "steady"
    return "unsettled"


def respondents_to_settle(change: SatisfactionChange, minimum: float) -> int | None:
    """Return how many respondents a wave would need for a minimum-sized change to clear the margin."""
    if change.margin is None or minimum <= 0:
        return None
    p = min(max(change.after.satisfaction / 10, 0.05), 0.95)
    return ceil(2 * p * (1 - p) * (Z_95 * 10 / minimum) ** 2)


def pool(ratings: Sequence[SatisfactionPoint]) -> Wave:
    """Pool one day's ratings of one segment: weighted by respondents when all have counts."""
    if len(ratings) == 1:
        only = ratings[0]
        return Wave(only.rated_on, only.satisfaction, only.respondents if only.respondents else None)
    counts = [r.respondents for r in ratings]
    if all(c is not None and c > 0 for c in counts):
        total = sum(c for c in counts if c is not None)
        mean = sum(r.satisfaction * (r.respondents or 0) for r in ratings) / total
        return Wave(ratings[0].rated_on, mean, total)
    return Wave(ratings[0].rated_on, fmean(r.satisfaction for r in ratings), None)


def _day(rating: SatisfactionPoint) -> date:
    """Return the day a rating was made, to sort by."""
    return rating.rated_on


def segment_waves(ratings: Sequence[SatisfactionPoint]) -> dict[str | None, list[Wave]]:
    """Return each segment's waves, oldest first."""
    by_segment: dict[str | None, dict[date, list[SatisfactionPoint]]] = {}
    for rating in ratings:
        by_segment.setdefault(rating.segment, {}).setdefault(rating.rated_on, []).append(rating)
    return {segment: [pool(days[day]) for day in sorted(days)] for segment, days in by_segment.items()}


def _change(segment: str | None, before: Wave, after: Wave, minimum: float) -> SatisfactionChange:
    """Weigh the move from one wave to a later one of the same segment."""
    margin = change_margin(before, after)
    change = after.satisfaction - before.satisfaction
    return SatisfactionChange(segment, before, after, change, margin, judge_move(change, margin, minimum))


def segment_changes(ratings: Sequence[SatisfactionPoint],
                    minimum: float) -> dict[str | None, SatisfactionChange]:
    """Return the change of every segment rated on two days or more: newest minus oldest wave."""
    return {segment: _change(segment, waves[0], waves[-1], minimum)
            for segment, waves in segment_waves(ratings).items() if len(waves) > 1}


def _rank(change: SatisfactionChange) -> tuple[int, int, str]:
    """Rank a segment's change: the most respondents first, then the longest span, then by name."""
    respondents = (change.before.respondents or 0) + (change.after.respondents or 0)
    span = (change.after.rated_on - change.before.rated_on).days
    return -respondents, -span, change.segment or ""


def outcome_change(ratings: Sequence[SatisfactionPoint], minimum: float,
                   segment: str | None = None) -> SatisfactionChange | None:
    """Return an outcome's change within one segment; None if no segment was rated on two days.

    With ``segment`` it is that segment's change; without, the segment with the most respondents
    (the best evidence) speaks for the outcome.
    """
    if segment is not None:
        ratings = [r for r in ratings if r.segment == segment]
    if len(ratings) < 2:
        return None
    first, second = ratings[0], ratings[1]
    if len(ratings) == 2 and first.segment == second.segment and first.rated_on != second.rated_on:
        # The usual case, one segment rated in two waves: nothing to pool.
        oldest, newest = sorted(ratings, key=_day)
        return _change(oldest.segment, pool([oldest]), pool([newest]), minimum)
    changes = segment_changes(ratings, minimum)
    return min(changes.values(), key=_rank) if changes else None
