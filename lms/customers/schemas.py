"""The one validation of customers, jobs, outcomes and ratings: used by the API, the forms and importers.

Field rules live in the field declarations; rules that relate two fields of the same
body (an interchangeable job names its group; a rating is aggregate figures *or* raw
answers) are field validators, so each error names the field to fix. Rules that need
the database (ids of the organization, unique names, cycles) are checked by the services.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from lms.errors import ValidationFailed
from lms.lean.jobs import COORDINATIONS, DIMENSIONS, NECESSITIES
from lms.models import CUSTOMER_KINDS, OUTCOME_DIRECTIONS
from lms.schema_types import Id, Name, Out, Strict, partial, with_rules
from lms.validation import json_whole_number, validate

WholeNumber = Annotated[int, BeforeValidator(json_whole_number)]
Statement = Annotated[str, Field(min_length=1, max_length=500)]
LongText = Annotated[str, Field(max_length=20_000)]
Label = Annotated[str, Field(max_length=100)]
Score = Annotated[float, Field(ge=0, le=10, allow_inf_nan=False, strict=True)]
Answer = Annotated[WholeNumber, Field(ge=1, le=5)]

CustomerKind = Literal[CUSTOMER_KINDS]  # type: ignore[valid-type]
Necessity = Literal[NECESSITIES]  # type: ignore[valid-type]
Coordination = Literal[COORDINATIONS]  # type: ignore[valid-type]
Dimension = Literal[DIMENSIONS]  # type: ignore[valid-type]
Direction = Literal[OUTCOME_DIRECTIONS]  # type: ignore[valid-type]


def _value_stream_error(kind: str | None, value_stream_id: int | None) -> str | None:
    if value_stream_id is not None and kind == "external":
        return "Only an internal customer can be a value stream of the organization."
    return None


def _group_error(necessity: str | None, group: str | None) -> str | None:
    if necessity == "interchangeable" and not group:
        return "Name the group of jobs this one is interchangeable with."
    if necessity in ("required", "optional") and group:
        return "Only interchangeable jobs belong to a group; leave it empty."
    return None


class CustomerIn(Strict):
    """A customer, external or internal; an internal one may be a value stream of its own."""

    model_config = with_rules(**{"if": {"required": ["kind"], "properties": {"kind": {"const": "internal"}}},
                                 "else": {"properties": {"value_stream_id": {"type": "null"}}}})

    name: str = Field(min_length=1, max_length=200, description="Unique in the organization.")
    kind: CustomerKind = "external"
    description: LongText = ""
    value_stream_id: Id | None = Field(
        default=None, validate_default=True,
        description="Only for an internal customer: the value stream this downstream team is.")

    @field_validator("value_stream_id")
    @classmethod
    def _only_internal_customers_are_value_streams(cls, value: int | None, info: ValidationInfo):
        message = _value_stream_error(info.data.get("kind"), value)
        if message:
            raise ValueError(message)
        return value


class JobIn(Strict):
    """A job-to-be-done statement; with a parent it is a related job in that job's stack."""

    model_config = with_rules(**{
        "if": {"required": ["necessity"], "properties": {"necessity": {"const": "interchangeable"}}},
        "then": {"required": ["interchangeable_group"],
                 "properties": {"interchangeable_group": {"type": "string", "pattern": r"\S"}}},
        "else": {"properties": {"interchangeable_group": {
            "anyOf": [{"type": "null"}, {"type": "string", "pattern": r"^\s*$"}]}}},
    })

    customer_id: Id
    statement: Statement = Field(description="Verb + object + context, e.g. 'Pay a bill on time'.")
    parent_id: Id | None = Field(
        default=None, description="The high-level job whose stack this job belongs to; null: high-level.")
    necessity: Necessity = "required"
    interchangeable_group: Label | None = Field(
        default=None, validate_default=True,
        description="Required when necessity is interchangeable: any served member serves the group.")
    coordination: Coordination | None = None
    position: Annotated[WholeNumber, Field(ge=1)] | None = Field(
        default=None, description="Place in the stack's sequence, from 1.")
    dimension: Dimension = "functional"
    circumstance: LongText = Field(default="", description="Who needs it and when.")

    @field_validator("interchangeable_group")
    @classmethod
    def _group_only_and_always_for_interchangeable_jobs(cls, value: str | None, info: ValidationInfo):
        message = _group_error(info.data.get("necessity"), value)
        if message:
            raise ValueError(message)
        return value or None


class OutcomeIn(Strict):
    """A desired-outcome statement on a job."""

    job_id: Id
    statement: Statement = Field(description="E.g. 'Minimize the time it takes to pay a bill'.")
    direction: Direction = "minimize"


class ResponseIn(Strict):
    """One respondent's answers on the 1-5 scale."""

    importance: Answer
    satisfaction: Answer


