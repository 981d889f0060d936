"""The one validation of a value stream and of a step: used by the API, the forms and importers."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_serializer

from lms.errors import ValidationFailed
from lms.lean.metrics import CLASSIFICATIONS, STEP_KINDS, WASTE_TYPES
from lms.lean.waste import classification_errors
from lms.models import STREAM_STATES
from lms.schema_types import Id, Name, Out, Strict, Text, TimesInUtc, partial, refuse_bool
from lms.validation import MAX_DURATION_S, MAX_QUANTITY


def _finite_number(value: Any) -> Any:
    """Refuse true/false, NaN and infinities before any range check sees them."""
    value = refuse_bool(value)
    candidate = value
    if isinstance(value, str):
        try:
            candidate = float(value)
        except ValueError:
            return value  # pydantic says it is not a number
    if isinstance(candidate, float) and not math.isfinite(candidate):
        raise ValueError("Enter a finite number.")
    return value


Seconds = Annotated[float, BeforeValidator(_finite_number),
                    Field(ge=0, le=MAX_DURATION_S, allow_inf_nan=False)]
Quantity = Annotated[float, BeforeValidator(_finite_number),
                     Field(ge=0, le=MAX_QUANTITY, allow_inf_nan=False)]
Percent = Annotated[float, BeforeValidator(_finite_number), Field(ge=0, le=100, allow_inf_nan=False)]
Headcount = Annotated[int, BeforeValidator(refuse_bool), Field(ge=0, le=100_000)]
Demand = Annotated[float, BeforeValidator(_finite_number),
                   Field(gt=0, le=MAX_QUANTITY, allow_inf_nan=False)]
DaySeconds = Annotated[float, BeforeValidator(_finite_number), Field(ge=1, le=86_400, allow_inf_nan=False)]

StepKind = Literal[STEP_KINDS]  # type: ignore[valid-type]
Classification = Literal[CLASSIFICATIONS]  # type: ignore[valid-type]
StreamState = Literal[STREAM_STATES]  # type: ignore[valid-type]

STEP_FIELDS: tuple[str, ...] = (
    "position", "name", "kind", "job_id", "classification", "waste_types", "cycle_time_s",
    "changeover_s", "uptime_pct", "operators", "pct_complete_accurate", "wait_time_s",
    "inventory_units", "owner_id", "rationale",
)
CLASSIFY_FIELDS: tuple[str, ...] = ("classification", "waste_types", "rationale")
STREAM_FIELDS: tuple[str, ...] = (
    "name", "description", "customer_id", "job_id", "owner_id", "daily_demand",
    "available_seconds_per_day", "state", "derived_from_id", "last_walked_on",
)


class StepIn(Strict):
    """A step of a value-stream map as a person or a client writes it."""

    name: Name
    kind: StepKind = Field("process", description="`process` (a box) or `inventory` (a triangle).")
    position: Id | None = Field(None, description="1 = first; leave out to append at the end.")
    classification: Classification = "unclassified"
    job_id: Id | None = Field(None, validate_default=True,
                              description="The customer job this step serves; required when value-adding.")
    waste_types: list[str] = Field(
        default_factory=list, description="Subset of the eight wastes (TIMWOODS), each named once.",
        json_schema_extra={"items": {"type": "string", "enum": list(WASTE_TYPES)}, "uniqueItems": True})
    cycle_time_s: Seconds | None = Field(None, description="Cycle time C/T in seconds, at most ten years "
                                                           "(315,360,000 s).")
    changeover_s: Seconds | None = Field(None, description="Changeover time C/O in seconds, at most ten "
                                                           "years.")
    uptime_pct: Percent | None = None
    operators: Headcount | None = None
    pct_complete_accurate: Percent | None = Field(
        None, description="%C&A: share of the work handed on complete and accurate, 0-100.")
    wait_time_s: Seconds | None = Field(None, description="Waiting before or in this step, seconds, at "
                                                          "most ten years.")
    inventory_units: Quantity | None = Field(None, description="Units waiting at this step, at most 10⁹.")
    owner_id: Id | None = None
    rationale: Text = Field("", description="Why the step carries its classification.")

    @field_validator("job_id")
    @classmethod
    def _value_adding_serves_a_job(cls, value: int | None, info: ValidationInfo) -> int | None:
        # Checked here, beside the other fields, so every broken rule is named in one answer.
        if value is None and info.data.get("classification") == "value-adding":
            raise ValueError(classification_errors(
                classification="value-adding", job_id=None, waste_types=())["job_id"])
        return value

    @field_validator("waste_types")
    @classmethod
    def _known_distinct_waste_types(cls, value: list[str]) -> list[str]:
        unknown = classification_errors(classification="unclassified", job_id=None, waste_types=value)
        if unknown:
            raise ValueError(unknown["waste_types"])
        duplicates = sorted({waste for waste in value if value.count(waste) > 1})
        if duplicates:
            raise ValueError(f"Name each waste type once: {', '.join(duplicates)} repeated.")
        return value


class ValueStreamIn(Strict):
    """A value stream as a person or a client writes it."""

    name: Name
    description: Text = ""
    customer_id: Id | None = Field(None, description="The customer (external or internal) it serves.")
    job_id: Id | None = Field(None, description="The (high-level) job it serves.")
    owner_id: Id | None = Field(None, description="The process owner; defaults to an owner who creates it.")
    daily_demand: Demand | None = Field(None, description="Customer demand in units per day, "
                                                          "more than 0, at most 10⁹.")
    available_seconds_per_day: DaySeconds | None = Field(
        None, description="Working seconds per day (1-86,400); a day is 86,400 s when left empty.")
    state: StreamState = "current"
    derived_from_id: Id | None = Field(None, description="A future state's current state.")
    last_walked_on: date | None = Field(None, description="When the map was last checked on the floor.")

    @field_validator("last_walked_on")
    @classmethod
    def _walked_in_the_past(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("The map cannot have been walked in the future.")
        return value


StepPatch = partial(StepIn, "StepPatch")
ValueStreamPatch = partial(ValueStreamIn, "ValueStreamPatch")


def check_step_rules(step: StepIn) -> None:
    """Refuse a whole step that breaks a save rule: e.g. value-adding without a customer job.

    A PATCH is checked with this on the stored step it changes: its own fields cannot tell.
    """
    errors = classification_errors(classification=step.classification, job_id=step.job_id,
                                   waste_types=step.waste_types or [])
    if errors:
        raise ValidationFailed(errors)


_DAYS = "A day is the stream's working day (its available time per day); null when it has none."


class FlagOut(Out):
    code: str = Field(description="no-customer-job, waiting, defects, inventory, over-takt, contradiction")
    message: str


class StepOut(TimesInUtc):
    id: int
    version: int
    value_stream_id: int
    position: int
    name: str
    kind: str
    job_id: int | None
    classification: str
    waste_types: list[str]
    cycle_time_s: float | None
    changeover_s: float | None
    uptime_pct: float | None
    operators: int | None
    pct_complete_accurate: float | None
    wait_time_s: float | None
    inventory_units: float | None
    owner_id: int | None
    rationale: str
    classified_by_id: int | None = None
    classified_at: datetime | None = None
    flags: list[FlagOut] = Field(default_factory=list,
                                 description="Computed waste signs beside the tag; never override it.")
    cycle_time_days: float | None = Field(None, description=f"Cycle time in working days. {_DAYS}")
    changeover_days: float | None = Field(None, description=f"Changeover in working days. {_DAYS}")
    wait_time_days: float | None = Field(None, description=f"Waiting time in working days. {_DAYS}")


class ValueStreamOut(Out):
    id: int
    version: int
    name: str
    description: str
    customer_id: int | None
    job_id: int | None
    owner_id: int | None
    daily_demand: float | None
    available_seconds_per_day: float | None
    state: str
    derived_from_id: int | None
    last_walked_on: date | None
    last_walked_by_id: int | None = None


class ProcessStepPaceOut(Out):
    step_id: int
    effective_cycle_time_s: float | None = Field(
        description="Cycle time / uptime (the cycle time when no uptime is entered); null for uptime 0.")
    over_takt: bool = Field(description="The effective cycle time exceeds takt.")
    stations_needed: int | None = Field(
        description="Over takt: the operators or stations in parallel that bring it within takt, "
                    "ceil(effective cycle time / takt); null otherwise.")


class MetricsOut(Out):
    lead_time_s: float | None = Field(
        description="Null when some inventory cannot be turned into time (no daily demand or no available "
                    "time per day: see missing), or when out of range (see out_of_range).")
    lead_time_days: float | None = Field(
        description="Lead time / available seconds per day; null when the stream has no working day.")
    processing_time_s: float | None
    value_added_time_s: float | None
    pce: float | None = Field(description="Value-added time / lead time, 0-1; null while the lead time is.")
    activity_ratio: float | None = Field(description="Processing time / lead time, 0-1; null while the lead "
                                                     "time is.")
    rolled_pct_complete_accurate: float | None = Field(description="Product of %C&A / 100, 0-1.")
    takt_time_s: float | None = Field(description="Available seconds per day / daily demand; null without "
                                                  "either (never a 24-hour day by default).")
    over_takt_step_ids: list[int] = Field(
        description="Process steps whose effective cycle time (C/T / uptime) exceeds takt; empty without "
                    "takt.")
    rework_adjusted_lead_time_s: float | None
    waste_time_by_type: dict[str, float | None] = Field(
        description="Seconds per waste type: a step's processing + waiting time is shared equally among its "
                    "waste types, so the values add up to the time in waste-tagged steps. Null for a type "
                    "with a step whose inventory cannot be timed.")
    steps_by_classification: dict[str, int]
    missing: list[str] = Field(
        default_factory=list,
        description="Addition: the stream inputs (daily_demand, available_seconds_per_day) some figure needs "
                    "and lacks; empty when every figure could be computed.")
    missing_by_figure: dict[str, list[str]] = Field(
        default_factory=dict, description="Addition: for each figure that is null or incomplete for want of "
                                          "input, the inputs it needs.")
    lead_time_known_s: float | None = Field(
        None, description="Addition: the time the entered figures give; equals lead_time_s when complete, "
                          "a lower bound while inventory cannot be timed.")
    unconverted_inventory_units: float | None = Field(
        None, description="Addition: units waiting that cannot be turned into time (0 when none).")
    operators_needed: float | None = Field(
        None, description="Addition: total cycle time / takt, the operators the work needs (Rother & Shook); "
                          "null without takt.")
    operators_entered: int | None = Field(
        None, description="Addition: the operators entered on the process steps; null when none is.")
    process_steps: list[ProcessStepPaceOut] = Field(
        default_factory=list,
        description="Addition: each timed process step's effective cycle time and pace.")
    processing_time_days: float | None = Field(None, description=f"Processing time in working days. {_DAYS}")
    value_added_time_days: float | None = Field(None,
                                                description=f"Value-added time in working days. {_DAYS}")
    takt_time_days: float | None = Field(None, description=f"Takt time in working days. {_DAYS}")
    rework_adjusted_lead_time_days: float | None = Field(
        None, description=f"Rework-adjusted lead time in working days. {_DAYS}")
    waste_days_by_type: dict[str, float | None] | None = Field(
        None, description=f"`waste_time_by_type` in working days. {_DAYS}")
    working_day_s: float | None = Field(
        None, description="The working day the `*_days` figures count in: the stream's available seconds per "
                          "day; null when it has none.")
    out_of_range: list[str] | None = Field(
        None, description="Extension, present only when needed: the figures that are null because "
                          "stored values (from before today's bounds) put them beyond a number's range.")

    @model_serializer(mode="wrap")
    def _out_of_range_only_when_some(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        if not data.get("out_of_range"):
            data.pop("out_of_range", None)
        return data
