"""Writes of the measured flow: importing logs, mapping activities, settings, adopting figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import IO

from sqlalchemy import select

from lms import audit, bulk, tenancy
from lms.errors import ValidationFailed, check_version
from lms.extensions import db
from lms.flow import load_services, log_files, permissions
from lms.flow.load_services import LoadSummary, Progress
from lms.flow.log_files import Item
from lms.flow.schemas import FlowProfileIn
from lms.kpis.measurement_files import ImportRejected
from lms.models import FlowActivity, FlowEvent, FlowProfile, Kpi, Outcome, Step, ValueStream
from lms.validation import validate

CALENDAR_DAY_S = 86_400
FORMATS = ("csv", "xes")


@dataclass(frozen=True)
class ImportResult:
    """What an import added: events, duplicates left out, skipped transitions, new activities."""

    read: int
    added: int
    duplicates: int
    skipped: int
    new_activities: list[str]
    unmapped: list[str]

    def sentence(self) -> str:
        """Say what happened in one line a person reads."""
        text = f"{self.added:,} events imported"
        if self.duplicates:
            text += f", {self.duplicates:,} already in the log left out"
        if self.skipped:
            text += f", {self.skipped:,} with other transitions (assign, suspend …) skipped"
        if self.new_activities:
            text += f"; {len(self.new_activities)} new activities"
            if self.unmapped:
                text += f", {len(self.unmapped)} of them map to no step yet"
        return text + "."


def format_of(filename: str, content_type: str = "") -> str | None:
    """Tell a log's format from its file name or content type: csv, xes, or None."""
    name = (filename or "").lower()
    if name.endswith((".xes", ".xml")) or "xml" in content_type:
        return "xes"
    if name.endswith((".csv", ".txt")) or "csv" in content_type:
        return "csv"
    return None


def read_items(fmt: str, stream: IO[bytes], mapping: dict[str, str | None] | None = None) -> Iterable[Item]:
    """Return the reader of a log in ``fmt`` (``csv`` with an optional column mapping, or ``xes``)."""
    return log_files.xes_events(stream) if fmt == "xes" else log_files.csv_events(stream, mapping)


def import_events_for_actor(stream: ValueStream, items: Iterable[Item], *, source: str,
                            progress: Progress | None = None) -> ImportResult:
    """Import a log into a stream the acting person may change (pages and API)."""
    permissions.require_edit(stream)
    return import_events(stream, items, source=source, progress=progress)


def import_events(stream: ValueStream, items: Iterable[Item], *, source: str,
                  progress: Progress | None = None) -> ImportResult:
    """Import a log into the stream: all events or none; raise ImportRejected with the problems.

    No role check: the command line acts for the operator; pages and the API go through
    ``import_events_for_actor``.
    """
    try:
        summary: LoadSummary = load_services.load(stream, items, progress)
        if summary.errors:
            raise ImportRejected(summary.errors)
    except BaseException:
        db.session.rollback()
        raise
    unmapped = list(db.session.scalars(select(FlowActivity.name).where(
        FlowActivity.value_stream_id == stream.id, FlowActivity.name.in_(summary.new_activities),
        FlowActivity.step_id.is_(None)).order_by(FlowActivity.name)).all()) if summary.new_activities else []
    result = ImportResult(summary.read, summary.added, summary.duplicates, summary.skipped,
                          summary.new_activities, unmapped)
    audit.record("import", stream,
                 summary=f"Event log {source} imported into {stream.name}: {result.sentence()}",
                 after={"events_added": result.added, "duplicates": result.duplicates,
                        "new_activities": result.new_activities[:50]})
    db.session.commit()
    # The activities too: a table never analyzed makes PostgreSQL guess one activity per organization
    # and repeat the per-case reduction for each (measured: the cumulative flow of a million-event
    # log, 7.4 s; 0.44 s once the activities were analyzed).
    bulk.refresh_statistics(FlowEvent, FlowActivity, rows=result.added)
    return result


def profile_of(stream: ValueStream) -> FlowProfile:
    """Return the stream's flow settings (defaults when none were saved; not added to the session)."""
    profile = db.session.scalar(select(FlowProfile).where(FlowProfile.value_stream_id == stream.id))
    if profile is None:
        profile = FlowProfile(value_stream_id=stream.id, organization_id=stream.organization_id,
                              workday_starts_at_s=FlowProfile.workday_starts_at_s.default.arg,
                              tolerance_pct=FlowProfile.tolerance_pct.default.arg)
    return profile


