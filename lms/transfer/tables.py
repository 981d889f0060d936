"""Steps and KPI measurements as CSV or XLSX tables: templates, exports, all-or-nothing imports.

Every row is checked by the same schema the API and the forms use; errors are reported by row
and column, and nothing is written unless every row is good. Files are read as streams (CSV
line by line, XLSX in openpyxl's read-only mode), so large files do not sit in memory twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import select

from lms import audit
from lms.db import utcnow
from lms.extensions import db
from lms.kpis.importing import RowError
from lms.lean.metrics import WASTE_TYPES
from lms.lean.waste import classification_errors
from lms.models import Job, Kpi, KpiMeasurement, Step, User, ValueStream
from lms.streams import permissions as stream_permissions
from lms.streams.ordering import lock_stream, mark_structure_changed, ordered_steps
from lms.streams.schemas import STEP_FIELDS, StepIn
from lms.transfer import spreadsheets
from lms.transfer.spreadsheets import MAX_ROWS, TableRejected, readable_rows
from lms.validation import fields_from_validation

MAX_ERRORS = 100


@dataclass(frozen=True)
class Column:
    """One documented column of a table."""

    name: str
    meaning: str
    example: str
    required: bool = False


STEP_COLUMNS = (
    Column("name", "What the step is called", "Weld frame", True),
    Column("kind", "process (a box) or inventory (a triangle); default process", "process"),
    Column("job_id", "Id of the customer job the step serves (see the customer's page)", ""),
    Column("classification", "value-adding, necessary, waste or unclassified", "necessary"),
    Column("waste_types", f"Wastes separated by ';': {', '.join(WASTE_TYPES)}", "waiting;motion"),
    Column("cycle_time_s", "Cycle time C/T in seconds", "39"),
    Column("changeover_s", "Changeover C/O in seconds", "600"),
    Column("uptime_pct", "Uptime, 0-100", "85"),
    Column("operators", "Number of operators", "1"),
    Column("pct_complete_accurate", "%C&A: share handed on complete and accurate, 0-100", "95"),
    Column("wait_time_s", "Waiting before or in the step, seconds", "3600"),
    Column("inventory_units", "Units waiting at the step", ""),
    Column("owner_email", "Email of the step's owner in lms", ""),
    Column("rationale", "Why the step carries its classification", "Required by the customer's audit"),
)
MEASUREMENT_COLUMNS = (
    Column("measured_on", "Date, YYYY-MM-DD", "2026-11-02", True),
    Column("value", "The KPI's value that day", "42.5", True),
    Column("note", "Anything worth knowing about the value", ""),
)
TABLES = {"steps": STEP_COLUMNS, "measurements": MEASUREMENT_COLUMNS}


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int = 0
    removed: int = 0


def read_table(
    filename: str, stream: IO[bytes], columns: tuple[Column, ...]
) -> list[tuple[int, dict[str, str]]]:
    """Return ``(row number, {column: text})`` for each non-empty data row, checking the header."""
    rows = readable_rows(filename, stream)
    known = {c.name for c in columns}
    header: list[str] | None = None
    data: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(rows, start=1):
        if not any(str(c).strip() for c in cells):
            continue
        if header is None:
            header = [str(c).strip().lower() for c in cells]
            errors = [
                RowError(number, name or "(blank)", f"Unknown column; use {', '.join(sorted(known))}.")
                for name in header
                if name not in known and name
            ]
            errors += [
                RowError(number, c.name, "This column is required in the header.")
                for c in columns
                if c.required and c.name not in header
            ]
            if errors:
                raise TableRejected(errors)
            continue
        if len(data) >= MAX_ROWS:
            raise TableRejected([RowError(number, "", f"Too many rows: at most {MAX_ROWS:,} at once.")])
        data.append(
            (
                number,
                {name: cell for name, cell in zip(header, cells, strict=False) if name in known},
            )
        )
    if header is None or not data:
        raise TableRejected([RowError(None, "", "The file has no rows under a header row.")])
    return data


class _Errors:
    def __init__(self) -> None:
        self.items: list[RowError] = []

    def add(self, row: int | None, column: str, message: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append(RowError(row, column, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise TableRejected(sorted(self.items, key=lambda e: (e.row or 0, e.column)))


def _blank_to_none(row: dict[str, str]) -> dict[str, Any]:
    return {key: (value if value != "" else None) for key, value in row.items()}


# Steps ---------------------------------------------------------------------------------


def _step_values(row: dict[str, str], emails: dict[str, int], number: int, errors: _Errors) -> dict | None:
    values = _blank_to_none(row)
    email = values.pop("owner_email", None)
    if email:
        values["owner_id"] = emails.get(email.lower())
        if values["owner_id"] is None:
            errors.add(number, "owner_email", f"No user {email} in your organization.")
    values["waste_types"] = [
        w.strip() for w in (row.get("waste_types") or "").replace(",", ";").split(";") if w.strip()
    ]
    for key in ("kind", "classification", "rationale"):
        if values.get(key) is None:
            values.pop(key, None)
    return values


def import_steps(stream: ValueStream, filename: str, fileobj: IO[bytes], *,
                 replace: bool = False) -> ImportSummary:
    """Append the table's steps to the end of ``stream``'s map, or replace its steps: all rows, or none.

    Appending the very steps the stream already has, in the same order, is refused: it is what
    re-importing an export does, and it would double the map.
    """
    user = stream_permissions.require_edit(stream)
    rows = read_table(filename, fileobj, STEP_COLUMNS)
    errors = _Errors()
    emails = {email: uid for uid, email in db.session.execute(select(User.id, User.email))}
    jobs = set(db.session.scalars(select(Job.id)))
    checked: list[tuple[int, StepIn]] = []
    for number, row in rows:
        values = _step_values(row, emails, number, errors)
        try:
            step = StepIn.model_validate(values)
        except ValidationError as exc:
            for field, messages in fields_from_validation(exc).items():
                errors.add(number, field, " ".join(messages))
            continue
        if step.job_id is not None and step.job_id not in jobs:
            errors.add(number, "job_id", "No such job in your organization.")
        for field, message in classification_errors(
            classification=step.classification, job_id=step.job_id, waste_types=step.waste_types
        ).items():
            errors.add(number, field, message)
        checked.append((number, step))
    errors.raise_if_any()

    stream = lock_stream(stream.id)
    existing = ordered_steps(stream)
    if not replace and existing and [s.name for s in existing] == [data.name for _, data in checked]:
        raise TableRejected([RowError(None, "file", (
            f"These {len(checked)} steps are already the steps of {stream.name}, in the same order: "
            "importing them again would double the map. Choose to replace the stream's steps "
            "to load the file instead."))])
    if replace:
        _remove_steps(stream, existing)
    start = 0 if replace else len(existing)
    now = utcnow()
    for offset, (_, data) in enumerate(checked, start=1):
        step = Step(value_stream_id=stream.id, **data.model_dump(include=set(STEP_FIELDS) - {"position"}))
        step.position = start + offset
        if step.classification != "unclassified":
            step.classified_by_id, step.classified_at = user.id, now
        db.session.add(step)
        audit.record(
            "create",
            step,
            summary=f"Step {step.name} imported into {stream.name}",
            after=audit.snapshot(step, STEP_FIELDS),
        )
    mark_structure_changed(stream)
    db.session.commit()
    return ImportSummary(added=len(checked), removed=len(existing) if replace else 0)


def _remove_steps(stream: ValueStream, steps: list[Step]) -> None:
    """Delete a stream's steps before an import replaces them, each with its audit entry."""
    for step in steps:
        audit.record("delete", step, summary=f"Step {step.name} removed: an import replaced the steps of "
                                             f"{stream.name}", before=audit.snapshot(step, STEP_FIELDS))
        db.session.delete(step)
    db.session.flush()


