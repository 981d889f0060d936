"""Writes of the measured flow: importing logs, mapping activities, settings, adopting figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from sqlalchemy import select

from lms import audit, bulk
from lms.extensions import db
from lms.flow import loading, parsing, permissions
from lms.flow.loading import LoadSummary, Progress
from lms.flow.parsing import Item
from lms.kpis.importing import ImportRejected
from lms.models import FlowActivity, FlowEvent, FlowProfile, ValueStream

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
    return parsing.xes_events(stream) if fmt == "xes" else parsing.csv_events(stream, mapping)


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
        summary: LoadSummary = loading.load(stream, items, progress)
        if summary.errors:
            raise ImportRejected(summary.errors)
    except BaseException:
        db.session.rollback()
        raise
    unmapped = list(db.session.scalars(select(FlowActivity.name).where(
        FlowActivity.value_stream_id == stream.id, FlowActivity.name.in_(summary.new_activities),
        FlowActivity.step_id.is_(None))).all()) if summary.new_activities else []
    result = ImportResult(summary.read, summary.added, summary.duplicates, summary.skipped,
                          summary.new_activities, unmapped)
    audit.record("import", stream,
                 summary=f"Event log {source} imported into {stream.name}: {result.sentence()}",
                 after={"events_added": result.added, "duplicates": result.duplicates,
                        "new_activities": result.new_activities[:50]})
    db.session.commit()
    bulk.refresh_statistics(FlowEvent, rows=result.added)
    return result


def profile_of(stream: ValueStream) -> FlowProfile:
    """Return the stream's flow settings (defaults when none were saved; not added to the session)."""
    profile = db.session.scalar(select(FlowProfile).where(FlowProfile.value_stream_id == stream.id))
    if profile is None:
        profile = FlowProfile(value_stream_id=stream.id, organization_id=stream.organization_id,
                              workday_starts_at_s=FlowProfile.workday_starts_at_s.default.arg,
                              tolerance_pct=FlowProfile.tolerance_pct.default.arg)
    return profile
