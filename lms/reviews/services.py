"""Writes of reviews, findings and PDCA actions: each checked, audited and committed here.

Status runs planned → open → closed. Opening stores the stream's metrics object as
``snapshot_open``, closing stores ``snapshot_close``; each is taken once and never changed
afterwards (an admin who reopens a closed review keeps both). Going straight from planned
to closed takes both at that moment.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lms import audit, tenancy
from lms.db import utcnow
from lms.errors import ValidationFailed, check_version
from lms.extensions import db
from lms.lean.durations import format_duration, metrics_in_days, working_day
from lms.lean.metrics import compute_metrics
from lms.models import Action, Finding, Kpi, Outcome, Review, Step, User, ValueStream
from lms.reviews import permissions, record_services
from lms.reviews.schemas import (
    ACTION_FIELDS,
    ASSIGNEE_FIELDS,
    FINDING_FIELDS,
    REVIEW_FIELDS,
    ActionIn,
    ActionPatch,
    FindingIn,
    FindingPatch,
    ReviewIn,
    ReviewPatch,
)
from lms.schema_types import sent
from lms.streams import queries as stream_queries
from lms.streams.ordering_services import lock_stream
from lms.tenancy import Forbidden
from lms.validation import validate

KIND_LABELS = {"kaizen-event": "Kaizen event", "periodic-review": "Periodic review",
               "gemba-walk": "Gemba walk"}


# Snapshots ----------------------------------------------------------------------------


def take_snapshot(stream: ValueStream) -> dict[str, Any]:
    """Return the stream's metrics object now, with its step timeline for the A3 (extension key)."""
    steps = stream_queries.steps_of(stream)
    metrics = compute_metrics(stream_queries.stream_figures(stream, steps))
    snapshot = metrics.as_api_dict()
    snapshot |= metrics_in_days(snapshot, working_day(stream.available_seconds_per_day))
    by_id = {step.id: step for step in steps}
    snapshot["step_timeline"] = [
        {"position": t.position, "name": t.name, "kind": by_id[t.step_id].kind,
         "classification": by_id[t.step_id].classification, "processing_s": t.processing_s,
         "waiting_s": t.waiting_s, "over_takt": t.over_takt}
        for t in metrics.step_timings if t.step_id in by_id
    ]
    return snapshot


def _figures_sentence(snapshot: dict, day_s: float | None) -> str:
    pce, lead = snapshot.get("pce"), snapshot.get("lead_time_s")
    return (f"lead time {'incomplete' if lead is None else format_duration(lead, day_s)}, "
            f"PCE {'—' if pce is None else f'{pce * 100:.1f} %'}")


# Checks -------------------------------------------------------------------------------


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(errors)


def _missing(model, record_id: int | None) -> bool:
    return record_id is not None and tenancy.find(model, record_id) is None


def _people_errors(facilitator_id: int | None, participant_ids: list[int] | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if _missing(User, facilitator_id):
        errors["facilitator_id"] = "No such user in your organization."
    if participant_ids:
        found = set(db.session.scalars(select(User.id).where(User.id.in_(participant_ids))))
        unknown = [str(i) for i in participant_ids if i not in found]
        if unknown:
            errors["participant_ids"] = f"No such user in your organization: {', '.join(unknown)}."
    return errors


def _step_error(stream_id: int, step_id: int | None) -> dict[str, str]:
    if step_id is None:
        return {}
    step = tenancy.find(Step, step_id)
    if step is None or step.value_stream_id != stream_id:
        return {"step_id": "No such step in this review's value stream."}
    return {}


def _stream_of(review: Review) -> ValueStream:
    return tenancy.get_or_404(ValueStream, review.value_stream_id)


def _refuse_when_closed(review: Review, what: str) -> None:
    if review.status == "closed":
        raise ValidationFailed({"review_id": f"This review is closed: {what}. "
                                             "An admin can reopen it."})


# Reviews ------------------------------------------------------------------------------


def _review_state(review: Review) -> dict[str, Any]:
    state = audit.snapshot(review, REVIEW_FIELDS)
    state["participant_ids"] = sorted(user.id for user in review.participants)
    return state


def _participants(ids: list[int]) -> list[User]:
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))


def create_review(data: ReviewIn) -> Review:
    """Plan a review of a value stream (or record one already open or closed)."""
    permissions.require_may_create()
    errors = _people_errors(data.facilitator_id, data.participant_ids)
    stream = tenancy.find(ValueStream, data.value_stream_id)
    if stream is None:
        errors["value_stream_id"] = "No such value stream in your organization."
    _raise_if(errors)
    user = permissions.require_runner(stream)
    review = Review(**data.model_dump(include=set(REVIEW_FIELDS) - {"status"}), status="planned")
    review.participants = _participants(data.participant_ids)
    db.session.add(review)
    audit.record("create", review, summary=f"{KIND_LABELS[review.kind]} of {stream.name} planned for "
                                           f"{review.held_on} by {user.email}",
                 after=_review_state(review))
    if data.status != "planned":
        _change_status(review, stream, data.status, user)
    db.session.commit()
    return review