# Measurements --------------------------------------------------------------------------


def _measurement_values(rows: list[tuple[int, dict[str, str]]], errors: _Errors) -> dict[date, tuple]:
    """Check every row; return {date: (value, note, row number)}."""
    from lms.kpis.schemas import MeasurementIn

    by_date: dict[date, tuple[float, str, int]] = {}
    for number, row in rows:
        try:
            m = MeasurementIn.model_validate({k: v for k, v in row.items() if v != "" or k == "note"})
        except ValidationError as exc:
            for field, messages in fields_from_validation(exc).items():
                errors.add(number, field, " ".join(messages))
            continue
        if m.measured_on in by_date:
            errors.add(
                number,
                "measured_on",
                f"{m.measured_on} also appears in row {by_date[m.measured_on][2]}; one measurement per date.",
            )
            continue
        by_date[m.measured_on] = (m.value, m.note, number)
    return by_date


def import_measurements(kpi: Kpi, filename: str, fileobj: IO[bytes]) -> ImportSummary:
    """Add or update the KPI's measurements from a table: all rows, or none.

    New dates are inserted in bulk; a date the KPI already has is an update, audited with its
    value before and after.
    """
    from lms.bulk import insert_rows, refresh_statistics
    from lms.kpis.permissions import require_measurer

    user = require_measurer(kpi)
    rows = read_table(filename, fileobj, MEASUREMENT_COLUMNS)
    errors = _Errors()
    by_date = _measurement_values(rows, errors)
    errors.raise_if_any()
    existing = {
        m.measured_on: m
        for m in db.session.scalars(
            select(KpiMeasurement).where(
                KpiMeasurement.kpi_id == kpi.id,
                KpiMeasurement.measured_on.between(min(by_date), max(by_date)),
            )
        )
    }
    updated = 0
    for day, measurement in existing.items():
        if day not in by_date:
            continue
        value, note, _ = by_date[day]
        if (measurement.value, measurement.note) != (value, note):
            before = {"value": measurement.value, "note": measurement.note}
            measurement.value, measurement.note, measurement.entered_by_id = value, note, user.id
            audit.record(
                "update",
                measurement,
                summary=f"{kpi.name} on {day}: {before['value']} → {value}",
                before=before,
                after={"value": value, "note": note},
            )
            updated += 1
    new_rows = [
        {
            "organization_id": kpi.organization_id,
            "kpi_id": kpi.id,
            "measured_on": day,
            "value": value,
            "note": note,
            "entered_by_id": user.id,
        }
        for day, (value, note, _) in sorted(by_date.items())
        if day not in existing
    ]
    insert_rows(KpiMeasurement, new_rows, ids=False)
    audit.record(
        "import",
        kpi,
        summary=f"{len(new_rows):,} measurements of {kpi.name} imported, {updated} updated",
        after={"added": len(new_rows), "updated": updated},
    )
    db.session.commit()
    refresh_statistics(KpiMeasurement, rows=len(new_rows))
    return ImportSummary(added=len(new_rows), updated=updated)


