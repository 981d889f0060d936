"""Export an organization's content as one JSON document.

Records reference each other by ``ref``: their 1-based place in their list, in creation order, so
an export imported into an empty organization and exported again gives the same document.
People are referenced by email; password hashes, sessions and tokens never leave.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.db import utcnow
from lms.extensions import db
from lms.models import (
    Action,
    Circumstance,
    Customer,
    Finding,
    Job,
    Kpi,
    KpiMeasurement,
    KpiOutcomeLink,
    Organization,
    Outcome,
    OutcomeRating,
    Review,
    Step,
    User,
    ValueStream,
    review_participants,
)

SCHEMA_VERSION = 1
SETTINGS = (
    "map_stale_days",
    "drift_window_days",
    "drift_stale_days",
    "drift_min_change_pct",
    "drift_min_satisfaction_change",
    "underserved_threshold",
    "high_opportunity_threshold",
    "extreme_opportunity_threshold",
)

CUSTOMER_FIELDS = ("name", "kind", "description")
JOB_FIELDS = (
    "statement",
    "necessity",
    "interchangeable_group",
    "coordination",
    "position",
    "dimension",
    "circumstance",
)
CIRCUMSTANCE_FIELDS = ("name", "description", "share", "segment")
OUTCOME_FIELDS = ("statement", "direction")
RATING_FIELDS = ("rated_on", "importance", "satisfaction", "respondents", "segment", "source")
STREAM_FIELDS = (
    "name",
    "description",
    "daily_demand",
    "available_seconds_per_day",
    "state",
    "last_walked_on",
)
STEP_FIELDS = (
    "position",
    "name",
    "kind",
    "classification",
    "waste_types",
    "cycle_time_s",
    "changeover_s",
    "uptime_pct",
    "operators",
    "pct_complete_accurate",
    "wait_time_s",
    "inventory_units",
    "rationale",
    "classified_at",
)
KPI_FIELDS = ("name", "unit", "direction", "target", "description")
MEASUREMENT_FIELDS = ("measured_on", "value", "note")
REVIEW_FIELDS = ("kind", "held_on", "status", "notes", "opened_at", "closed_at")
FINDING_FIELDS = ("text", "waste_type")
ACTION_FIELDS = ("title", "due_on", "stage", "expected_effect", "observed_result")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _records(model: type) -> list:
    return list(db.session.scalars(select(model).order_by(model.id)))


def _pick(record: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(record, name)) for name in fields}


class _Refs:
    """Map database ids to document refs, type by type."""

    def __init__(self) -> None:
        self._by_type: dict[str, dict[int, int]] = defaultdict(dict)

    def assign(self, kind: str, records: list) -> None:
        self._by_type[kind] = {record.id: n for n, record in enumerate(records, start=1)}

    def __call__(self, kind: str, record_id: int | None) -> int | None:
        return None if record_id is None else self._by_type[kind].get(record_id)


@dataclass
class _Content:
    """An organization's records in the order the document lists them, their refs and people's emails."""

    customers: list
    jobs: list
    outcomes: list
    streams: list
    steps_of: dict[int, list]
    kpis: list
    reviews: list
    refs: _Refs
    person: Callable[[int | None], str | None]


def _content() -> _Content:
    """Read the records every section lists and number them by kind."""
    emails = {u.id: u.email for u in _records(User)}
    streams, steps_of = _records(ValueStream), defaultdict(list)
    for step in sorted(_records(Step), key=lambda s: s.position):
        steps_of[step.value_stream_id].append(step)
    content = _Content(
        customers=_records(Customer), jobs=_records(Job), outcomes=_records(Outcome), streams=streams,
        steps_of=steps_of, kpis=_records(Kpi), reviews=_records(Review), refs=_Refs(), person=emails.get,
    )
    # Steps are numbered in the order the document lists them: stream by stream, along the map.
    steps = [step for stream in streams for step in steps_of[stream.id]]
    for kind, records in (
        ("customer", content.customers),
        ("job", content.jobs),
        ("outcome", content.outcomes),
        ("stream", streams),
        ("step", steps),
        ("kpi", content.kpis),
    ):
        content.refs.assign(kind, records)
    return content


def _snapshot(snapshot: dict | None, refs: _Refs) -> dict | None:
    """Rewrite a metrics snapshot's step ids as step refs (the snapshot itself stays as taken)."""
    if snapshot is None:
        return None
    copy = dict(snapshot)
    if "over_takt_step_ids" in copy:
        copy["over_takt_step_ids"] = [refs("step", i) for i in copy["over_takt_step_ids"]]
    return copy


def _customers(c: _Content) -> list[dict[str, Any]]:
    refs = c.refs
    return [
        {
            "ref": refs("customer", customer.id),
            **_pick(customer, CUSTOMER_FIELDS),
            "value_stream": refs("stream", customer.value_stream_id),
        }
        for customer in c.customers
    ]


def _jobs(c: _Content) -> list[dict[str, Any]]:
    refs = c.refs
    return [
        {
            "ref": refs("job", j.id),
            "customer": refs("customer", j.customer_id),
            "parent": refs("job", j.parent_id),
            **_pick(j, JOB_FIELDS),
        }
        for j in c.jobs
    ]


def _circumstances(c: _Content) -> list[dict[str, Any]]:
    """Return the circumstances of job stacks, naming their job and the jobs they change by ref."""
    refs = c.refs
    return [
        {
            "job": refs("job", circumstance.job_id),
            **_pick(circumstance, CIRCUMSTANCE_FIELDS),
            "requires": sorted(refs("job", i) for i in circumstance.requires_job_ids),
            "rules_out": sorted(refs("job", i) for i in circumstance.rules_out_job_ids),
        }
        for circumstance in db.session.scalars(
            select(Circumstance)
            .options(selectinload(Circumstance.requires), selectinload(Circumstance.rules_out))
            .order_by(Circumstance.id)
        )
    ]