def update_review(review: Review, patch: ReviewPatch) -> Review:
    """Change the fields ``patch`` sends; a new ``status`` moves the review along planned → open → closed."""
    stream = _stream_of(review)
    user = permissions.require_runner(stream)
    check_version(review, patch.version)
    changes = sent(patch)
    errors = _people_errors(changes.get("facilitator_id"), changes.get("participant_ids"))
    target = stream
    if changes.get("value_stream_id", review.value_stream_id) != review.value_stream_id:
        target = _new_stream(review, changes["value_stream_id"], errors)
    _raise_if(errors)
    if target is not stream:
        permissions.require_runner(target)
    before = _review_state(review)
    for field in set(changes) & (set(REVIEW_FIELDS) - {"status"}):
        setattr(review, field, changes[field])
    if "participant_ids" in changes and sorted(changes["participant_ids"]) != before["participant_ids"]:
        review.participants = _participants(changes["participant_ids"])
        review.updated_at = utcnow()  # the row changes too, so the version rises
    old, new = audit.changed(before, _review_state(review))
    if new:
        audit.record("update", review, summary=f"Review of {target.name} changed: {audit.field_names(new)}",
                     before=old, after=new)
    if "status" in changes:
        _change_status(review, target, changes["status"], user)
    db.session.commit()
    return review


def _new_stream(review: Review, stream_id: int, errors: dict[str, str]) -> ValueStream | None:
    """Check that a review may move to another stream: only while planned and with no step named."""
    target = tenancy.find(ValueStream, stream_id)
    if target is None:
        errors["value_stream_id"] = "No such value stream in your organization."
    elif review.status != "planned":
        errors["value_stream_id"] = "The value stream of a review cannot change once it has opened."
    elif any(item.step_id is not None for item in (*review.findings, *review.actions)):
        errors["value_stream_id"] = "Findings or actions of this review name steps of its value stream."
    return target


def set_status(review: Review, status: str, *, version: int | None = None) -> Review:
    """Open, close or (admins only) reopen a review."""
    return update_review(review, validate(ReviewPatch, {"status": status, "version": version}))


def _change_status(review: Review, stream: ValueStream, new: str, user: User) -> None:
    """Move the status and take the snapshots it calls for, each once."""
    old = review.status
    if new == old:
        return
    if old == "closed" and not permissions.may_reopen(user):
        raise Forbidden(f"This review is closed; only an admin may take it back to {new}.")
    if old == "open" and new == "planned":
        raise ValidationFailed({"status": "An open review cannot go back to planned; close it when done."})
    taken = []
    now = utcnow()
    if new in ("open", "closed") and (review.snapshot_open is None or review.snapshot_close is None):
        snapshot = take_snapshot(lock_stream(stream.id))
        if review.snapshot_open is None:
            review.snapshot_open, review.opened_at = snapshot, now
            taken.append("at opening")
        if new == "closed" and review.snapshot_close is None:
            review.snapshot_close, review.closed_at = snapshot, now
            taken.append("at closing")
    review.status = new
    if new == "closed":
        record_services.record_names(review, stream)
    verb = {"open": "opened", "closed": "closed", "planned": "set back to planned"}[new]
    if old == "closed":
        verb = "reopened" if new == "open" else verb
    summary = f"Review of {stream.name} {verb} by {user.email}"
    if taken:
        figures_now = _figures_sentence(review.snapshot_open, working_day(stream.available_seconds_per_day))
        summary += f"; figures recorded {' and '.join(taken)}: {figures_now}"
    audit.record("status", review, summary=summary, before={"status": old},
                 after={"status": new, "snapshots_taken": taken})


def delete_review(review: Review) -> None:
    """Delete a review with its findings and actions; the audit trail keeps what it was."""
    permissions.require_deleter()
    stream = _stream_of(review)
    audit.record("delete", review, summary=f"Review of {stream.name} on {review.held_on} deleted",
                 before=_review_state(review))
    for item in (*review.findings, *review.actions):
        db.session.delete(item)
    db.session.delete(review)
    db.session.commit()


# Findings -----------------------------------------------------------------------------


def create_finding(review: Review, data: FindingIn) -> Finding:
    """Record what the review saw, on a step of its stream if named."""
    user = permissions.require_runner(_stream_of(review))
    _raise_if(_step_error(review.value_stream_id, data.step_id))
    _refuse_when_closed(review, "findings can no longer be added")
    finding = Finding(review_id=review.id, created_by_id=user.id,
                      **data.model_dump(include=set(FINDING_FIELDS)))
    db.session.add(finding)
    audit.record("create", finding, summary=f"Finding recorded in review {review.id}: {finding.text[:80]}",
                 after=audit.snapshot(finding, FINDING_FIELDS))
    db.session.commit()
    return finding


