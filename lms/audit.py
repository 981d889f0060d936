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