# Writing -------------------------------------------------------------------------------


def _step_row(step: Step, emails: dict[int, str]) -> list[Any]:
    values = {field: getattr(step, field) for field in STEP_FIELDS}
    values["waste_types"] = ";".join(step.waste_types or [])
    values["owner_email"] = emails.get(step.owner_id, "")
    return [values.get(c.name) if values.get(c.name) is not None else "" for c in STEP_COLUMNS]


def steps_table(stream: ValueStream) -> list[list[Any]]:
    """Return the stream's steps as rows under the step columns, in map order."""
    emails = dict(db.session.execute(select(User.id, User.email)).tuples().all())
    return [_step_row(step, emails) for step in ordered_steps(stream)]


def measurements_table(kpi: Kpi) -> Iterable[list[Any]]:
    """Return the KPI's measurements as rows, oldest first."""
    return (
        [m.measured_on.isoformat(), m.value, m.note]
        for m in db.session.scalars(
            select(KpiMeasurement).where(KpiMeasurement.kpi_id == kpi.id).order_by(KpiMeasurement.measured_on)
        )
    )


def template_rows(table: str) -> list[list[Any]]:
    """Return one example row of a table's template."""
    return [[c.example for c in TABLES[table]]]


def render(columns: tuple[Column, ...], rows: Iterable[list[Any]], fmt: str) -> bytes:
    """Write a header row and ``rows`` as CSV or XLSX bytes, with the columns explained in XLSX."""
    notes = [["column", "meaning", "required"],
             *([c.name, c.meaning, "yes" if c.required else ""] for c in columns)]
    return spreadsheets.render([c.name for c in columns], rows, fmt, notes)
