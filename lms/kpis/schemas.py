"""The one validation of KPIs, their outcome links and measurements (API, forms, imports)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, RootModel, field_validator

from lms.schema_types import (
    Id,
    IsoDate,
    Name,
    Out,
    Strict,
    Text,
    TimesInUtc,
    partial,
    refuse_bool,
    with_rules,
)
from lms.validation import MAX_MEASUREMENT

Direction = Literal["increase", "decrease"]
FiniteNumber = Annotated[float, Field(ge=-MAX_MEASUREMENT, le=MAX_MEASUREMENT, allow_inf_nan=False)]
Note = Annotated[str, Field(max_length=2000)]
Rationale = Annotated[str, Field(max_length=2000)]
MAX_BATCH = 5000
Value = Annotated[FiniteNumber, BeforeValidator(refuse_bool)]


class KpiOutcomeLinkIn(Strict):
    """One link of a KPI to a customer outcome, and why the number stands for it."""

    outcome_id: Id
    rationale: Rationale = Field(default="", description="Why this number stands for that outcome.")


class _KpiRules(Strict):
    """Rules shared by the create and the PATCH body of a KPI."""

    @field_validator("outcome_ids", check_fields=False)
    @classmethod
    def _each_outcome_once(cls, ids: list[int] | None) -> list[int] | None:
        if ids is not None and len(set(ids)) != len(ids):
            raise ValueError("Name each outcome once.")
        return ids

    @field_validator("outcome_links", check_fields=False)
    @classmethod
    def _each_link_once(cls, links: list[KpiOutcomeLinkIn] | None, info) -> list[KpiOutcomeLinkIn] | None:
        if links is None:
            return links
        if info.data.get("outcome_ids") is not None:
            raise ValueError("Send outcome_ids or outcome_links, not both.")
        ids = [link.outcome_id for link in links]
        if len(set(ids)) != len(ids):
            raise ValueError("Name each outcome once.")
        return links


# "Send outcome_ids or outcome_links, not both", as the document says it.
_ONE_WAY_TO_LINK = {"not": {"required": ["outcome_ids", "outcome_links"],
                            "properties": {"outcome_ids": {"type": "array"},
                                           "outcome_links": {"type": "array"}}}}


class KpiIn(_KpiRules):
    """A KPI: what is counted, which way is better, and the outcomes it stands for."""

    model_config = with_rules(**_ONE_WAY_TO_LINK)

    name: Name
    unit: str = Field(default="", max_length=50)
    direction: Direction = Field(default="increase", description="Which way is better.")
    target: FiniteNumber | None = Field(default=None, description="Within ±10¹⁵.")
    value_stream_id: Id | None = None
    step_id: Id | None = Field(default=None, description="Must belong to value_stream_id when both are set; "
                                                          "when only the step is given its stream is taken.")
    owner_id: Id | None = None
    description: Text = ""
    outcome_ids: list[Id] | None = Field(
        default=None, json_schema_extra={"uniqueItems": True},
        description="Outcomes the KPI stands for, each once; replaced whole on PATCH. Links made this "
                    "way keep the rationale they had, new ones get none.")
    outcome_links: list[KpiOutcomeLinkIn] | None = Field(
        default=None, description="Extension: an alternative to outcome_ids that also sets each link's "
                                  "rationale; replaced whole on PATCH. Send one of the two, not both.")


class KpiPatch(partial(KpiIn, "KpiPatchFields", not_null=("outcome_ids", "outcome_links")),  # type: ignore[misc]
               _KpiRules):
    """Any subset of a KPI's writable fields, with the version the client read."""

    model_config = with_rules(**_ONE_WAY_TO_LINK)

    @field_validator("name", "unit", "direction", "description", "outcome_ids", "outcome_links")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("This field cannot be null.")
        return value


class MeasurementIn(Strict):
    """One value of a KPI on one date; a second one for the same date replaces the first."""

    measured_on: IsoDate
    value: Value = Field(description="Within ±10¹⁵.")
    note: Note = ""


class MeasurementBatchIn(Strict):
    """Many measurements at once: all are written, or none."""

    measurements: list[MeasurementIn] = Field(min_length=1, max_length=MAX_BATCH)


