"""The share of a circumstance measured from the segment its members are recorded under.

Two sources count a segment's members, both as SQL aggregates (``lms.customers.segment_share_queries``):

* the **ratings**: the newest rating of each segment of each outcome of the stack (as the
  opportunity for all segments reads them); among the outcomes the segment rated, its respondents
  over all respondents of those newest ratings. An outcome the segment did not rate says nothing
  of its share (its survey did not ask for the segment), and one whose newest ratings lack a
  respondent count cannot be counted: it is left out, and the basis says so.
* the **events**: the distinct cases of the segment among all cases in the event logs of the
  customer's value streams (a case's segment is the one its events name, as the flow reads it).

The events are a census of the cases served, a survey's respondents a sample often drawn in quotas
per segment: when the events name the segment its share comes from them, else from the ratings,
and the basis names both figures when both exist. With neither, the share is absent with the
reason, never a default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SOURCES = ("events", "ratings")


@dataclass(frozen=True)
class RespondentCount:
    """The newest ratings of a stack's outcomes that a segment rated: its respondents among all."""

    of_segment: int
    total: int  # all respondents of the newest ratings of those outcomes
    outcomes: int  # outcomes counted
    rated_up_to: date | None
    left_out: int = 0  # outcomes the segment rated left out: a newest rating there has no respondent count


@dataclass(frozen=True)
class CaseCount:
    """The distinct cases of a segment among all cases of a customer's event logs."""

    of_segment: int
    total: int
    first_day: date | None = None
    last_day: date | None = None


@dataclass(frozen=True)
class MeasuredShare:
    """A segment's share of a stack's customers: the figure, where it comes from and how it was counted."""

    segment: str
    share: float | None
    source: str | None  # "events" | "ratings"; None when nothing measures it
    basis: str  # the counts in words; '' when absent
    missing: str  # why the share is absent; '' when it is given
    respondents: RespondentCount | None = None
    cases: CaseCount | None = None


def _pct(part: int, whole: int) -> str:
    value = round(100 * part / whole, 1)
    return f"{value:.0f} %" if value == int(value) else f"{value:.1f} %"


def _respondents_text(count: RespondentCount) -> str:
    noun = "outcome" if count.outcomes == 1 else "outcomes"
    text = (f"{count.of_segment:,} of {count.total:,} respondents ({_pct(count.of_segment, count.total)}) "
            f"on {count.outcomes} {noun}, ratings up to {count.rated_up_to.isoformat()}")
    if count.left_out:
        text += f"; {count.left_out} left out without a respondent count"
    return text


def _cases_text(count: CaseCount) -> str:
    span = ""
    if count.first_day and count.last_day:
        span = f", events {count.first_day.isoformat()} to {count.last_day.isoformat()}"
    return f"{count.of_segment:,} of {count.total:,} cases ({_pct(count.of_segment, count.total)}){span}"


def _ratings_measure(count: RespondentCount | None) -> bool:
    return count is not None and count.outcomes > 0 and count.total > 0


def _events_measure(count: CaseCount | None) -> bool:
    return count is not None and count.of_segment > 0 and count.total > 0


def _ratings_missing(segment: str, count: RespondentCount | None) -> str:
    if count is not None and count.left_out:
        noun = "rating" if count.left_out == 1 else "ratings"
        return f"the newest {noun} naming '{segment}' on the job's outcomes have no respondent count"
    return f"no rating of the job's outcomes names '{segment}'"


def _events_missing(segment: str, count: CaseCount | None) -> str:
    if count is None or count.total == 0:
        return "the customer's value streams have no event log"
    return f"no case in the event logs of the customer's value streams names '{segment}'"


def measure_share(segment: str, respondents: RespondentCount | None,
                  cases: CaseCount | None) -> MeasuredShare:
    """Measure a segment's share from its cases when the events name it, else from its respondents."""
    by_ratings, by_events = _ratings_measure(respondents), _events_measure(cases)
    if by_events:
        basis = _cases_text(cases)
        if by_ratings:
            basis += f"; the ratings: {_respondents_text(respondents)}"
        return MeasuredShare(segment, round(cases.of_segment / cases.total, 6), "events", basis, "",
                             respondents, cases)
    if by_ratings:
        return MeasuredShare(segment, round(respondents.of_segment / respondents.total, 6), "ratings",
                             _respondents_text(respondents), "", respondents, cases)
    missing = f"{_ratings_missing(segment, respondents)}, and {_events_missing(segment, cases)}"
    return MeasuredShare(segment, None, None, "", missing, respondents, cases)