_EITHER = "Give either importance and satisfaction, or responses — not both."


class RatingIn(Strict):
    """One survey wave: aggregate 0-10 figures, or raw 1-5 answers turned into top-two-box scores."""

    model_config = with_rules(anyOf=[
        {"required": ["importance", "satisfaction"],
         "properties": {"importance": {"type": "number"}, "satisfaction": {"type": "number"},
                        "responses": {"type": "null"}}},
        {"required": ["responses"],
         "properties": {"responses": {"type": "array"}, "importance": {"type": "null"},
                        "satisfaction": {"type": "null"}, "respondents": {"type": "null"}}},
    ])

    # Declared first so the figures below can see whether answers were sent.
    responses: list[ResponseIn] | None = Field(
        default=None, min_length=1,
        description="Raw answers; importance and satisfaction become 10 × the share of 4s and 5s.")
    rated_on: date
    importance: Score | None = Field(default=None, validate_default=True)
    satisfaction: Score | None = Field(default=None, validate_default=True)
    respondents: Annotated[WholeNumber, Field(ge=1)] | None = Field(
        default=None, validate_default=True, description="With aggregate figures only.")
    segment: Label | None = None

    @field_validator("importance", "satisfaction")
    @classmethod
    def _figures_or_responses(cls, value: float | None, info: ValidationInfo):
        if "responses" not in info.data:
            return value  # the responses themselves are invalid; that error says enough
        sent_responses = info.data["responses"] is not None
        if sent_responses and value is not None:
            raise ValueError(_EITHER)
        if not sent_responses and value is None:
            raise ValueError("Required unless responses are given.")
        return value

    @field_validator("respondents")
    @classmethod
    def _respondents_only_with_figures(cls, value: int | None, info: ValidationInfo):
        if value is not None and info.data.get("responses") is not None:
            raise ValueError("Counted from the responses; leave it out.")
        return value


Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False, strict=True)]


