"""Save a stream's steps edited as one table: every row checked, then all written, or none.

Each row is a step as the grid shows it (an existing step with the version it was read at, or a
new one appended at the end), validated by the caller with the same schemas as the step form and
the API (``StepPatch`` for a stored step, ``StepIn`` for a new one). Here each row is checked against
the stored steps and the organization's records; a row whose step changed meanwhile is refused with a
message instead of overwriting someone else's change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lms import audit
from lms.db import utcnow
from lms.errors import ValidationFailed
from lms.extensions import db
from lms.models import Step, ValueStream
from lms.schema_types import sent
from lms.streams import permissions
from lms.streams.ordering_services import lock_stream, mark_structure_changed, ordered_steps, place
from lms.streams.schemas import STEP_FIELDS, StepIn, StepPatch
from lms.streams.services import (
    _check_references,
    _record_classification,
    _record_step_changes,
    _step_values,
    patched_step,
)

CHANGED_MEANWHILE = ("Someone else changed this step after you opened the table; reload the table to "
                     "see their change, then enter yours again.")


@dataclass
class GridRow:
    """One row of the grid: a stored step's cells as a ``StepPatch``, or a new step (``step_id`` None)."""

    key: str
    data: StepIn | StepPatch
    step_id: int | None = None
    version: int | None = None


@dataclass
class GridResult:
    """What a saved grid did."""

    added: int = 0
    changed: int = 0


def summary(result: GridResult) -> str:
    """Say what a saved table did: "2 steps changed, 1 step added", or "nothing changed"."""
    parts = [f"{count} step{'s' if count != 1 else ''} {verb}" for count, verb in (
        (result.changed, "changed"), (result.added, "added")) if count]
    return ", ".join(parts) or "nothing changed"


class GridRejected(Exception):
    """Raise when any row of the grid is refused: ``errors`` maps row key -> field -> messages."""

    def __init__(self, errors: dict[str, dict[str, list[str]]]) -> None:
        super().__init__("Some rows of the steps table were refused.")
        self.errors = errors


@dataclass
class _Plan:
    updates: list[tuple[Step, dict[str, Any]]] = field(default_factory=list)
    new: list[Any] = field(default_factory=list)
    errors: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def _plan_existing(row: GridRow, step: Step | None, plan: _Plan) -> None:
    """Check an existing step's row; remember the fields it changes."""
    if step is None:
        plan.errors[row.key] = {"name": ["This step was removed meanwhile; reload the table."]}
        return
    stored = _step_values(step)
    changes = {name: value for name, value in sent(row.data).items() if stored.get(name) != value}
    try:
        patched_step(step, row.data)
        _check_references(row.data, changes)
    except ValidationFailed as failed:
        plan.errors[row.key] = failed.fields
        return
    if not changes:
        return
    if row.version is not None and step.version != row.version:
        plan.errors[row.key] = {"version": [CHANGED_MEANWHILE]}
        return
    plan.updates.append((step, changes))


def _plan(stream: ValueStream, rows: list[GridRow]) -> _Plan:
    steps = {step.id: step for step in ordered_steps(stream)}
    plan = _Plan()
    for row in rows:
        if row.step_id is not None:
            _plan_existing(row, steps.get(row.step_id), plan)
            continue
        try:
            _check_references(row.data)
        except ValidationFailed as failed:
            plan.errors[row.key] = failed.fields
        else:
            plan.new.append(row.data)
    return plan


def save_grid(stream: ValueStream, rows: list[GridRow]) -> GridResult:
    """Write every row of the grid, or none when any row is refused (GridRejected says why, per cell)."""
    stream = lock_stream(stream.id)
    user = permissions.require_edit(stream)
    plan = _plan(stream, rows)
    if plan.errors:
        db.session.rollback()
        raise GridRejected(plan.errors)
    for step, changes in plan.updates:
        before = audit.snapshot(step, STEP_FIELDS)
        for name, value in changes.items():
            setattr(step, name, list(value) if name == "waste_types" else value)
        old, new = audit.changed(before, audit.snapshot(step, STEP_FIELDS))
        _record_step_changes(step, old, new, user, step.position)
    existing = ordered_steps(stream)
    for data in plan.new:
        step = Step(value_stream_id=stream.id, **data.model_dump(include=set(STEP_FIELDS) - {"position"}))
        if step.classification != "unclassified":
            step.classified_by_id, step.classified_at = user.id, utcnow()
        existing.append(step)
        place(existing, new=step)
        audit.record("create", step, summary=f"Step {step.name} added to {stream.name} at position "
                                             f"{step.position} (steps table)",
                     after=audit.snapshot(step, STEP_FIELDS))
        if step.classified_by_id is not None:
            _record_classification(step, {"classification": "unclassified", "waste_types": [],
                                          "rationale": ""}, user)
    if plan.new:
        mark_structure_changed(stream)
    db.session.commit()
    return GridResult(added=len(plan.new), changed=len(plan.updates))
