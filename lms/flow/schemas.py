"""The measured flow in the JSON API: events in, activities, measured figures and forecasts out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainValidator, WithJsonSchema

from lms.flow.log_files import LIMITS, parse_timestamp
from lms.schema_types import Id, Out, Strict, number_within

MAX_EVENTS = 10_000  # per JSON request; larger logs go as CSV or XES, or through `lms import-events`


def _timestamp(value: Any) -> datetime:
    """Accept an ISO 8601 date-time string; an offset is dropped, the wall-clock time kept."""
    if not isinstance(value, str):
        raise ValueError("Give an ISO 8601 date-time string, e.g. 2026-03-02T09:30:00.")
    try:
        return parse_timestamp(value)
    except ValueError:
        raise ValueError("Not an ISO 8601 date-time (e.g. 2026-03-02T09:30:00).") from None


Timestamp = Annotated[datetime, PlainValidator(_timestamp),
                      WithJsonSchema({"type": "string", "format": "date-time"})]
# No NUL anywhere (no text in lms can hold it), and a label has a visible character.
Label = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")]
NO_NUL = r"^[^\x00]*$"


class EventIn(Strict):
    """One event of the log."""

    case_id: Label = Field(description="The work item (a ticket, an order).")
    activity: Label = Field(description="What happened; matched to a step by name on first import.")
    timestamp: Timestamp = Field(description="When, as the wall-clock time the log shows (an offset is "
                                             "dropped).")
    lifecycle: Literal["start", "complete"] = "complete"
    resource: str = Field("", max_length=LIMITS["resource"], pattern=NO_NUL)
    customer: str = Field("", max_length=LIMITS["customer"], pattern=NO_NUL,
                          description="Whom the case is for, as the log names it; a name equal to a "
                                      "customer of your organization links to it.")
    customer_id: Id | None = Field(
        None, description="A customer of your organization.")
    segment: str = Field("", max_length=LIMITS["segment"], pattern=NO_NUL)


WORKDAY_START_MESSAGE = "Enter the time the working day starts, e.g. 08:00."
TOLERANCE_MESSAGE = "Enter a tolerance between 1 and 1,000 %."


class FlowProfileIn(Strict):
    """How a stream's event log is read and what it is compared with."""

    workday_starts_at_s: Annotated[int, number_within(0, 86_400, WORKDAY_START_MESSAGE, whole=True,
                                                       below_high=True)] = Field(
        description="Seconds after midnight when the working day starts.")
    tolerance_pct: Annotated[float, number_within(1, 1_000, TOLERANCE_MESSAGE)] = Field(
        description="A step's entered figure disagrees with the measured median beyond this share.")
    outcome_id: Id | None = Field(None, description="The customer outcome about time.")
    kpi_id: Id | None = Field(None, description="The KPI fed from the log.")


class EventsIn(Strict):
    """Events to add to a stream's log; all or nothing."""

    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)


class EventImportOut(BaseModel):
    """What an import added."""

    read: int = Field(description="Events read (those with other XES transitions left out).")
    added: int
    duplicates: int = Field(description="Events the log already had, or repeated in the body: not added.")
    skipped: int = Field(description="XES events with a transition other than start or complete.")
    new_activities: list[str]
    unmapped: list[str] = Field(description="New activities that match no step by name.")


class ActivityOut(Out):
    """An activity of the log and the step it maps to (null: unmapped work)."""

    id: int
    name: str
    step_id: int | None
    events: int
    version: int


class Percentiles(BaseModel):
    p50: float | None
    p85: float | None
    p95: float | None = None


class Measured(BaseModel):
    p50: float | None
    p85: float | None
    iqr: float | None = Field(description="Interquartile spread (75th − 25th percentile).")


class StepFlowOut(BaseModel):
    step_id: int
    cases: int
    processing_s: Measured = Field(description="Start → completion, working seconds.")
    waiting_s: Measured = Field(description="The case's previous completion → start, working seconds.")


class GroupOut(BaseModel):
    cases: int
    lead_time_days: Percentiles


class SegmentOut(GroupOut):
    segment: str


class CustomerOut(GroupOut):
    customer: str


class LittleOut(BaseModel):
    wip_avg: float
    predicted_wip: float
    gap: float
    explanation: str


class FlowOut(BaseModel):
    """The measured flow of a stream (working time; days are the stream's working days)."""

    cases: int
    finished_cases: int
    events: int
    lead_time_days: Percentiles
    lead_time_avg_days: float | None
    throughput_per_week: float | None = Field(description="Finished cases per 5 working days.")
    wip_avg: float | None
    flow_efficiency: float | None = Field(description="Worked time ÷ lead time of finished cases, 0-1; "
                                                      "null without start events.")
    littles_law: LittleOut | None
    working_day_s: float | None
    first_day: date | None = Field(description="The first working day the measured events fall on.")
    last_day: date | None
    reason: str | None = Field(description="Why nothing is measured, when nothing is.")
    steps: list[StepFlowOut]
    by_segment: list[SegmentOut]
    by_customer: list[CustomerOut]


class CasesOut(BaseModel):
    p50: float
    p85: float = Field(description="85 % sure that at least this many finish.")


class ForecastOut(BaseModel):
    """Monte-Carlo answers; each present when its question was asked and the log can answer it."""

    confidence: float
    days: float | None = Field(description="`confidence` of new cases finish within this many working days.")
    within_days: float | None
    probability: float | None = Field(description="Chance a case started now is done within `within_days`.")
    by: date | None
    working_days: int | None
    cases: CasesOut | None
    wip_limit: float | None
    what_if_lead_time_days: float | None = Field(description="Little's law: average lead time at today's "
                                                             "throughput with WIP held at `wip_limit`.")
    runs: int
    seed: int
