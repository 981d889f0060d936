"""Segments of a set of rated outcomes: who rated them, and the segments underserved where others are not.

Read from outcomes already rated by ``lms.customers.queries`` (the newest rating of each segment
comes with every rated outcome), so nothing here issues a statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lms.customers.queries import RatedOutcome
from lms.lean.segments import MAX_SEGMENT, SegmentScore, callout_message, segment_arg

__all__ = ["MAX_SEGMENT", "SegmentCallout", "SegmentSummary", "SegmentTable", "segment_arg",
           "segment_callouts", "segment_summaries", "segment_table"]

TABLE_SEGMENTS = 6  # segment columns of an opportunity-by-segment table


@dataclass(frozen=True)
class SegmentCallout:
    """A segment underserved on an outcome where the figure for all segments is not."""

    outcome_id: int
    job_id: int
    statement: str
    segment: str
    opportunity: float
    overall_opportunity: float
    importance: float
    satisfaction: float
    respondents: int | None

    @property
    def difference(self) -> float:
        """Return how many points the segment's opportunity exceeds the figure for all."""
        return self.opportunity - self.overall_opportunity

    @property
    def message(self) -> str:
        """Say it in a sentence a manager can read."""
        return callout_message(self.segment, self.statement, self.opportunity, self.overall_opportunity)


def segment_callouts(outcomes: Iterable[RatedOutcome]) -> list[SegmentCallout]:
    """Return the call-outs of every outcome, the largest opportunity first."""
    found = [
        SegmentCallout(o.id, o.job_id, o.statement, s.segment, s.opportunity, o.overall_opportunity,
                       s.importance, s.satisfaction, s.respondents)
        for o in outcomes if o.overall_opportunity is not None for s in o.callouts
    ]
    return sorted(found, key=lambda c: (-c.opportunity, c.segment.casefold(), c.outcome_id))


@dataclass(frozen=True)
class SegmentSummary:
    """A segment that rated a set of outcomes: how many it rated and its largest newest wave."""

    segment: str
    outcomes_rated: int
    respondents: int | None  # the largest respondent count of its newest ratings; None when none was given


def segment_summaries(outcomes: Iterable[RatedOutcome]) -> list[SegmentSummary]:
    """Summarize each named segment of the outcomes' newest ratings, by name."""
    rated: dict[str, list[SegmentScore]] = {}
    for outcome in outcomes:
        for score in outcome.segments:
            if score.segment is not None:
                rated.setdefault(score.segment, []).append(score)
    summaries = []
    for name in sorted(rated, key=lambda n: (n.casefold(), n)):
        counts = [s.respondents for s in rated[name] if s.respondents is not None]
        summaries.append(SegmentSummary(name, len(rated[name]), max(counts) if counts else None))
    return summaries


@dataclass(frozen=True)
class SegmentTable:
    """Opportunity by segment: outcomes rated by a named segment, the figure for all and each segment's."""

    segments: list[str]  # the columns, at most TABLE_SEGMENTS
    rows: list[tuple[RatedOutcome, list[SegmentScore | None]]]
    more_segments: int  # segments left out of the columns


def segment_table(outcomes: Iterable[RatedOutcome], names: list[str]) -> SegmentTable:
    """Tabulate the outcomes some named segment rated, the largest opportunity of any segment first."""
    columns = names[:TABLE_SEGMENTS]
    rows = []
    for outcome in outcomes:
        if not any(s.segment is not None for s in outcome.segments):
            continue
        by_name = {s.segment: s for s in outcome.segments}
        rows.append((outcome, [by_name.get(name) for name in columns]))
    rows.sort(key=lambda row: (-max((s.opportunity or 0.0) for s in row[0].segments), row[0].id))
    return SegmentTable(columns, rows, max(0, len(names) - len(columns)))
