"""What the attack tests look at: one record of each kind, and a fingerprint of an organization."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.auth.boundary import PATH_RECORDS
from lms.extensions import db
from lms.models import (
    AuditEvent,
    Job,
    KpiMeasurement,
    Organization,
    Outcome,
    OutcomeRating,
    Step,
)

# The records a path can name, as the boundary loads them (one map for the app and its attacks).
ID_MODELS = PATH_RECORDS


def fingerprint(org_id: int) -> dict:
    """Counts and version sums of an organization's records and its audit trail: any write moves one."""
    result = {}
    for name, model in {**ID_MODELS, "audit": AuditEvent}.items():
        stmt = select(func.count(model.id))
        if hasattr(model, "version"):
            stmt = select(func.count(model.id), func.coalesce(func.sum(model.version), 0))
        if hasattr(model, "organization_id"):
            stmt = stmt.where(model.organization_id == org_id)
        result[name] = tuple(db.session.execute(stmt.execution_options(all_organizations=True)).one())
    result["organization"] = db.session.execute(
        select(Organization.version).where(Organization.id == org_id)).scalar_one()
    return result


def record_ids(org_id: int) -> dict[str, int]:
    """One record of each kind in the organization, children matching their parents."""

    def first(*columns, where=()):
        stmt = select(*columns).where(columns[0].class_.organization_id == org_id, *where)
        return db.session.execute(stmt.order_by(columns[0]).limit(1)
                                  .execution_options(all_organizations=True)).first()

    ids = {name: (first(model.id) or (None,))[0] for name, model in ID_MODELS.items()}
    ids["step_id"], ids["stream_id"] = first(Step.id, Step.value_stream_id)
    ids["rating_id"], ids["outcome_id"] = first(OutcomeRating.id, OutcomeRating.outcome_id)
    ids["measurement_id"], ids["kpi_id"] = first(KpiMeasurement.id, KpiMeasurement.kpi_id)
    job = db.session.execute(select(Job.id, Job.customer_id).join(Outcome, Outcome.job_id == Job.id)
                             .where(Outcome.id == ids["outcome_id"])
                             .execution_options(all_organizations=True)).first()
    ids["job_id"], ids["customer_id"] = job or first(Job.id, Job.customer_id) or (None, None)
    return ids
