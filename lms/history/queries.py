"""Read the audit trail with filters; every query is scoped by tenancy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, distinct, select

from lms import models, tenancy
from lms.extensions import db
from lms.models import AuditEvent, Organization, User
from lms.pagination import Page, paginate
from lms.tenancy import current_organization_id

# The record types people may filter by, with a readable name.
RECORD_TYPES = {
    "ValueStream": "Value stream", "Step": "Step", "Customer": "Customer", "Job": "Job",
    "Circumstance": "Circumstance",
    "Outcome": "Outcome", "OutcomeRating": "Outcome rating", "Kpi": "KPI",
    "KpiMeasurement": "KPI measurement", "KpiOutcomeLink": "KPI link", "Review": "Review",
    "Finding": "Finding", "Action": "Action", "User": "User", "ApiToken": "API token",
    "Organization": "Organization",
}


@dataclass(frozen=True)
class HistoryFilter:
    """What the person asked to see of the trail."""

    actor_id: int | None = None
    record_type: str | None = None
    since: date | None = None
    until: date | None = None
    record_id: int | None = None


def _statement(criteria: HistoryFilter) -> Select:
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if criteria.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == criteria.actor_id)
    if criteria.record_type:
        stmt = stmt.where(AuditEvent.record_type == criteria.record_type)
    if criteria.record_id is not None:
        stmt = stmt.where(AuditEvent.record_id == criteria.record_id)
    if criteria.since:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(criteria.since, time.min))
    if criteria.until:
        stmt = stmt.where(AuditEvent.at < datetime.combine(criteria.until + timedelta(days=1), time.min))
    return stmt


def events(criteria: HistoryFilter, page: int, per_page: int) -> Page:
    """Return one page of the organization's audit events, newest first."""
    return paginate(_statement(criteria), page, per_page)


def actors() -> list[User]:
    """Return the people who appear in the trail, for the filter."""
    ids = select(distinct(AuditEvent.actor_id)).where(AuditEvent.actor_id.is_not(None))
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.email)))


def record_events(record_type: str, record_id: int, limit: int = 200) -> list[AuditEvent]:
    """Return the trail of one record, newest first."""
    stmt = _statement(HistoryFilter(record_type=record_type, record_id=record_id)).limit(limit)
    return list(db.session.scalars(stmt))


# How each kind of record is named on its pages.
_NAME_COLUMNS = {
    "ValueStream": "name", "Step": "name", "Customer": "name", "Job": "statement", "Outcome": "statement",
    "Circumstance": "name",
    "Kpi": "name", "Finding": "text", "Action": "title", "User": "email", "ApiToken": "name",
    "Organization": "name", "OutcomeRating": "rated_on", "KpiMeasurement": "measured_on", "Review": "held_on",
}


def record_name(record_type: str, record_id: int, trail: list[AuditEvent]) -> str:
    """Return the record's name as its pages show it; a deleted record is named as the trail last saw it."""
    column = _NAME_COLUMNS.get(record_type)
    model = getattr(models, record_type, None)
    record = None
    if model is Organization:
        record = db.session.get(Organization, record_id) if record_id == current_organization_id() else None
    elif model is not None:
        record = tenancy.find(model, record_id)
    value = getattr(record, column, None) if record is not None and column else None
    if value is None and column:
        value = next((snapshot[column] for event in trail for snapshot in (event.after, event.before)
                      if isinstance(snapshot, dict) and snapshot.get(column)), None)
    label = RECORD_TYPES.get(record_type, record_type)
    if value is None:
        return f"{label} #{record_id}"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"{label} “{text[:120]}”"
