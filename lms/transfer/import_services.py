"""Write a checked document into an empty organization, in bulk, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import bindparam, select

from lms import audit
from lms.bulk import content_models, insert_rows, refresh_statistics
from lms.extensions import db
from lms.models import (
    Action,
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
from lms.transfer.circumstance_files import write_circumstances
from lms.transfer.export_queries import SETTINGS
from lms.transfer.import_files import ImportResult, Plan, ensure_empty, read_document


def _set_column(model: type, column: str, pairs: list[tuple[int, int | None]]) -> None:
    """Set one column of already inserted rows: (id, value) pairs, one executemany."""
    if not pairs:
        return
    table = model.__table__
    stmt = table.update().where(table.c.id == bindparam("_id")).values({column: bindparam("_value")})
    db.session.execute(stmt, [{"_id": i, "_value": v} for i, v in pairs])


def _snapshot(snapshot: Any, step_ids: dict[int, int]) -> Any:
    if not isinstance(snapshot, dict):
        return snapshot
    copy = dict(snapshot)
    if isinstance(copy.get("over_takt_step_ids"), list):
        copy["over_takt_step_ids"] = [step_ids.get(ref, ref) for ref in copy["over_takt_step_ids"]]
    return copy


class _Write:
    """One import's writes: the plan, the counts, and the new id of each record by kind and ref."""

    def __init__(self, organization: Organization, plan: Plan) -> None:
        self.organization = organization
        self.plan = plan
        self.result = ImportResult()
        self.ids: dict[str, dict[int, int]] = {}
        self.review_ids: list[int] = []

    def add(self, model: type, label: str, rows: list[dict], *, ids: bool = True) -> list[int]:
        """Insert ``rows`` of ``model`` into the organization and count them under ``label``."""
        base = {"organization_id": self.organization.id}
        new_ids = insert_rows(model, [{**base, **row} for row in rows], ids=ids)
        self.result.counts[label] = self.result.counts.get(label, 0) + len(rows)
        return new_ids

    def add_by_ref(self, kind: str, refs: list[int], model: type, label: str,
                   rows: list[dict]) -> dict[int, int]:
        """Insert one row per record and remember each new id by the record's ``refs``."""
        self.ids[kind] = dict(zip(refs, self.add(model, label, rows), strict=True))
        return self.ids[kind]


def _refs(records: list[tuple[dict, Any]]) -> list[int]:
    return [rec["ref"] for rec, _ in records]


def _write_settings(w: _Write) -> None:
    for key in SETTINGS:
        if key in w.plan.settings:
            value = w.plan.settings[key]
            setattr(w.organization, key, int(value) if key.endswith("_days") else value)


def _write_customers(w: _Write) -> None:
    rows = [
        {"name": p["model"].name, "kind": p["model"].kind, "description": p["model"].description}
        for _, p in w.plan.customers
    ]
    w.add_by_ref("customer", _refs(w.plan.customers), Customer, "customers", rows)


def _write_jobs(w: _Write) -> None:
    """Insert the jobs, then link each related job to its high-level job."""
    customer = w.ids["customer"]
    rows = [
        {
            **p["model"].model_dump(exclude={"customer_id", "parent_id"}),
            "customer_id": customer[r["customer"]],
        }
        for r, p in w.plan.jobs
    ]
    job = w.add_by_ref("job", _refs(w.plan.jobs), Job, "jobs", rows)
    _set_column(
        Job, "parent_id", [(job[r["ref"]], job[r["parent"]]) for r, _ in w.plan.jobs if r.get("parent")]
    )


def _write_circumstances(w: _Write) -> None:
    write_circumstances(w.plan, w.ids["job"], w.add)


def _write_outcomes(w: _Write) -> None:
    """Insert the outcomes, then their ratings."""
    job = w.ids["job"]
    rows = [
        {"statement": p["model"].statement, "direction": p["model"].direction, "job_id": job[r["job"]]}
        for r, p in w.plan.outcomes
    ]
    outcome = w.add_by_ref("outcome", _refs(w.plan.outcomes), Outcome, "outcomes", rows)
    ratings = [
        {
            "outcome_id": outcome[r["ref"]],
            "rated_on": c.rated_on,
            "importance": c.importance,
            "satisfaction": c.satisfaction,
            "respondents": c.respondents,
            "segment": c.segment,
            "source": raw.get("source", "aggregate"),
            "created_by_id": by,
            "recorded_names": raw.get("recorded_names"),
        }
        for r, p in w.plan.outcomes
        for raw, c, by in p["ratings"]
    ]
    w.add(OutcomeRating, "ratings", ratings, ids=False)


def _write_streams(w: _Write) -> None:
    """Insert the value streams, then what points to one: the stream each was derived from, a customer's."""
    customer, job = w.ids["customer"], w.ids["job"]
    rows = [
        {
            **p["model"].model_dump(exclude={"customer_id", "job_id", "owner_id", "derived_from_id"}),
            "customer_id": customer.get(r.get("customer")),
            "job_id": job.get(r.get("job")),
            **p["people"],
        }
        for r, p in w.plan.streams
    ]
    stream = w.add_by_ref("stream", _refs(w.plan.streams), ValueStream, "value streams", rows)
    _set_column(
        ValueStream,
        "derived_from_id",
        [(stream[r["ref"]], stream[r["derived_from"]]) for r, _ in w.plan.streams if r.get("derived_from")],
    )
    _set_column(
        Customer,
        "value_stream_id",
        [
            (customer[r["ref"]], stream[r["value_stream"]])
            for r, _ in w.plan.customers
            if r.get("value_stream")
        ],
    )