def _outcomes(c: _Content) -> list[dict[str, Any]]:
    """Return the outcomes, each with its ratings."""
    ratings = defaultdict(list)
    for rating in _records(OutcomeRating):
        ratings[rating.outcome_id].append(
            {**_pick(rating, RATING_FIELDS), "created_by": c.person(rating.created_by_id)}
        )
    return [
        {
            "ref": c.refs("outcome", o.id),
            "job": c.refs("job", o.job_id),
            **_pick(o, OUTCOME_FIELDS),
            "ratings": ratings[o.id],
        }
        for o in c.outcomes
    ]


def _value_streams(c: _Content) -> list[dict[str, Any]]:
    """Return the value streams, each with its steps along the map."""
    refs, person = c.refs, c.person
    return [
        {
            "ref": refs("stream", s.id),
            **_pick(s, STREAM_FIELDS),
            "customer": refs("customer", s.customer_id),
            "job": refs("job", s.job_id),
            "owner": person(s.owner_id),
            "derived_from": refs("stream", s.derived_from_id),
            "last_walked_by": person(s.last_walked_by_id),
            "steps": [
                {
                    "ref": refs("step", st.id),
                    **_pick(st, STEP_FIELDS),
                    "job": refs("job", st.job_id),
                    "owner": person(st.owner_id),
                    "classified_by": person(st.classified_by_id),
                }
                for st in c.steps_of[s.id]
            ],
        }
        for s in c.streams
    ]


def _kpis(c: _Content) -> list[dict[str, Any]]:
    """Return the KPIs, each with the outcomes it is linked to and its measurements by date."""
    refs = c.refs
    measurements, links = defaultdict(list), defaultdict(list)
    for m in db.session.scalars(
        select(KpiMeasurement).order_by(KpiMeasurement.kpi_id, KpiMeasurement.measured_on)
    ):
        measurements[m.kpi_id].append(
            {**_pick(m, MEASUREMENT_FIELDS), "entered_by": c.person(m.entered_by_id)}
        )
    for link in _records(KpiOutcomeLink):
        links[link.kpi_id].append({"outcome": refs("outcome", link.outcome_id), "rationale": link.rationale})
    return [
        {
            "ref": refs("kpi", k.id),
            **_pick(k, KPI_FIELDS),
            "value_stream": refs("stream", k.value_stream_id),
            "step": refs("step", k.step_id),
            "owner": c.person(k.owner_id),
            "outcome_links": links[k.id],
            "measurements": measurements[k.id],
        }
        for k in c.kpis
    ]


def _reviews(c: _Content) -> list[dict[str, Any]]:
    """Return the reviews, each with who took part, its findings and its actions."""
    findings, actions = _findings(c), _actions(c)
    participants = defaultdict(list)
    review_ids = [r.id for r in c.reviews]
    if review_ids:
        for review_id, user_id in db.session.execute(
            select(review_participants.c.review_id, review_participants.c.user_id)
            .where(review_participants.c.review_id.in_(review_ids))
            .order_by(review_participants.c.review_id, review_participants.c.user_id)
        ):
            participants[review_id].append(c.person(user_id))
    return [
        {
            **_pick(r, REVIEW_FIELDS),
            "value_stream": c.refs("stream", r.value_stream_id),
            "facilitator": c.person(r.facilitator_id),
            "participants": participants[r.id],
            "snapshot_open": _snapshot(r.snapshot_open, c.refs),
            "snapshot_close": _snapshot(r.snapshot_close, c.refs),
            "recorded_names": r.recorded_names,  # what a closed review showed, kept as written then
            "findings": findings[r.id],
            "actions": actions[r.id],
        }
        for r in c.reviews
    ]


def _findings(c: _Content) -> dict[int, list[dict[str, Any]]]:
    findings = defaultdict(list)
    for finding in _records(Finding):
        findings[finding.review_id].append(
            {
                **_pick(finding, FINDING_FIELDS),
                "step": c.refs("step", finding.step_id),
                "created_by": c.person(finding.created_by_id),
                "recorded_names": finding.recorded_names,
            }
        )
    return findings


def _actions(c: _Content) -> dict[int, list[dict[str, Any]]]:
    actions = defaultdict(list)
    for action in _records(Action):
        actions[action.review_id].append(
            {
                **_pick(action, ACTION_FIELDS),
                "step": c.refs("step", action.step_id),
                "kpi": c.refs("kpi", action.kpi_id),
                "outcome": c.refs("outcome", action.outcome_id),
                "owner": c.person(action.owner_id),
                "recorded_names": action.recorded_names,
            }
        )
    return actions


# Each section of the document and the function that lists its records, in the document's order.
SECTION_EXPORTERS: tuple[tuple[str, Callable[[_Content], list[dict[str, Any]]]], ...] = (
    ("customers", _customers),
    ("jobs", _jobs),
    ("circumstances", _circumstances),
    ("outcomes", _outcomes),
    ("value_streams", _value_streams),
    ("kpis", _kpis),
    ("reviews", _reviews),
)


def export_document(organization: Organization) -> dict[str, Any]:
    """Return the whole content of ``organization`` (the scoped session's) as a JSON-able dict."""
    content = _content()
    return {
        "schema_version": SCHEMA_VERSION,
        "exported_at": utcnow().replace(microsecond=0).isoformat() + "Z",
        "organization": {
            "name": organization.name,
            "slug": organization.slug,
            "settings": {k: getattr(organization, k) for k in SETTINGS},
        },
        **{section: export(content) for section, export in SECTION_EXPORTERS},
    }
