"""The one validation of reviews, findings and PDCA actions: used by the API and the HTML forms."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from lms.db import utcnow
from lms.lean.metrics import WASTE_TYPES
from lms.models import ACTION_STAGES, REVIEW_KINDS, REVIEW_STATUSES
from lms.schema_types import Id, IsoDate, Out, Strict, Text, TimesInUtc, iso_date, partial
from lms.streams.schemas import MetricsOut

CLOSED_STAGES = ("done", "dropped")




ReviewKind = Literal[REVIEW_KINDS]  # type: ignore[valid-type]
ReviewStatus = Literal[REVIEW_STATUSES]  # type: ignore[valid-type]
Stage = Literal[ACTION_STAGES]  # type: ignore[valid-type]
WasteType = Literal[WASTE_TYPES]  # type: ignore[valid-type]

REVIEW_FIELDS: tuple[str, ...] = ("value_stream_id", "kind", "held_on", "facilitator_id", "status", "notes")
FINDING_FIELDS: tuple[str, ...] = ("text", "step_id", "waste_type")
ACTION_FIELDS: tuple[str, ...] = ("title", "step_id", "kpi_id", "outcome_id", "owner_id", "due_on", "stage",
                                  "expected_effect", "observed_result")
# What the person an action is assigned to may change, whatever their role.
ASSIGNEE_FIELDS: tuple[str, ...] = ("stage", "observed_result")


def is_overdue(due_on: date | None, stage: str, today: date | None = None) -> bool:
    """Tell whether an action is past its due date and still not done or dropped."""
    return due_on is not None and stage not in CLOSED_STAGES and due_on < (today or utcnow().date())


def _not_null(*names: str, message: str = "This field cannot be null."):
    """Refuse null, before any type or length check, for fields that must hold a value."""

    def check(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(message)
        return value

    return field_validator(*names, mode="before")(classmethod(check))


REQUIRED = "This field is required."


class ReviewIn(Strict):
    """A continuous-improvement review of one value stream."""

    value_stream_id: Id = Field(description="The value stream reviewed.")
    kind: ReviewKind = Field("periodic-review",
                             description="`kaizen-event`, `periodic-review` or `gemba-walk`.")
    held_on: IsoDate = Field(description="The day the review is (or was) held.")
    facilitator_id: Id | None = Field(None, description="A user of your organization.")
    participant_ids: list[Id] = Field(
        default_factory=list, json_schema_extra={"uniqueItems": True},
        description="Extension: users of your organization taking part, each once; "
                    "replaced whole on PATCH.")
    status: ReviewStatus = Field(
        "planned", description="`planned` → `open` → `closed`. Opening stores `snapshot_open`, closing "
                               "`snapshot_close` (both once). Only an admin takes a closed review back.")
    notes: Text = ""

    _required = _not_null("value_stream_id", "kind", "held_on", "status", "notes", message=REQUIRED)

    @field_validator("participant_ids")
    @classmethod
    def _each_participant_once(cls, ids: list[int] | None) -> list[int] | None:
        if ids is not None and len(set(ids)) != len(ids):
            raise ValueError("Name each participant once.")
        return ids


class FindingIn(Strict):
    """What a review saw on the floor."""

    text: str = Field(min_length=1, max_length=20_000)
    step_id: Id | None = Field(None, description="A step of the review's value stream.")
    waste_type: WasteType | None = Field(None, description="One of the eight wastes, or null.")

    _required = _not_null("text", message=REQUIRED)


class ActionIn(Strict):
    """A PDCA item: what will be done, by whom, by when, and what it should move."""

    title: str = Field(min_length=1, max_length=300)
    step_id: Id | None = Field(None, description="A step of the review's value stream.")
    kpi_id: Id | None = Field(None, description="The KPI the action should move.")
    outcome_id: Id | None = Field(None, description="The customer outcome the action should move.")
    owner_id: Id | None = Field(None, description="Who carries it out; they may move it through the stages.")
    due_on: IsoDate | None = None
    stage: Stage = Field("plan", description="`plan`, `do`, `check`, `act`, `done` or `dropped`.")
    expected_effect: Text = ""
    observed_result: Text = ""

    _required = _not_null("title", "stage", "expected_effect", "observed_result", message=REQUIRED)


class ReviewPatch(partial(ReviewIn, "ReviewPatchFields")):  # type: ignore[misc]
    """Any subset of a review's writable fields, with the version the client read."""

    _required = _not_null("value_stream_id", "kind", "held_on", "participant_ids", "status", "notes")