class CircumstanceIn(Strict):
    """A circumstance of a high-level job: a group of its customers whose situation changes the stack."""

    # A share is entered, or measured from a segment: not both.
    model_config = with_rules(anyOf=[
        {"properties": {"share": {"type": "null"}}},
        {"properties": {"segment": {"anyOf": [{"type": "null"}, {"type": "string", "pattern": r"^\s*$"}]}}},
    ])

    name: Name = Field(description="Unique per job; completes 'members with …', e.g. 'back problems'.")
    description: LongText = ""
    share: Share | None = Field(
        default=None, description="Share of the job's customers in this circumstance, 0–1; null when not "
                                  "known (the stack's coverage is then absent). The shares of one job's "
                                  "circumstances add up to at most 1.")
    requires_job_ids: list[Id] = Field(
        default_factory=list, max_length=500,
        description="Optional related jobs of the stack that these customers need: required for them.")
    rules_out_job_ids: list[Id] = Field(
        default_factory=list, max_length=500,
        description="Members of the stack's interchangeable groups these customers cannot use.")
    segment: Label | None = Field(
        default=None, validate_default=True,
        description="The segment of the ratings and events its members are recorded under: the share is "
                    "then measured from them, and none is entered (422 `segment` with a `share`). Unique "
                    "per job; blank means none.")

    @field_validator("requires_job_ids", "rules_out_job_ids")
    @classmethod
    def _each_job_once(cls, value: list[int]) -> list[int]:
        return sorted(set(value))

    @field_validator("segment")
    @classmethod
    def _measured_or_entered(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = (value.strip() or None) if value is not None else None
        message = _share_error(info.data.get("share"), value)
        if message:
            raise ValueError(message)
        return value


def _share_error(share: float | None, segment: str | None) -> str | None:
    """Say why a share and a segment cannot stand together: a share is entered or measured, not both."""
    if segment is not None and share is not None:
        return (f"The share is measured from the segment '{segment}'; leave the share empty, "
                "or name no segment to enter it.")
    return None


def check_circumstance_rules(circumstance: CircumstanceIn) -> None:
    """Refuse a whole circumstance whose fields contradict each other (a PATCH applied to the stored one)."""
    message = _share_error(circumstance.share, circumstance.segment)
    if message:
        raise ValidationFailed({"segment": message})


CustomerPatch = partial(CustomerIn)
CircumstancePatch = partial(CircumstanceIn)
JobPatch = partial(JobIn)
OutcomePatch = partial(OutcomeIn)


def check_customer_rules(customer: CustomerIn) -> None:
    """Refuse a whole customer whose fields contradict each other (a PATCH applied to the stored one)."""
    message = _value_stream_error(customer.kind, customer.value_stream_id)
    if message:
        raise ValidationFailed({"value_stream_id": message})


def check_job_rules(job: JobIn) -> None:
    """Refuse a whole job whose fields contradict each other (a PATCH applied to the stored one)."""
    message = _group_error(job.necessity, job.interchangeable_group)
    if message:
        raise ValidationFailed({"interchangeable_group": message})


_ANSWER_LINE = re.compile(r"^\s*(-?\d+)\s*[,;\t ]\s*(-?\d+)\s*$")


def _read_answer_lines(text: str) -> tuple[list[dict[str, int]], list[int], dict[int, str]]:
    """Split pasted lines into answers and their line numbers; note lines that are not two numbers."""
    responses: list[dict[str, int]] = []
    line_numbers: list[int] = []
    unreadable: dict[int, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _ANSWER_LINE.match(line)
        if match is None:
            unreadable[number] = (f"Line {number}: '{line.strip()[:40]}' is not two whole numbers "
                                  "such as '4,2' (importance, satisfaction).")
            continue
        responses.append({"importance": int(match[1]), "satisfaction": int(match[2])})
        line_numbers.append(number)
    return responses, line_numbers, unreadable


def rating_from_pasted_answers(rated_on: date | None, text: str, segment: str | None = None) -> RatingIn:
    """Validate pasted 'importance,satisfaction' lines as a rating; every problem names its line."""
    responses, line_numbers, problems = _read_answer_lines(text)
    if not responses and not problems:
        raise ValidationFailed({"answers": "Paste at least one line of answers, such as '5,2'."})
    fields: dict[str, list[str]] = {}
    try:
        rating = validate(RatingIn, {"rated_on": rated_on, "responses": responses or None,
                                     "segment": segment})
    except ValidationFailed as failed:
        for name, messages in failed.fields.items():
            parts = name.split(".")
            if parts[0] == "responses" and len(parts) == 3 and parts[1].isdigit():
                index, answer = int(parts[1]), parts[2]
                number = line_numbers[index]
                problems.setdefault(number, f"Line {number}: {answer} {responses[index][answer]} "
                                            "is not on the 1–5 scale.")
            elif parts[0] not in ("responses", "importance", "satisfaction"):
                fields.setdefault(name, []).extend(messages)
    else:
        if not problems:
            return rating
    if problems:
        fields["answers"] = [problems[number] for number in sorted(problems)]
    raise ValidationFailed(fields)


# --- API responses -------------------------------------------------------------------------

class CustomerOut(Out):
    id: int
    version: int
    name: str
    kind: str
    description: str
    value_stream_id: int | None


class JobOut(Out):
    id: int
    version: int
    customer_id: int
    statement: str
    parent_id: int | None
    necessity: str
    interchangeable_group: str | None
    coordination: str | None
    position: int | None
    dimension: str
    circumstance: str


class SegmentFiguresOut(Out):
    segment: str | None = Field(description="The segment; null for the ratings that name none (a group of "
                                            "its "
                                            "own).")
    importance: float
    satisfaction: float
    opportunity: float | None = Field(description="Null when the rating is off the 0-10 scale (not scored).")
    status: Literal["underserved", "served", "overserved", "unrated"]
    respondents: int | None
    rated_on: date = Field(description="The date of the segment's newest rating, whose figures these are.")


class OutcomeOut(Out):
    id: int
    version: int
    job_id: int
    statement: str
    direction: str
    importance: float | None = Field(description="Read-only: from the newest rating (by rated_on).")
    satisfaction: float | None = Field(description="Read-only: from the newest rating.")
    opportunity: float | None = Field(
        description="Read-only: Ulwick's opportunity score, importance + max(importance − satisfaction, 0).")
    status: Literal["underserved", "served", "overserved", "unrated"] = Field(
        description="Read-only: by the organization's thresholds (underserved when opportunity ≥ 10 and "
                    "importance exceeds satisfaction); unrated also when the newest rating is off the 0-10 "
                    "scale.")
    rated_on: date | None = Field(description="Read-only: the date of the newest rating.")
    # Additions (segments): who rated the outcome, and how the figure for all segments was combined.
    segment: str | None = Field(default=None, description="Addition: the segment asked for with `?segment=`; "
                                                          "null for all segments.")
    respondents: int | None = Field(default=None, description="Addition: the respondents behind the figures "
                                                              "(summed over segments); null when a count is "
                                                              "missing.")
    weighting: Literal["unrated", "single", "respondents", "equal"] = Field(
        default="unrated",
        description="Addition: how the figures for all segments combine the newest rating of each segment: "
                    "`single` (one group rated it), `respondents` (mean weighted by respondent counts), "
                    "`equal` (a count is missing: equal weights), `unrated`.")
    weighting_note: str = Field(default="", description="Addition: the combination in words, naming the "
                                                        "segments without a count or left out.")
    overall_opportunity: float | None = Field(
        default=None,
        description="Addition: the opportunity for all segments, also when `?segment=` is given.")
    by_segment: list[SegmentFiguresOut] = Field(
        default_factory=list, description="Addition: the newest rating of each segment, scored.")
    underserved_segments: list[str] = Field(
        default_factory=list,
        description="Addition: segments underserved where the figure for all segments is not, by at least "
                    "2 points of opportunity (largest first).")


class RatingOut(Out):
    id: int
    version: int
    outcome_id: int
    rated_on: date
    importance: float
    satisfaction: float
    respondents: int | None
    segment: str | None
    source: Literal["aggregate", "responses"]
    opportunity: float | None = Field(
        description="Ulwick's opportunity score; null for a rating stored off the 0-10 scale (not scored).")


class RelatedCoverageOut(Out):
    job_id: int
    necessity: str
    interchangeable_group: str | None
    served_by_step_ids: list[int]


class StruggleOut(Out):
    cause: Literal["not-capable", "poorly-coordinated", "poorly-executed"]
    message: str
    job_ids: list[int]


class RespondentCountOut(Out):
    of_segment: int
    total: int = Field(description="All respondents of the newest ratings of the outcomes the segment rated.")
    outcomes: int
    rated_up_to: date | None
    left_out: int = Field(description="Outcomes the segment rated left out: a newest rating without a "
                                      "respondent count.")


class CaseCountOut(Out):
    of_segment: int
    total: int = Field(description="All distinct cases in the event logs of the customer's value streams.")
    first_day: date | None
    last_day: date | None


class ShareMeasurementOut(Out):
    source: Literal["events", "ratings"] | None = Field(
        description="Which count gives the share: the events when they name the segment, else the ratings; "
                    "null when neither does.")
    respondents: RespondentCountOut | None
    cases: CaseCountOut | None


class CircumstanceOut(Out):
    id: int
    version: int
    job_id: int
    name: str
    description: str
    share: float | None = Field(description="Entered, or measured from `segment`; null when not entered, or "
                                            "when nothing measures it (`share_missing` says why).")
    requires_job_ids: list[int]
    rules_out_job_ids: list[int]
    # Additions (measured shares): the segment, where the share comes from and how it was counted.
    segment: str | None = Field(default=None, description="Addition: the segment its members are recorded "
                                                           "under; null when the share is entered.")
    share_source: Literal["entered", "measured"] = Field(default="entered", description="Addition.")
    share_basis: str | None = Field(default=None, description="Addition: what a measured share was counted "
                                                              "from, e.g. '38 of 120 respondents (31.7 %) on "
                                                              "2 outcomes, ratings up to 2026-10-01'.")
    share_missing: str | None = Field(default=None, description="Addition: why a measured share is absent.")
    measurement: ShareMeasurementOut | None = Field(default=None, description="Addition: the counts behind a "
                                                                              "measured share.")


class CircumstanceStackOut(Out):
    circumstance_id: int
    name: str
    share: float | None
    share_source: Literal["entered", "measured"] = Field(default="entered", description="Addition.")
    share_basis: str | None = Field(default=None, description="Addition: as on the circumstance.")
    share_missing: str | None = Field(default=None, description="Addition: as on the circumstance.")
    capable: bool = Field(description="Capable for the customers in this circumstance: the jobs it "
                                      "requires are served, and each group keeps a served member it does "
                                      "not rule out.")
    gaps: list[int]
    struggles: list[StruggleOut]


class JobStackOut(Out):
    job_id: int
    capable: bool
    gaps: list[int]
    related: list[RelatedCoverageOut]
    struggles: list[StruggleOut]
    by_circumstance: list[CircumstanceStackOut] = Field(
        default_factory=list, description="Capability, gaps and struggles per circumstance, in name order.")
    coverage: float | None = Field(
        default=None, description="Share of the job's customers with a capable stack: (1 − Σ shares) if "
                                  "the stack is capable + the shares of the capable circumstances; 1 or 0 "
                                  "without circumstances; null when a share is not entered.")
    coverage_sentence: str = Field(default="", description="The coverage in words, naming who is not served "
                                                           "and why.")


class SegmentOut(Out):
    segment: str
    outcomes_rated: int = Field(description="How many of the customer's outcomes the segment rated.")
    respondents: int | None = Field(description="The largest respondent count of its newest ratings; null "
                                                "when none gave one.")


class SegmentCalloutOut(Out):
    outcome_id: int
    job_id: int
    statement: str
    segment: str
    opportunity: float = Field(description="The segment's opportunity score (its newest rating).")
    overall_opportunity: float = Field(description="The opportunity for all segments.")
    importance: float
    satisfaction: float
    respondents: int | None
    message: str = Field(description="The call-out in a sentence.")


class CustomerSegmentsOut(Out):
    customer_id: int
    segments: list[SegmentOut]
    callouts: list[SegmentCalloutOut] = Field(
        description="Segments underserved where the figure for all segments is not, largest opportunity "
                    "first.")