# Activities -> steps ----------------------------------------------------------------------


def map_activities(stream: ValueStream, choices: dict[int, int | None]) -> int:
    """Map activities (by id) to steps of the stream (None: no step); return how many changed."""
    permissions.require_edit(stream)
    activities = {a.id: a for a in db.session.scalars(
        select(FlowActivity).where(FlowActivity.value_stream_id == stream.id))}
    steps = {s.id: s.name for s in db.session.scalars(select(Step).where(Step.value_stream_id == stream.id))}
    errors = {f"activity-{activity_id}": "No such activity of this stream." for activity_id in choices
              if activity_id not in activities}
    errors |= {f"activity-{activity_id}": "Choose a step of this value stream." for activity_id, step_id
               in choices.items() if step_id is not None and step_id not in steps}
    if errors:
        raise ValidationFailed(errors)
    changed = 0
    for activity_id, step_id in choices.items():
        activity = activities[activity_id]
        if activity.step_id == step_id:
            continue
        before = {"step_id": activity.step_id}
        activity.step_id = step_id
        audit.record("map", activity, before=before, after={"step_id": step_id},
                     summary=f"Activity {activity.name} of {stream.name} mapped to "
                             + (steps[step_id] if step_id else "no step (unmapped work)"))
        changed += 1
    db.session.commit()
    return changed


# Flow settings ----------------------------------------------------------------------------

PROFILE_FIELDS = ("workday_starts_at_s", "tolerance_pct", "outcome_id", "kpi_id")


def save_profile(stream: ValueStream, data: FlowProfileIn, *, version: int | None = None) -> FlowProfile:
    """Save how the stream's log is read: working day's start, tolerance, outcome, fed KPI."""
    permissions.require_edit(stream)
    errors = {}
    for field, model, label in (("outcome_id", Outcome, "outcome"), ("kpi_id", Kpi, "KPI")):
        record_id = getattr(data, field)
        if record_id is not None and tenancy.find(model, record_id) is None:
            errors[field] = f"No such {label} in your organization."
    if errors:
        raise ValidationFailed(errors)
    profile = profile_of(stream)
    if profile.id is not None:
        check_version(profile, version)
    else:
        db.session.add(profile)
    before = audit.snapshot(profile, PROFILE_FIELDS)
    for field in PROFILE_FIELDS:
        setattr(profile, field, getattr(data, field))
    old, new = audit.changed(before, audit.snapshot(profile, PROFILE_FIELDS))
    if new or profile.id is None:
        audit.record("update", profile, before=old, after=new,
                     summary=f"Flow settings of {stream.name}: {audit.field_names(new) or 'defaults'}")
    db.session.commit()
    return profile


# Drawn versus measured --------------------------------------------------------------------


def adopt_measured(stream: ValueStream, adoptions: dict[int, dict[str, float]]) -> list[str]:
    """Write measured medians into the steps' entered figures ({step id: {field: seconds}}), audited,
    and count it as verifying the map; return the names of the steps changed."""
    from lms.streams import services as stream_services
    from lms.streams.schemas import StepPatch

    permissions.require_edit(stream)
    changed = []
    for step_id, changes in adoptions.items():
        step = tenancy.find(Step, step_id)
        if step is None or step.value_stream_id != stream.id or not changes:
            continue
        stream_services.update_step(step, validate(StepPatch, {field: round(value, 1)
                                                               for field, value in changes.items()}))
        changed.append(step.name)
    if changed:
        audit.record("adopt", stream, summary=f"Measured figures adopted into {stream.name}: "
                                              + ", ".join(changed))
        stream_services.confirm_walked(stream)  # commits
    return changed


# A KPI fed from the log -------------------------------------------------------------------


def feed_kpi(stream: ValueStream, kpi: Kpi, weekly_medians: list[tuple[date, float]]) -> int:
    """Enter each week's median lead time (working days) as the KPI's measurement of that week's Friday."""
    from lms.kpis import services as kpi_services
    from lms.kpis.schemas import MeasurementBatchIn

    permissions.require_edit(stream)
    if not weekly_medians:
        return 0
    note = f"Median lead time from the event log of {stream.name}"[:500]
    batch = MeasurementBatchIn(measurements=[{"measured_on": day, "value": round(value, 3), "note": note}
                                             for day, value in weekly_medians])
    kpi_services.record_measurements(kpi, batch)
    return len(weekly_medians)