class FindingPatch(partial(FindingIn, "FindingPatchFields")):  # type: ignore[misc]
    """Any subset of a finding's writable fields, with the version the client read."""

    _required = _not_null("text")


class ActionPatch(partial(ActionIn, "ActionPatchFields")):  # type: ignore[misc]
    """Any subset of an action's writable fields, with the version the client read."""

    _required = _not_null("title", "stage", "expected_effect", "observed_result")


class ReviewOut(TimesInUtc):
    id: int
    version: int
    value_stream_id: int
    kind: str
    held_on: date
    facilitator_id: int | None
    participant_ids: list[int] = Field(description="Extension: users taking part.")
    status: str
    notes: str
    snapshot_open: MetricsOut | None = Field(
        description="Read-only: the stream's metrics object when the review opened.")
    snapshot_close: MetricsOut | None = Field(
        description="Read-only: the stream's metrics object when the review closed.")
    opened_at: datetime | None = Field(description="Read-only extension: when the review opened.")
    closed_at: datetime | None = Field(description="Read-only extension: when the review closed.")
    recorded_names: dict[str, Any] | None = Field(
        None, description="Read-only extension: the names shown when the review closed (stream, customer, "
                          "customer_kind, job, facilitator, participants, owner), kept as written then.")
    created_at: datetime
    updated_at: datetime


class FindingOut(TimesInUtc):
    id: int
    version: int
    review_id: int
    text: str
    step_id: int | None
    waste_type: str | None
    created_by_id: int | None
    recorded_names: dict[str, Any] | None = Field(
        None, description="Read-only extension: its step and author as named when the review closed.")
    created_at: datetime


class ActionOut(TimesInUtc):
    id: int
    version: int
    review_id: int
    title: str
    step_id: int | None
    kpi_id: int | None
    outcome_id: int | None
    owner_id: int | None
    due_on: date | None
    stage: str
    expected_effect: str
    observed_result: str
    overdue: bool = Field(False, description="Read-only extension: past due and not done or dropped.")
    recorded_names: dict[str, Any] | None = Field(
        None, description="Read-only extension: its step, KPI, outcome and owner as named when the review "
                          "closed.")
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _with_overdue(cls, data: Any) -> Any:
        """Compute ``overdue`` from the due date and the stage of the record being shown."""
        if not isinstance(data, dict):
            data = {name: getattr(data, name) for name in cls.model_fields if name != "overdue"}
        due_on = data.get("due_on")
        if isinstance(due_on, str):
            due_on = iso_date(due_on)
        return {**data, "overdue": is_overdue(due_on, data.get("stage", "plan"))}


class AgendaItemOut(Out):
    kind: str = Field(description="kpi-worsening, kpi-diverging, kpi-orphan, kpi-stale, untagged-step, "
                                  "flagged-value-adding-step, over-takt-step, underserved-outcome, job-gap, "
                                  "circumstance-gap, overdue-action, suboptimization, stop-doing-candidate")
    title: str
    detail: str
    record_type: str | None
    record_id: int | None
    url: str | None = Field(description="The page of the record in the web UI, when it has one.")


class AgendaOut(Out):
    review_id: int
    value_stream_id: int
    as_of: date
    items: list[AgendaItemOut]
