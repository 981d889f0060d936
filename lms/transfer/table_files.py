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

from lms.extensions import db
from lms.kpis.measurement_files import RowError
from lms.lean.durations import parse_duration
from lms.lean.metrics import WASTE_TYPES
from lms.models import Kpi, KpiMeasurement, Step, User, ValueStream
from lms.streams.ordering_services import ordered_steps
from lms.streams.schemas import STEP_FIELDS
from lms.transfer import spreadsheet_files
from lms.transfer.spreadsheet_files import MAX_ROWS, TableRejected, readable_rows
from lms.validation import fields_from_validation

MAX_ERRORS = 100


@dataclass(frozen=True)
class Column:
    """One documented column of a table."""

    name: str
    meaning: str
    example: str
    required: bool = False


_DURATION = "seconds, or a duration such as 45 s, 15 min, 2 h, 1.5 d (working days of the stream)"
DURATION_COLUMNS = ("cycle_time_s", "changeover_s", "wait_time_s")
STEP_COLUMNS = (
    Column("name", "What the step is called", "Weld frame", True),
    Column("kind", "process (a box) or inventory (a triangle); default process", "process"),
    Column("job_id", "Id of the customer job the step serves (see the customer's page)", ""),
    Column("classification", "value-adding, necessary, waste or unclassified", "necessary"),
    Column("waste_types", f"Wastes separated by ';': {', '.join(WASTE_TYPES)}", "waiting;motion"),
    Column("cycle_time_s", f"Cycle time C/T: {_DURATION}", "39"),
    Column("changeover_s", f"Changeover C/O: {_DURATION}", "10 min"),
    Column("uptime_pct", "Uptime, 0-100", "85"),
    Column("operators", "Number of operators", "1"),
    Column("pct_complete_accurate", "%C&A: share handed on complete and accurate, 0-100", "95"),
    Column("wait_time_s", f"Waiting before or in the step: {_DURATION}", "1 h"),
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


def _step_values(row: dict[str, str], emails: dict[str, int], number: int, errors: _Errors,
                 day_s: float | None) -> dict | None:
    values = _blank_to_none(row)
    for column in DURATION_COLUMNS:
        # "2 h", "15 min", "1.5 d" (working days of the stream) as well as plain seconds.
        if isinstance(values.get(column), str):
            try:
                values[column] = parse_duration(values[column], day_s)
            except ValueError as error:
                errors.add(number, column, str(error))
                values.pop(column)
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


# Measurements --------------------------------------------------------------------------


def measurement_rows(rows: list[tuple[int, dict[str, str]]], errors: _Errors) -> list[tuple[int, Any]]:
    """Check every row; return ``(row number, MeasurementIn)`` of the good ones, one per date."""
    from lms.kpis.schemas import MeasurementIn

    first_row: dict[date, int] = {}
    checked = []
    for number, row in rows:
        try:
            m = MeasurementIn.model_validate({k: v for k, v in row.items() if v != "" or k == "note"})
        except ValidationError as exc:
            for field, messages in fields_from_validation(exc).items():
                errors.add(number, field, " ".join(messages))
            continue
        if m.measured_on in first_row:
            errors.add(number, "measured_on", f"{m.measured_on} also appears in row "
                                              f"{first_row[m.measured_on]}; one measurement per date.")
            continue
        first_row[m.measured_on] = number
        checked.append((number, m))
    return checked


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
    return spreadsheet_files.render([c.name for c in columns], rows, fmt, notes)
