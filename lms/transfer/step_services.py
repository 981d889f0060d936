"""Steps imported from a CSV or XLSX table: checked, previewed as what will happen, then written.

An import either appends the file's steps after the stream's, or replaces the stream's steps with
the file's. Replacing pairs each row with a stored step of the same name (in order): a paired step
is changed in place (it keeps its KPIs, findings and actions), a row with no pair is added, and a
stored step no row names is removed. The preview says exactly that, step by step, before anything
is written; the write refuses to go ahead if the stream's steps changed since the preview.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import select

from lms import audit
from lms.db import utcnow
from lms.extensions import db
from lms.kpis.measurement_files import RowError
from lms.lean.durations import working_day
from lms.lean.waste import classification_errors
from lms.models import Job, Step, User, ValueStream
from lms.streams import permissions as stream_permissions
from lms.streams.ordering_services import lock_stream, mark_structure_changed, ordered_steps, place
from lms.streams.schemas import STEP_FIELDS, StepIn
from lms.streams.services import _record_step_changes
from lms.transfer.spreadsheet_files import TableRejected
from lms.transfer.table_files import STEP_COLUMNS, ImportSummary, _Errors, _step_values, read_table
from lms.validation import fields_from_validation

MODES = ("append", "replace")
CONTENT_FIELDS = tuple(name for name in STEP_FIELDS if name != "position")

Checked = list[tuple[int, StepIn]]


@dataclass(frozen=True)
class PreviewRow:
    """What the import does to one step: ``add``, ``change``, ``keep`` or ``remove``."""

    action: str
    name: str
    position: int | None = None  # its place after the import; None when removed
    row: int | None = None  # the file's row, None for a stored step no row names
    changes: tuple[str, ...] = ()  # the fields a change writes, as the pages name them


@dataclass(frozen=True)
class StepsPlan:
    """The whole preview: each step's fate, and a fingerprint of the steps it was computed from."""

    stream_name: str
    mode: str
    rows: list[PreviewRow] = field(default_factory=list)
    fingerprint: str = ""
    refusal: str | None = None

    def count(self, action: str) -> int:
        """Count the steps the import will treat that way."""
        return sum(1 for row in self.rows if row.action == action)


def check_steps(stream: ValueStream, filename: str, fileobj: IO[bytes]) -> Checked:
    """Read and check every row of a steps table (nothing written); raise TableRejected naming each error."""
    stream_permissions.require_edit(stream)
    rows = read_table(filename, fileobj, STEP_COLUMNS)
    errors = _Errors()
    emails = {email: uid for uid, email in db.session.execute(select(User.id, User.email))}
    jobs = set(db.session.scalars(select(Job.id)))
    day_s = working_day(stream.available_seconds_per_day)  # what "d" means in the file's durations
    checked: Checked = []
    for number, row in rows:
        values = _step_values(row, emails, number, errors, day_s)
        try:
            step = StepIn.model_validate(values)
        except ValidationError as exc:
            for name, messages in fields_from_validation(exc).items():
                errors.add(number, name, " ".join(messages))
            continue
        if step.job_id is not None and step.job_id not in jobs:
            errors.add(number, "job_id", "No such job in your organization.")
        for name, message in classification_errors(
            classification=step.classification, job_id=step.job_id, waste_types=step.waste_types
        ).items():
            errors.add(number, name, message)
        checked.append((number, step))
    errors.raise_if_any()
    return checked


def fingerprint(steps: list[Step]) -> str:
    """Sum up the stored steps (ids, versions, places): any change to them changes it."""
    text = ";".join(f"{step.id}:{step.version}:{step.position}" for step in steps)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _stored_values(step: Step) -> dict[str, Any]:
    values = {name: getattr(step, name) for name in CONTENT_FIELDS}
    values["waste_types"] = list(step.waste_types or [])
    return values


def _changed_fields(step: Step, data: StepIn) -> tuple[str, ...]:
    stored, new = _stored_values(step), data.model_dump(include=set(CONTENT_FIELDS))
    return tuple(name for name in CONTENT_FIELDS if stored[name] != new[name])


def _pairs(existing: list[Step], checked: Checked) -> list[tuple[int, StepIn, Step | None]]:
    """Pair each row with the first stored step of the same name not paired yet."""
    free: dict[str, list[Step]] = {}
    for step in existing:
        free.setdefault(step.name, []).append(step)
    return [(number, data, free[data.name].pop(0) if free.get(data.name) else None)
            for number, data in checked]


