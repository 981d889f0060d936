"""Write a checked document into an empty organization, in bulk, in one transaction."""

from __future__ import annotations

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
from lms.transfer.circumstance_import import write_circumstances
from lms.transfer.document import SETTINGS
from lms.transfer.importer import ImportResult, ensure_empty, read_document


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


def import_document(organization: Organization, doc: Any) -> ImportResult:
    """Import ``doc`` into the empty ``organization``; all or nothing."""
    ensure_empty()
    emails = {email: user_id for user_id, email in db.session.execute(select(User.id, User.email))}
    plan, reader = read_document(doc, emails)
    base = {"organization_id": organization.id}
    result = ImportResult()

    settings = (doc.get("organization") or {}).get("settings") or {}
    for key in SETTINGS:
        if key in settings:
            value = settings[key]
            setattr(organization, key, int(value) if key.endswith("_days") else value)

    def add(model: type, label: str, rows: list[dict], *, ids: bool = True) -> list[int]:
        new_ids = insert_rows(model, [{**base, **row} for row in rows], ids=ids)
        result.counts[label] = result.counts.get(label, 0) + len(rows)
        return new_ids

    customer = dict(
        zip(
            [r["ref"] for r, _ in plan.customers],
            add(
                Customer,
                "customers",
                [
                    {"name": p["model"].name, "kind": p["model"].kind, "description": p["model"].description}
                    for _, p in plan.customers
                ],
            ),
            strict=True,
        )
    )
    job = dict(
        zip(
            [r["ref"] for r, _ in plan.jobs],
            add(
                Job,
                "jobs",
                [
                    {
                        **p["model"].model_dump(exclude={"customer_id", "parent_id"}),
                        "customer_id": customer[r["customer"]],
                    }
                    for r, p in plan.jobs
                ],
            ),
            strict=True,
        )
    )
    _set_column(
        Job, "parent_id", [(job[r["ref"]], job[r["parent"]]) for r, _ in plan.jobs if r.get("parent")]
    )
    write_circumstances(plan, job, add)
    outcome = dict(
        zip(
            [r["ref"] for r, _ in plan.outcomes],
            add(
                Outcome,
                "outcomes",
                [
                    {
                        "statement": p["model"].statement,
                        "direction": p["model"].direction,
                        "job_id": job[r["job"]],
                    }
                    for r, p in plan.outcomes
                ],
            ),
            strict=True,
        )
    )
    add(
        OutcomeRating,
        "ratings",
        [
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
            for r, p in plan.outcomes
            for raw, c, by in p["ratings"]
        ],
        ids=False,
    )

    stream = dict(
        zip(
            [r["ref"] for r, _ in plan.streams],
            add(
                ValueStream,
                "value streams",
                [
                    {
                        **p["model"].model_dump(
                            exclude={"customer_id", "job_id", "owner_id", "derived_from_id"}
                        ),
                        "customer_id": customer.get(r.get("customer")),
                        "job_id": job.get(r.get("job")),
                        **p["people"],
                    }
                    for r, p in plan.streams
                ],
            ),
            strict=True,
        )
    )
    _set_column(
        ValueStream,
        "derived_from_id",
        [(stream[r["ref"]], stream[r["derived_from"]]) for r, _ in plan.streams if r.get("derived_from")],
    )
    _set_column(
        Customer,
        "value_stream_id",
        [(customer[r["ref"]], stream[r["value_stream"]]) for r, _ in plan.customers if r.get("value_stream")],
    )
    step_refs, step_rows = [], []
    for r, p in plan.streams:
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
    step = dict(zip(step_refs, add(Step, "steps", step_rows), strict=True))

    kpi = dict(
        zip(
            [r["ref"] for r, _ in plan.kpis],
            add(
                Kpi,
                "KPIs",
                [
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
                    for r, p in plan.kpis
                ],
            ),
            strict=True,
        )
    )
    add(
        KpiOutcomeLink,
        "KPI links",
        [
            {
                "kpi_id": kpi[r["ref"]],
                "outcome_id": outcome[link["outcome_id"]],
                "rationale": link["rationale"] or "",
            }
            for r, p in plan.kpis
            for link in p["links"]
        ],
        ids=False,
    )
    add(
        KpiMeasurement,
        "measurements",
        [
            {
                "kpi_id": kpi[r["ref"]],
                "measured_on": c.measured_on,
                "value": c.value,
                "note": c.note,
                "entered_by_id": by,
            }
            for r, p in plan.kpis
            for c, by in p["measurements"]
        ],
        ids=False,
    )

    reviews = add(
        Review,
        "reviews",
        [
            {
                **p["model"].model_dump(),
                "value_stream_id": stream[r["value_stream"]],
                "facilitator_id": p["facilitator_id"],
                "opened_at": p.get("opened_at"),
                "closed_at": p.get("closed_at"),
                "snapshot_open": _snapshot(r.get("snapshot_open"), step),
                "snapshot_close": _snapshot(r.get("snapshot_close"), step),
                "recorded_names": p["recorded_names"],
            }
            for r, p in plan.reviews
        ],
    )
    participants = {
        (review_id, user_id)
        for review_id, (_, p) in zip(reviews, plan.reviews, strict=True)
        for user_id in p["participants"]
        if user_id is not None
    }
    if participants:
        db.session.execute(
            review_participants.insert(), [{"review_id": r, "user_id": u} for r, u in sorted(participants)]
        )
    add(
        Finding,
        "findings",
        [
            {
                "review_id": review_id,
                "text": c.text,
                "waste_type": c.waste_type,
                "step_id": step.get(raw.get("step")),
                "created_by_id": by,
                "recorded_names": raw.get("recorded_names"),
            }
            for review_id, (_, p) in zip(reviews, plan.reviews, strict=True)
            for raw, c, by in p["findings"]
        ],
        ids=False,
    )
    add(
        Action,
        "actions",
        [
            {
                "review_id": review_id,
                **c.model_dump(),
                "step_id": step.get(raw.get("step")),
                "kpi_id": kpi.get(raw.get("kpi")),
                "outcome_id": outcome.get(raw.get("outcome")),
                "owner_id": by,
                "recorded_names": raw.get("recorded_names"),
            }
            for review_id, (_, p) in zip(reviews, plan.reviews, strict=True)
            for raw, c, by in p["actions"]
        ],
        ids=False,
    )

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