def update_finding(finding: Finding, patch: FindingPatch) -> Finding:
    """Change the fields of a finding that ``patch`` sends."""
    review = finding.review
    permissions.require_runner(_stream_of(review))
    check_version(finding, patch.version)
    _refuse_when_closed(review, "its findings can no longer change")
    changes = sent(patch)
    _raise_if(_step_error(review.value_stream_id, changes["step_id"]) if "step_id" in changes else {})
    before = audit.snapshot(finding, FINDING_FIELDS)
    for field, value in changes.items():
        setattr(finding, field, value)
    old, new = audit.changed(before, audit.snapshot(finding, FINDING_FIELDS))
    if new:
        audit.record("update", finding, before=old, after=new,
                     summary=f"Finding of review {review.id} changed: {audit.field_names(new)}")
        db.session.commit()
    return finding


def delete_finding(finding: Finding) -> None:
    """Remove a finding."""
    review = finding.review
    permissions.require_runner(_stream_of(review))
    _refuse_when_closed(review, "its findings can no longer change")
    audit.record("delete", finding, summary=f"Finding of review {review.id} removed: {finding.text[:80]}",
                 before=audit.snapshot(finding, FINDING_FIELDS))
    db.session.delete(finding)
    db.session.commit()


# Actions ------------------------------------------------------------------------------


def _action_reference_errors(review: Review, data: ActionIn | ActionPatch, fields) -> dict[str, str]:
    errors = _step_error(review.value_stream_id, data.step_id) if "step_id" in fields else {}
    for field, model, label in (("kpi_id", Kpi, "KPI"), ("outcome_id", Outcome, "outcome"),
                                ("owner_id", User, "user")):
        if field in fields and _missing(model, getattr(data, field)):
            errors[field] = f"No such {label} in your organization."
    return errors


def create_action(review: Review, data: ActionIn) -> Action:
    """Agree a PDCA action in a review."""
    user = permissions.require_runner(_stream_of(review))
    _raise_if(_action_reference_errors(review, data, ACTION_FIELDS))
    _refuse_when_closed(review, "actions can no longer be added")
    action = Action(review_id=review.id, **data.model_dump(include=set(ACTION_FIELDS)))
    db.session.add(action)
    audit.record("create", action, summary=f"Action “{action.title}” agreed in review {review.id} "
                                           f"by {user.email}, stage {action.stage}",
                 after=audit.snapshot(action, ACTION_FIELDS))
    db.session.commit()
    return action


def update_action(action: Action, patch: ActionPatch) -> Action:
    """Change the fields ``patch`` sends; the action's assignee may change only its stage and observed
    result."""
    review = action.review
    stream = _stream_of(review)
    user = tenancy.actor()
    runner = permissions.may_run(stream, user)
    if not runner and not permissions.is_assignee(action, user):
        raise Forbidden("Only the action's owner, the value stream's owner, a manager or an admin "
                        "may change this action.")
    check_version(action, patch.version)
    before = audit.snapshot(action, ACTION_FIELDS)
    differing = {f for f, value in sent(patch).items() if value != getattr(action, f)}
    if not runner and differing - set(ASSIGNEE_FIELDS):
        raise Forbidden("As the action's owner you may change its stage and observed result only.")
    _raise_if(_action_reference_errors(review, patch, differing))
    for field in differing:
        setattr(action, field, getattr(patch, field))
    old, new = audit.changed(before, audit.snapshot(action, ACTION_FIELDS))
    if "stage" in new:
        audit.record("stage", action,
                     summary=f"Action “{action.title}” moved to {action.stage} by {user.email}",
                     before={"stage": old["stage"]}, after={"stage": new["stage"]})
    rest = [f for f in new if f != "stage"]
    if rest:
        audit.record("update", action, summary=f"Action “{action.title}” changed: {audit.field_names(rest)}",
                     before={f: old[f] for f in rest}, after={f: new[f] for f in rest})
    if new:
        db.session.commit()
    return action


def move_action(action: Action, stage: str, *, version: int | None = None) -> Action:
    """Move an action to another PDCA stage."""
    return update_action(action, validate(ActionPatch, {"stage": stage, "version": version}))


def delete_action(action: Action) -> None:
    """Remove an action that should not have been agreed."""
    review = action.review
    permissions.require_runner(_stream_of(review))
    _refuse_when_closed(review, "its actions can no longer be removed")
    audit.record("delete", action, summary=f"Action “{action.title}” removed from review {review.id}",
                 before=audit.snapshot(action, ACTION_FIELDS))
    db.session.delete(action)
    db.session.commit()