def _doubling(stream: ValueStream, existing: list[Step], checked: Checked) -> str | None:
    if existing and [s.name for s in existing] == [data.name for _, data in checked]:
        return (f"These {len(checked)} steps are already the steps of {stream.name}, in the same order: "
                "importing them again would double the map. Choose to replace the stream's steps "
                "to load the file instead.")
    return None


def plan_steps(stream: ValueStream, checked: Checked, mode: str) -> StepsPlan:
    """Say what importing ``checked`` in ``mode`` would do to each step; write nothing."""
    existing = ordered_steps(stream)
    if mode == "append":
        start = len(existing)
        rows = [PreviewRow("add", data.name, start + offset, number)
                for offset, (number, data) in enumerate(checked, start=1)]
        return StepsPlan(stream.name, mode, rows, fingerprint(existing), _doubling(stream, existing, checked))
    rows, kept = [], set()
    for position, (number, data, step) in enumerate(_pairs(existing, checked), start=1):
        if step is None:
            rows.append(PreviewRow("add", data.name, position, number))
            continue
        kept.add(step.id)
        changes = tuple(audit.field_label(name) for name in _changed_fields(step, data))
        rows.append(PreviewRow("change" if changes else "keep", data.name, position, number, changes))
    rows += [PreviewRow("remove", step.name) for step in existing if step.id not in kept]
    return StepsPlan(stream.name, mode, rows, fingerprint(existing))


def import_steps(stream: ValueStream, checked: Checked, mode: str, *,
                 expected: str | None = None) -> ImportSummary:
    """Write checked rows into ``stream`` in ``mode``: all of them, or none.

    ``expected`` is the preview's fingerprint: when the stream's steps changed since, nothing is written.
    """
    user = stream_permissions.require_edit(stream)
    stream = lock_stream(stream.id)
    existing = ordered_steps(stream)
    if expected is not None and fingerprint(existing) != expected:
        raise TableRejected([RowError(None, "file", (
            f"The steps of {stream.name} changed since this preview was made; nothing was imported. "
            "Preview the file again to see what it would do now."))])
    if mode == "append":
        refusal = _doubling(stream, existing, checked)
        if refusal:
            raise TableRejected([RowError(None, "file", refusal)])
        for offset, (_, data) in enumerate(checked, start=1):
            _add(stream, data, len(existing) + offset, user)
        summary = ImportSummary(added=len(checked))
    else:
        summary = _replace(stream, existing, checked, user)
    mark_structure_changed(stream)
    db.session.commit()
    return summary


def _add(stream: ValueStream, data: StepIn, position: int, user: User) -> Step:
    step = Step(value_stream_id=stream.id, **data.model_dump(include=set(CONTENT_FIELDS)))
    step.position = position
    if step.classification != "unclassified":
        step.classified_by_id, step.classified_at = user.id, utcnow()
    db.session.add(step)
    audit.record("create", step, summary=f"Step {step.name} imported into {stream.name}",
                 after=audit.snapshot(step, STEP_FIELDS))
    return step


def _replace(stream: ValueStream, existing: list[Step], checked: Checked, user: User) -> ImportSummary:
    """Change the paired steps in place, remove the unpaired ones, add the new rows, in the file's order."""
    pairs = _pairs(existing, checked)
    kept = {step.id for _, _, step in pairs if step is not None}
    removed = [step for step in existing if step.id not in kept]
    for step in removed:
        audit.record("delete", step, summary=f"Step {step.name} removed: an import replaced the steps of "
                                             f"{stream.name}", before=audit.snapshot(step, STEP_FIELDS))
        db.session.delete(step)
    db.session.flush()
    ordered, changed, beyond = [], 0, len(existing)
    for _, data, step in pairs:
        if step is None:
            beyond += 1  # a free place past every stored one; place() below gives the final one
            ordered.append(_add(stream, data, beyond, user))
            continue
        names = _changed_fields(step, data)
        if names:
            before = audit.snapshot(step, CONTENT_FIELDS)
            for name in names:
                value = getattr(data, name)
                setattr(step, name, list(value) if name == "waste_types" else value)
            old, new = audit.changed(before, audit.snapshot(step, CONTENT_FIELDS))
            _record_step_changes(step, old, new, user, step.position)
            changed += 1
        ordered.append(step)
    db.session.flush()
    place(ordered)
    return ImportSummary(added=sum(1 for *_, step in pairs if step is None), updated=changed,
                         removed=len(removed))
