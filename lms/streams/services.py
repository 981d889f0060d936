"""Writes of value streams and their steps: each one checked, audited and committed here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete

from lms import audit, tenancy
from lms.db import utcnow
from lms.errors import ValidationFailed, check_version
from lms.extensions import db
from lms.models import Customer, Job, Step, User, ValueStream
from lms.schema_types import sent
from lms.streams import permissions
from lms.streams.ordering_services import lock_stream, mark_structure_changed, ordered_steps, place
from lms.streams.schemas import (
    CLASSIFY_FIELDS,
    STEP_FIELDS,
    STREAM_FIELDS,
    StepIn,
    StepPatch,
    ValueStreamIn,
    ValueStreamPatch,
    check_step_rules,
)
from lms.tenancy import Forbidden
from lms.validation import validate

STREAM_REFERENCES = {
    "customer_id": (Customer, "customer"),
    "job_id": (Job, "job"),
    "owner_id": (User, "user"),
    "derived_from_id": (ValueStream, "value stream"),
}
STEP_REFERENCES = {"job_id": (Job, "job"), "owner_id": (User, "user")}


# Checks shared by streams and steps ---------------------------------------------------


def _reference_errors(data: BaseModel, references: dict,
                      fields: Iterable[str] | None = None) -> dict[str, str]:
    """Name each id among ``fields`` (default: every reference) that points at no record of this
    organization."""
    errors = {}
    for field, (model, label) in references.items():
        if fields is not None and field not in fields:
            continue
        record_id = getattr(data, field)
        if record_id is not None and tenancy.find(model, record_id) is None:
            errors[field] = f"No such {label} in your organization."
    return errors


def _stream_rule_errors(data: ValueStreamIn, stream: ValueStream | None) -> dict[str, str]:
    """Check what one field cannot: the job belongs to the customer, a stream is not its own origin."""
    errors: dict[str, str] = {}
    if data.job_id is not None and data.customer_id is not None:
        job = tenancy.find(Job, data.job_id)
        if job is not None and job.customer_id != data.customer_id:
            errors["job_id"] = "This job belongs to another customer; choose a job of this stream's customer."
    if stream is not None and data.derived_from_id == stream.id:
        errors["derived_from_id"] = "A value stream cannot be derived from itself."
    return errors


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(errors)


# Value streams ------------------------------------------------------------------------


def _require_may_derive(source_id: int | None, user: User) -> None:
    """Refuse to attach a future state to a current state the actor may not change."""
    source = tenancy.find(ValueStream, source_id)
    if source is not None and not permissions.may_edit(source, user):
        raise Forbidden("A future state belongs with its current state: only that stream's process owner, "
                        "a manager or an admin may derive one from it.")


def create_stream(data: ValueStreamIn) -> ValueStream:
    """Map a new value stream; a process owner creates streams they own."""
    user = tenancy.require(*permissions.WRITER_ROLES)
    if user.role == "owner":
        if data.owner_id not in (None, user.id):
            raise Forbidden("A process owner maps value streams they own; a manager can assign others.")
        data = data.model_copy(update={"owner_id": user.id})
    _raise_if(_reference_errors(data, STREAM_REFERENCES) | _stream_rule_errors(data, None))
    _require_may_derive(data.derived_from_id, user)
    stream = ValueStream(**data.model_dump(include=set(STREAM_FIELDS)))
    if stream.last_walked_on is not None:
        stream.last_walked_by_id = user.id
    db.session.add(stream)
    audit.record("create", stream, summary=f"Value stream {stream.name} mapped",
                 after=audit.snapshot(stream, STREAM_FIELDS))
    db.session.commit()
    return stream


def update_stream(stream: ValueStream, patch: ValueStreamPatch) -> ValueStream:
    """Change the fields ``patch`` sends, refusing a stale ``patch.version``."""
    user = permissions.require_edit(stream)
    check_version(stream, patch.version)
    changes = sent(patch)
    data = ValueStreamIn.model_construct(**(_stream_values(stream) | changes))
    if user.role == "owner" and data.owner_id != stream.owner_id:
        raise Forbidden("Only a manager or an admin may hand a value stream to another owner.")
    _raise_if(_reference_errors(patch, STREAM_REFERENCES, changes) | _stream_rule_errors(data, stream))
    if "derived_from_id" in changes:
        _require_may_derive(data.derived_from_id, user)
    before = audit.snapshot(stream, STREAM_FIELDS)
    for field, value in changes.items():
        setattr(stream, field, value)
    old, new = audit.changed(before, audit.snapshot(stream, STREAM_FIELDS))
    if not new:
        return stream
    if "last_walked_on" in new and stream.last_walked_on is not None:
        stream.last_walked_by_id = user.id
    audit.record("update", stream, summary=f"Value stream {stream.name} changed: {audit.field_names(new)}",
                 before=old, after=new)
    db.session.commit()
    return stream


def delete_stream(stream: ValueStream) -> None:
    """Delete a stream with its steps; the audit trail keeps what it was."""
    permissions.require_edit(stream)
    audit.record("delete", stream, summary=f"Value stream {stream.name} deleted",
                 before=audit.snapshot(stream, STREAM_FIELDS))
    db.session.expire(stream, ["steps"])
    db.session.execute(delete(Step).where(Step.value_stream_id == stream.id))
    db.session.delete(stream)
    db.session.commit()


def confirm_walked(stream: ValueStream) -> ValueStream:
    """Record that the map was checked on the floor today, by the acting person."""
    user = permissions.require_edit(stream)
    before = {"last_walked_on": audit.snapshot(stream, ["last_walked_on"])["last_walked_on"],
              "last_walked_by_id": stream.last_walked_by_id}
    today = utcnow().date()
    stream.last_walked_on, stream.last_walked_by_id = today, user.id
    audit.record("walk", stream,
                 summary=f"Map of {stream.name} confirmed on the floor by {user.email} on {today}",
                 before=before, after={"last_walked_on": today.isoformat(), "last_walked_by_id": user.id})
    db.session.commit()
    return stream


def make_future_state(current: ValueStream) -> ValueStream:
    """Copy a stream and its steps as a future state derived from it."""
    user = permissions.require_edit(current)
    future = ValueStream(**{field: getattr(current, field) for field in STREAM_FIELDS})
    future.name = f"{current.name} (future state)"[:200]
    future.state, future.derived_from_id, future.last_walked_on = "future", current.id, None
    db.session.add(future)
    db.session.flush()
    for step in ordered_steps(current):
        copy = Step(value_stream_id=future.id, **{f: getattr(step, f) for f in STEP_FIELDS})
        copy.waste_types = list(step.waste_types or [])
        copy.classified_by_id, copy.classified_at = step.classified_by_id, step.classified_at
        db.session.add(copy)
    audit.record("create", future, summary=f"Future state of {current.name} made by {user.email}",
                 after=audit.snapshot(future, STREAM_FIELDS))
    db.session.commit()
    return future


def _stream_values(stream: ValueStream) -> dict[str, Any]:
    return {field: getattr(stream, field) for field in STREAM_FIELDS}


# Steps --------------------------------------------------------------------------------


def _step_values(step: Step) -> dict[str, Any]:
    values = {field: getattr(step, field) for field in STEP_FIELDS}
    values["waste_types"] = list(step.waste_types or [])
    return values


def _check_references(data: BaseModel, fields: Iterable[str] | None = None) -> None:
    _raise_if(_reference_errors(data, STEP_REFERENCES, fields))


def create_step(stream: ValueStream, data: StepIn) -> Step:
    """Add a step at the end, or at ``data.position`` moving later steps down one place."""
    _check_references(data)
    stream = lock_stream(stream.id)
    user = permissions.require_edit(stream)
    steps = ordered_steps(stream)
    position = min(data.position or len(steps) + 1, len(steps) + 1)
    step = Step(value_stream_id=stream.id, **data.model_dump(include=set(STEP_FIELDS) - {"position"}))
    if step.classification != "unclassified" or step.waste_types or step.rationale:
        step.classified_by_id, step.classified_at = user.id, utcnow()
    place(steps[: position - 1] + [step] + steps[position - 1:], new=step)
    mark_structure_changed(stream)
    audit.record("create", step, summary=f"Step {step.name} added to {stream.name} at position {position}",
                 after=audit.snapshot(step, STEP_FIELDS))
    if step.classified_by_id is not None:
        _record_classification(step, {"classification": "unclassified", "waste_types": [], "rationale": ""},
                               user)
    db.session.commit()
    return step


def patched_step(step: Step, patch: StepPatch) -> StepIn:
    """Return the stored step with the fields ``patch`` sends, refused if the whole breaks a save rule."""
    data = StepIn.model_construct(**(_step_values(step) | sent(patch)))
    check_step_rules(data)
    return data


def update_step(step: Step, patch: StepPatch) -> Step:
    """Change the fields ``patch`` sends; a new position moves the step and renumbers the others."""
    stream = lock_stream(step.value_stream_id)
    user = permissions.require_edit(stream)
    steps = ordered_steps(stream)  # also re-reads ``step`` now that the stream is locked
    check_version(step, patch.version)
    changes = sent(patch)
    patched_step(step, patch)
    _check_references(patch, changes)
    before = audit.snapshot(step, STEP_FIELDS)
    for field in set(changes) - {"position"}:
        value = changes[field]
        setattr(step, field, list(value) if field == "waste_types" else value)
    moved_from = step.position
    if changes.get("position") is not None:
        _move(stream, steps, step, changes["position"])
    old, new = audit.changed(before, audit.snapshot(step, STEP_FIELDS))
    _record_step_changes(step, old, new, user, moved_from)
    db.session.commit()
    return step


def tag_step(step: Step, classification: str, waste_types: list[str] | None = None,
             rationale: str | None = None, *, version: int | None = None) -> Step:
    """Tag a step value-adding, necessary, waste or unclassified, with its waste types and reason."""
    tag: dict[str, Any] = {"classification": classification, "version": version}
    if waste_types is not None:
        tag["waste_types"] = waste_types
    if rationale is not None:
        tag["rationale"] = rationale
    return update_step(step, validate(StepPatch, tag))


def move_step(step: Step, offset: int) -> Step:
    """Move a step ``offset`` places later (negative: earlier), within the map."""
    stream = lock_stream(step.value_stream_id)
    user = permissions.require_edit(stream)
    steps = ordered_steps(stream)
    moved_from = step.position
    before = audit.snapshot(step, ["position"])
    _move(stream, steps, step, step.position + offset)
    old, new = audit.changed(before, audit.snapshot(step, ["position"]))
    _record_step_changes(step, old, new, user, moved_from)
    db.session.commit()
    return step


def delete_step(step: Step) -> None:
    """Remove a step and close the gap it leaves."""
    stream = lock_stream(step.value_stream_id)
    permissions.require_edit(stream)
    steps = ordered_steps(stream)
    audit.record("delete", step, summary=f"Step {step.name} removed from {stream.name}",
                 before=audit.snapshot(step, STEP_FIELDS))
    db.session.delete(step)
    db.session.flush()
    place([other for other in steps if other is not step])
    mark_structure_changed(stream)
    db.session.commit()


def _move(stream: ValueStream, steps: list[Step], step: Step, position: int) -> None:
    """Put ``step`` at ``position`` (kept within 1..n) and renumber the rest densely."""
    position = max(1, min(position, len(steps)))
    if position == step.position:
        return
    others = [other for other in steps if other is not step]
    place(others[: position - 1] + [step] + others[position - 1:])
    mark_structure_changed(stream)


def _record_step_changes(step: Step, old: dict, new: dict, user: User, moved_from: int) -> None:
    """Audit a step's change: its classification, its place and its other fields, each once."""
    if not new:
        return
    if any(field in new for field in CLASSIFY_FIELDS):
        step.classified_by_id, step.classified_at = user.id, utcnow()
        _record_classification(step, {f: old[f] for f in CLASSIFY_FIELDS if f in old}, user)
    if "position" in new:
        audit.record("move", step, summary=f"Step {step.name} moved from position {moved_from} to "
                                           f"{step.position}",
                     before={"position": moved_from}, after={"position": step.position})
    rest = [f for f in new if f not in CLASSIFY_FIELDS and f != "position"]
    if rest:
        audit.record("update", step, summary=f"Step {step.name} changed: {audit.field_names(rest)}",
                     before={f: old[f] for f in rest}, after={f: new[f] for f in rest})


def _record_classification(step: Step, before: dict[str, Any], user: User) -> None:
    """Audit a tag as a sentence a reviewer can read: "Tagged waste (waiting) by … on …: reason".

    ``before`` names the tag's fields as they were; a field it leaves out did not change.
    """
    after = audit.snapshot(step, CLASSIFY_FIELDS)
    before = {f: before.get(f, after[f]) for f in CLASSIFY_FIELDS}
    audit.record("classify", step, summary=classification_sentence(after, user.email, utcnow().date()),
                 before=before, after=after)


def classification_sentence(tag: dict[str, Any], by: str, on) -> str:
    """Say who tagged a step what, when and why."""
    if tag["classification"] == "unclassified":
        text = f"Tag cleared by {by} on {on}"
    else:
        wastes = f" ({', '.join(tag['waste_types'])})" if tag.get("waste_types") else ""
        text = f"Tagged {tag['classification']}{wastes} by {by} on {on}"
    return f"{text}: {tag['rationale']}" if tag.get("rationale") else text
