"""Record audit events: who changed what, when, before and after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask import g, has_app_context

from lms.extensions import db
from lms.models import AuditEvent, Organization
from lms.tenancy import current_organization_id


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """Return the named attributes of ``obj`` as JSON-able values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Keep only the fields whose values differ between two snapshots."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    action: str,
    obj: Any,
    *,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organization_id: int | None = None,
) -> AuditEvent:
    """Add an audit event for ``obj`` to the session; the caller's transaction commits it."""
    actor = g.get("actor") if has_app_context() else None
    if obj in db.session.new:
        db.session.flush([obj])  # the event needs the new record's id
    organization_id = (organization_id or getattr(obj, "organization_id", None)
                       or (obj.id if isinstance(obj, Organization) else None) or current_organization_id())
    event = AuditEvent(
        organization_id=organization_id,
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else "system",
        action=action,
        record_type=type(obj).__name__,
        record_id=getattr(obj, "id", None),
        summary=summary,
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


# Field names as stored in the trail → the words the pages use.
FIELD_LABELS = {
    "name": "Name", "description": "Description", "kind": "Kind", "state": "State",
    "position": "Position in the flow", "classification": "Classification", "waste_types": "Waste types",
    "rationale": "Why this classification", "cycle_time_s": "Cycle time (C/T)",
    "changeover_s": "Changeover (C/O)", "uptime_pct": "Uptime", "operators": "Operators",
    "pct_complete_accurate": "%C&A (complete and accurate)", "wait_time_s": "Waiting time",
    "inventory_units": "Inventory (units)", "job_id": "Customer job", "owner_id": "Owner",
    "customer_id": "Customer", "daily_demand": "Daily demand (units/day)",
    "available_seconds_per_day": "Available time per day", "derived_from_id": "Future state of",
    "last_walked_on": "Map last walked on", "value_stream_id": "Value stream", "step_id": "Step",
    "statement": "Statement", "parent_id": "High-level job", "necessity": "Necessity",
    "interchangeable_group": "Interchangeable group", "coordination": "Coordination",
    "dimension": "Dimension", "circumstance": "Circumstance", "direction": "Direction",
    "unit": "Unit", "target": "Target", "outcome_ids": "Linked outcomes", "outcome_id": "Outcome",
    "kpi_id": "KPI", "measured_on": "Measured on", "value": "Value", "note": "Note",
    "rated_on": "Rated on", "importance": "Importance", "satisfaction": "Satisfaction",
    "respondents": "Respondents", "segment": "Segment", "held_on": "Held on", "status": "Status",
    "notes": "Notes", "facilitator_id": "Facilitator", "participant_ids": "Participants",
    "text": "Finding", "waste_type": "Waste type", "title": "Title", "due_on": "Due on",
    "stage": "Stage", "expected_effect": "Expected effect", "observed_result": "Observed result",
    "email": "Email", "role": "Role", "active": "Active",
    "share": "Share of customers", "requires_jobs": "Makes required", "rules_out_jobs": "Rules out",
}


def field_label(field: str) -> str:
    """Return the words the pages use for a stored field name (an unknown one made readable)."""
    return FIELD_LABELS.get(field) or field.removesuffix("_id").replace("_", " ").capitalize()


def field_names(fields) -> str:
    """Name changed fields for a summary: "waiting time, classification"."""
    labels = [field_label(field) for field in fields]
    return ", ".join(label if label[:2].isupper() else label[0].lower() + label[1:] for label in labels)
