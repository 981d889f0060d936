"""Reads the KPI pages need besides the KPIs: options of selects, names, a KPI's links in full."""

from __future__ import annotations

from sqlalchemy import select

from lms import tenancy
from lms.extensions import db
from lms.models import Customer, Job, Kpi, KpiOutcomeLink, Outcome, OutcomeRating, Step, ValueStream


def step_name(step_id: int | None) -> str | None:
    """Return '<position>. <name>' of a step, or None."""
    if step_id is None:
        return None
    row = db.session.execute(select(Step.position, Step.name).where(Step.id == step_id)).first()
    return f"{row[0]}. {row[1]}" if row else None


# --- choices for forms and filters --------------------------------------------------------------

def outcome_choices() -> dict[str, list[tuple[int, str]]]:
    """Return the organization's outcomes grouped under 'customer — job'."""
    rows = db.session.execute(
        select(Outcome.id, Outcome.statement, Job.statement, Customer.name)
        .join(Job, Job.id == Outcome.job_id).join(Customer, Customer.id == Job.customer_id)
        .order_by(Customer.name, Job.statement, Outcome.statement)).tuples()
    groups: dict[str, list[tuple[int, str]]] = {}
    for outcome_id, statement, job, customer in rows:
        groups.setdefault(f"{customer} — {job}", []).append((outcome_id, statement))
    return groups


def step_choices() -> dict[str, list[tuple[int, str]]]:
    """Return the organization's steps grouped by value stream."""
    rows = db.session.execute(
        select(Step.id, Step.position, Step.name, ValueStream.name)
        .join(ValueStream, ValueStream.id == Step.value_stream_id)
        .order_by(ValueStream.name, ValueStream.id, Step.position)).tuples()
    groups: dict[str, list[tuple[int, str]]] = {}
    for step_id, position, name, stream in rows:
        groups.setdefault(stream, []).append((step_id, f"{position}. {name}"))
    return groups


def stream_names() -> dict[int, str]:
    """Return id → name of the organization's value streams."""
    return tenancy.names(ValueStream, ValueStream.name)


def customer_names() -> dict[int, str]:
    """Return id → name of the organization's customers."""
    return tenancy.names(Customer, Customer.name)


def link_details(kpi: Kpi) -> list[dict]:
    """Return the KPI's links with the outcome, its job and customer, for the KPI page."""
    rows = db.session.execute(
        select(KpiOutcomeLink.outcome_id, KpiOutcomeLink.rationale, Outcome.statement, Job.statement,
               Customer.name)
        .join(Outcome, Outcome.id == KpiOutcomeLink.outcome_id).join(Job, Job.id == Outcome.job_id)
        .join(Customer, Customer.id == Job.customer_id)
        .where(KpiOutcomeLink.kpi_id == kpi.id).order_by(Customer.name, Outcome.statement)).tuples()
    return [{"outcome_id": oid, "rationale": rationale, "statement": statement, "job": job,
             "customer": customer} for oid, rationale, statement, job, customer in rows]


def linked_segments(kpi: Kpi) -> list[str]:
    """Return the segments named by ratings of the outcomes a KPI stands for, by name."""
    linked = select(KpiOutcomeLink.outcome_id).where(KpiOutcomeLink.kpi_id == kpi.id).scalar_subquery()
    names = db.session.scalars(select(OutcomeRating.segment).distinct()
                               .where(OutcomeRating.outcome_id.in_(linked),
                                      OutcomeRating.segment.is_not(None)))
    return sorted(names, key=lambda name: (name.casefold(), name))
