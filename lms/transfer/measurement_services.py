"""Measurements imported at once: checked, previewed as what will happen, then written.

Rows come from a CSV or XLSX table (*Import / export*) or from rows pasted or uploaded on the KPI's
page; both are read into ``(row, MeasurementIn)`` pairs. A date the KPI has no measurement of is
*added*; a date it has is *changed* when the value or the note differs, else left *unchanged*. The
preview says that row by row before anything is written, and the write refuses to go ahead when the
KPI's measurements on those dates changed since the preview (the upload waits in
``lms.transfer.preview_files``, as the steps' does).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.extensions import db
from lms.kpis.measurement_files import RowError, check_rows, decode
from lms.kpis.permissions import require_measurer
from lms.kpis.schemas import MeasurementIn
from lms.models import Kpi, KpiMeasurement
from lms.transfer.preview_files import KeptUpload
from lms.transfer.spreadsheet_files import TableRejected
from lms.transfer.table_files import MEASUREMENT_COLUMNS, ImportSummary, _Errors, measurement_rows, read_table

# How an upload is read: a table of the Import / export page, or rows pasted (or a CSV uploaded, with
# its header) on the KPI's page. Each is also the kind of its kept upload, so a token made for one
# is never read as the other.
SOURCES = {"table": "measurements-table", "pasted": "measurements-pasted", "csv": "measurements-csv"}
PASTED_NAME = "pasted rows"
ROWS_SHOWN = 500  # a preview lists this many rows; its counts always cover the whole file

Checked = list[tuple[int, MeasurementIn]]


@dataclass(frozen=True)
class PreviewRow:
    """What the import does to one date: ``add``, ``change`` or ``keep``."""

    action: str
    row: int
    measured_on: date
    value: float
    note: str
    value_before: float | None = None  # the stored value of a change or an unchanged row
    note_before: str | None = None


@dataclass(frozen=True)
class MeasurementsPlan:
    """The whole preview, and a fingerprint of the stored measurements it was computed from."""

    kpi_name: str
    rows: list[PreviewRow] = field(default_factory=list)
    fingerprint: str = ""

    def count(self, action: str) -> int:
        """Count the rows the import will treat that way."""
        return sum(1 for row in self.rows if row.action == action)

    @property
    def shown(self) -> list[PreviewRow]:
        """Return the rows the page lists: changes first (they overwrite), then additions, then the rest."""
        order = {"change": 0, "add": 1, "keep": 2}
        return sorted(self.rows, key=lambda row: (order[row.action], row.row))[:ROWS_SHOWN]

    @property
    def writes(self) -> bool:
        """Tell whether confirming would write anything."""
        return any(row.action != "keep" for row in self.rows)


def check_table(kpi: Kpi, filename: str, data: bytes) -> Checked:
    """Read and check a CSV or XLSX table of measurements; raise TableRejected naming each error."""
    require_measurer(kpi)
    rows = read_table(filename, io.BytesIO(data), MEASUREMENT_COLUMNS)
    errors = _Errors()
    checked = measurement_rows(rows, errors)
    errors.raise_if_any()
    return checked


def check_text(kpi: Kpi, data: bytes, source: str) -> Checked:
    """Read and check pasted rows, or an uploaded CSV (which needs its header); raise ImportRejected."""
    require_measurer(kpi)
    return check_rows(decode(data), header_required=source == "csv")


def check_kept(kpi: Kpi, kept: KeptUpload, source: str) -> Checked:
    """Read a kept upload again, as it was read for its preview."""
    if source == "table":
        return check_table(kpi, kept.filename, kept.data)
    return check_text(kpi, kept.data, source)


def _stored(kpi: Kpi, checked: Checked) -> dict[date, KpiMeasurement]:
    """Return the KPI's measurements on the dates of the rows, by date."""
    days = {m.measured_on for _, m in checked}
    if not days:
        return {}
    rows = db.session.scalars(select(KpiMeasurement).where(
        KpiMeasurement.kpi_id == kpi.id, KpiMeasurement.measured_on.between(min(days), max(days))))
    return {m.measured_on: m for m in rows if m.measured_on in days}


def fingerprint(stored: Iterable[KpiMeasurement]) -> str:
    """Sum up the stored measurements the rows meet: a change to any of them changes it."""
    text = ";".join(f"{m.id}:{m.measured_on.isoformat()}:{m.value!r}:{m.note}"
                    for m in sorted(stored, key=lambda m: m.measured_on))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def plan_measurements(kpi: Kpi, checked: Checked) -> MeasurementsPlan:
    """Say what importing ``checked`` would do to each date; write nothing."""
    stored = _stored(kpi, checked)
    rows = []
    for number, m in checked:
        before = stored.get(m.measured_on)
        if before is None:
            rows.append(PreviewRow("add", number, m.measured_on, m.value, m.note))
        else:
            action = "keep" if (before.value, before.note) == (m.value, m.note) else "change"
            rows.append(PreviewRow(action, number, m.measured_on, m.value, m.note, before.value, before.note))
    return MeasurementsPlan(kpi.name, rows, fingerprint(stored.values()))


def _refused(message: str) -> TableRejected:
    return TableRejected([RowError(None, "file", message)])


def import_measurements(kpi: Kpi, checked: Checked, *, expected: str | None = None) -> ImportSummary:
    """Add the new dates (in bulk) and change the others: all rows, or none.

    ``expected`` is the preview's fingerprint: when the KPI's measurements on the file's dates changed
    since, nothing is written. A changed value is audited with its value before and after.
    """
    from lms.bulk import insert_rows, refresh_statistics

    user = require_measurer(kpi)
    # Two imports into one KPI queue here on PostgreSQL; SQLite's write transaction already serializes.
    db.session.execute(select(Kpi.id).where(Kpi.id == kpi.id).with_for_update())
    stored = _stored(kpi, checked)
    if expected is not None and fingerprint(stored.values()) != expected:
        raise _refused(f"The measurements of {kpi.name} on these dates changed since this preview was made; "
                       "nothing was imported. Preview the file again to see what it would do now.")
    updated = 0
    for _, m in checked:
        measurement = stored.get(m.measured_on)
        if measurement is None or (measurement.value, measurement.note) == (m.value, m.note):
            continue
        before = {"value": measurement.value, "note": measurement.note}
        measurement.value, measurement.note, measurement.entered_by_id = m.value, m.note, user.id
        audit.record("update", measurement, before=before, after={"value": m.value, "note": m.note},
                     summary=f"{kpi.name} on {m.measured_on}: {before['value']} → {m.value}")
        updated += 1
    new_rows = [{"organization_id": kpi.organization_id, "kpi_id": kpi.id, "measured_on": m.measured_on,
                 "value": m.value, "note": m.note, "entered_by_id": user.id}
                for _, m in sorted(checked, key=lambda pair: pair[1].measured_on)
                if m.measured_on not in stored]
    try:
        insert_rows(KpiMeasurement, new_rows, ids=False)
    except IntegrityError:  # someone entered one of these dates meanwhile (the API takes no KPI lock)
        db.session.rollback()
        raise _refused(f"Someone entered a measurement of {kpi.name} on one of these dates meanwhile; "
                       "nothing was imported. Preview the file again.") from None
    audit.record("import", kpi, after={"added": len(new_rows), "updated": updated},
                 summary=f"{len(new_rows):,} measurements of {kpi.name} imported, {updated} updated")
    db.session.commit()
    refresh_statistics(KpiMeasurement, rows=len(new_rows))
    return ImportSummary(added=len(new_rows), updated=updated)