def _write_steps(w: _Write) -> None:
    job, stream = w.ids["job"], w.ids["stream"]
    step_refs, step_rows = [], []
    for r, p in w.plan.streams:
        for raw, checked, people in p["steps"]:
            step_refs.append(raw["ref"])
            step_rows.append(
                {
                    **checked.model_dump(exclude={"job_id", "owner_id"}),
                    "value_stream_id": stream[r["ref"]],
                    "job_id": job.get(raw.get("job")),
                    **people,
                }
            )
    w.add_by_ref("step", step_refs, Step, "steps", step_rows)


def _write_kpis(w: _Write) -> None:
    """Insert the KPIs, then the outcomes each is linked to and its measurements."""
    stream, step, outcome = w.ids["stream"], w.ids["step"], w.ids["outcome"]
    rows = [
        {
            "name": p["model"].name,
            "unit": p["model"].unit,
            "direction": p["model"].direction,
            "target": p["model"].target,
            "description": p["model"].description,
            "value_stream_id": stream.get(r.get("value_stream")),
            "step_id": step.get(r.get("step")),
            "owner_id": p["owner_id"],
        }
        for r, p in w.plan.kpis
    ]
    kpi = w.add_by_ref("kpi", _refs(w.plan.kpis), Kpi, "KPIs", rows)
    links = [
        {
            "kpi_id": kpi[r["ref"]],
            "outcome_id": outcome[link["outcome_id"]],
            "rationale": link["rationale"] or "",
        }
        for r, p in w.plan.kpis
        for link in p["links"]
    ]
    w.add(KpiOutcomeLink, "KPI links", links, ids=False)
    measurements = [
        {"kpi_id": kpi[r["ref"]], "measured_on": c.measured_on, "value": c.value, "note": c.note,
         "entered_by_id": by}
        for r, p in w.plan.kpis
        for c, by in p["measurements"]
    ]
    w.add(KpiMeasurement, "measurements", measurements, ids=False)


def _write_reviews(w: _Write) -> None:
    """Insert the reviews, then who took part in each."""
    stream, step = w.ids["stream"], w.ids["step"]
    rows = [
        {
            **p["model"].model_dump(exclude={"value_stream_id", "facilitator_id", "participant_ids"}),
            "value_stream_id": stream[r["value_stream"]],
            "facilitator_id": p["facilitator_id"],
            "opened_at": p.get("opened_at"),
            "closed_at": p.get("closed_at"),
            "snapshot_open": _snapshot(r.get("snapshot_open"), step),
            "snapshot_close": _snapshot(r.get("snapshot_close"), step),
            "recorded_names": p["recorded_names"],
        }
        for r, p in w.plan.reviews
    ]
    w.review_ids = w.add(Review, "reviews", rows)
    participants = {
        (review_id, user_id)
        for review_id, (_, p) in zip(w.review_ids, w.plan.reviews, strict=True)
        for user_id in p["participants"]
        if user_id is not None
    }
    if participants:
        db.session.execute(
            review_participants.insert(), [{"review_id": r, "user_id": u} for r, u in sorted(participants)]
        )


def _review_parts(w: _Write, key: str) -> Iterator[tuple[int, dict, Any, int | None]]:
    """Yield each finding or action (``key``) of the reviews written, after its review's new id."""
    for review_id, (_, p) in zip(w.review_ids, w.plan.reviews, strict=True):
        for raw, checked, person_id in p[key]:
            yield review_id, raw, checked, person_id


def _write_findings(w: _Write) -> None:
    step = w.ids["step"]
    rows = [
        {
            "review_id": review_id,
            "text": c.text,
            "waste_type": c.waste_type,
            "step_id": step.get(raw.get("step")),
            "created_by_id": by,
            "recorded_names": raw.get("recorded_names"),
        }
        for review_id, raw, c, by in _review_parts(w, "findings")
    ]
    w.add(Finding, "findings", rows, ids=False)


def _write_actions(w: _Write) -> None:
    step, kpi, outcome = w.ids["step"], w.ids["kpi"], w.ids["outcome"]
    rows = [
        {
            "review_id": review_id,
            **c.model_dump(exclude={"step_id", "kpi_id", "outcome_id", "owner_id"}),
            "step_id": step.get(raw.get("step")),
            "kpi_id": kpi.get(raw.get("kpi")),
            "outcome_id": outcome.get(raw.get("outcome")),
            "owner_id": by,
            "recorded_names": raw.get("recorded_names"),
        }
        for review_id, raw, c, by in _review_parts(w, "actions")
    ]
    w.add(Action, "actions", rows, ids=False)


# Each section's writer, in the order of the writes: a record is written after those it points to.
SECTION_WRITERS = (
    _write_settings,
    _write_customers,
    _write_jobs,
    _write_circumstances,
    _write_outcomes,
    _write_streams,
    _write_steps,
    _write_kpis,
    _write_reviews,
    _write_findings,
    _write_actions,
)


def import_document(organization: Organization, doc: Any) -> ImportResult:
    """Import ``doc`` into the empty ``organization``; all or nothing."""
    ensure_empty()
    emails = {email: user_id for user_id, email in db.session.execute(select(User.id, User.email))}
    plan, reader = read_document(doc, emails)
    w = _Write(organization, plan)
    for write in SECTION_WRITERS:
        write(w)
    result = w.result
    result.warnings = [
        f"No user with the email {email} in this organization: the reference was left empty."
        for email in sorted(reader.missing_people)
    ]
    audit.record(
        "import",
        organization,
        summary="Imported " + ", ".join(f"{n:,} {label}" for label, n in result.counts.items() if n),
        after={"counts": result.counts},
    )
    db.session.commit()
    refresh_statistics(*content_models())
    return result