class MeasurementPostIn(RootModel[MeasurementIn | MeasurementBatchIn]):
    """One measurement, or ``{"measurements": [...]}`` for many (all or nothing)."""

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> MeasurementIn | MeasurementBatchIn:  # type: ignore[override]
        """Validate against the one shape the body has, so errors name its own fields."""
        batch = isinstance(obj, dict) and "measurements" in obj
        return (MeasurementBatchIn if batch else MeasurementIn).model_validate(obj, **kwargs)


class KpiOutcomeLinkOut(Out):
    outcome_id: int
    rationale: str


class KpiOut(TimesInUtc):
    id: int
    version: int
    name: str
    unit: str
    direction: str
    target: float | None
    description: str
    value_stream_id: int | None
    step_id: int | None
    owner_id: int | None
    outcome_ids: list[int]
    outcome_links: list[KpiOutcomeLinkOut]
    drift_status: str | None = Field(
        default=None, description="Read-only: the KPI's drift status today (see /kpis/{id}/drift).")
    created_at: datetime
    updated_at: datetime


class MeasurementOut(TimesInUtc):
    id: int
    version: int
    kpi_id: int
    measured_on: date
    value: float
    note: str
    entered_by_id: int | None
    created_at: datetime


class MeasurementBatchOut(Out):
    items: list[MeasurementOut]


class MeasurementPostOut(RootModel[MeasurementOut | MeasurementBatchOut]):
    """The measurement written, or ``{"items": [...]}`` for a batch."""


DriftStatus = Literal["orphan", "stale", "insufficient-data", "measures-waste", "worsening", "diverging",
                      "inconclusive", "aligned"]
OutcomeMove = Literal["improved", "worse", "steady", "unsettled", "unrated"]


class KpiDriftOut(Out):
    kpi_id: int
    status: DriftStatus = Field(description="The first that applies, in this order: orphan, stale, "
                                            "insufficient-data, measures-waste, worsening, diverging, "
                                            "inconclusive, aligned.")
    reasons: list[str]
    kpi_change: float | None = Field(
        description="Fitted relative change over the window (0.05 = +5 %); null where a percentage would "
                    "mislead (a fitted start near zero, of the other sign, or a more than threefold rise): "
                    "read `kpi_start` and `kpi_end` then.")
    outcome_changes: dict[str, float | None] = Field(
        description="Per linked outcome id: newest minus oldest satisfaction (0-10) in the window, within "
                    "one segment (`outcome_segments`); null when no segment was rated on two days.")
    window_days: int
    as_of: date = Field(description="Extension: the day the assessment is made for.")
    kpi_move: Literal["better", "worse", "steady"] | None = Field(
        default=None, description="Addition: how the KPI's trend moved against its noise and the minimum "
                                  "change; null without a trend.")
    kpi_start: float | None = Field(default=None, description="Addition: the fitted trend on the first "
                                                              "measuring day in the window (KPI's unit).")
    kpi_end: float | None = Field(default=None, description="Addition: the fitted trend on the last "
                                                            "measuring day in the window.")
    kpi_noise: float | None = Field(
        default=None, description="Addition: half-width of the KPI's noise band (2 x 1.4826 x the median "
                                  "absolute residual about the trend), in the KPI's unit.")
    outcome_margins: dict[str, float | None] = Field(
        default_factory=dict, description="Addition: per outcome id, the 95 % half-width of its change "
                                          "(1.96 standard errors of the top-two-box share); null without "
                                          "respondent counts.")
    outcome_moves: dict[str, OutcomeMove] = Field(
        default_factory=dict, description="Addition: per outcome id, how its satisfaction moved against "
                                          "its uncertainty and the minimum meaningful change.")
    outcome_segments: dict[str, str | None] = Field(
        default_factory=dict, description="Addition: per outcome id, the segment its change was read in.")
    target_status: Literal["on-track", "off-track"] | None = Field(
        default=None, description="Addition: whether the newest measurement in the window meets the "
                                  "KPI's target; null without a target or a measurement in the window.")
    latest_value: float | None = Field(default=None, description="Addition: the newest measurement in "
                                                                 "the window.")
    segment: str | None = Field(default=None, description="Addition: the segment asked for with "
                                                          "`?segment=`; null for every segment.")
