"""Imports of uploaded logs that run in the background of the serving process, and their progress.

A page that imports a large log answers at once and sends its person to a status page; the import
runs in a thread with its own app context, acting for that person (so the permission check, the
organization scope and the audit trail are theirs). Its progress lives in a small JSON file beside
the upload in the instance folder, replaced atomically, so every serving process can show it.
The import itself is the ordinary one: all events or none, errors by row and column.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from lms import tenancy
from lms.extensions import db
from lms.flow import permissions, services, upload_files
from lms.flow.log_files import Item
from lms.kpis.measurement_files import ImportRejected, RowError
from lms.models import User, ValueStream

WAITING, READING, WRITING = "waiting", "reading", "writing"
DONE, REJECTED, FAILED = "done", "rejected", "failed"
FINISHED = frozenset({DONE, REJECTED, FAILED})
# Progress is written at most this often while reading (each write replaces a small file).
WRITE_EVERY_S = 0.5
# An unfinished import that has not written progress for this long died with its process.
STALLED_S = 15 * 60


@dataclass
class ImportStatus:
    """Where a background import stands: what a status page and its JSON show."""

    state: str
    user_id: int
    source: str
    total_bytes: int
    bytes_read: int = 0
    events_read: int = 0
    started_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    errors: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | None = None
    message: str = ""

    @property
    def finished(self) -> bool:
        """Tell whether the import has ended (imported, refused with its errors, or failed)."""
        return self.state in FINISHED

    @property
    def stalled(self) -> bool:
        """Tell whether an unfinished import stopped writing progress long ago (its process ended)."""
        return not self.finished and time.time() - self.updated_at > STALLED_S

    @property
    def percent(self) -> int:
        """Return the share of the file read, 0 to 100 (100 once finished)."""
        if self.finished:
            return 100
        if not self.total_bytes:
            return 0
        return min(100, int(100 * self.bytes_read / self.total_bytes))

    @property
    def row_errors(self) -> list[RowError]:
        """Return the problems by row and column, as the import pages list them."""
        return [RowError(e["row"], e["column"], e["message"]) for e in self.errors]

    def as_json(self) -> dict[str, Any]:
        """Return what the status endpoint answers."""
        return {"state": "stalled" if self.stalled else self.state, "source": self.source,
                "bytes_read": self.bytes_read, "total_bytes": self.total_bytes,
                "events_read": self.events_read, "percent": self.percent, "finished": self.finished,
                "errors": self.errors, "result": self.result, "message": self.message}


def status_path(token: str, organization_id: int, stream_id: int) -> Path | None:
    """Return where the progress of the import of upload ``token`` is kept (None for a bad token)."""
    return upload_files.status_path_of(token, organization_id, stream_id)


def read_status(token: str, organization_id: int, stream_id: int) -> ImportStatus | None:
    """Return the progress of an import of this stream, or None when there is none."""
    path = status_path(token, organization_id, stream_id)
    if path is None or not path.is_file():
        return None
    try:
        return ImportStatus(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _write(path: Path, status: ImportStatus) -> None:
    """Replace the progress file at once: a reader sees the old or the new one, never half of one."""
    status.updated_at = time.time()
    handle = tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".status-", suffix=".tmp",  # noqa: SIM115
                                         delete=False, encoding="utf-8")
    try:
        with handle:
            json.dump(asdict(status), handle)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class ImportJob:
    """What the background work needs: no ORM objects, which belong to the request's session."""

    app: Flask
    user_id: int
    organization_id: int
    stream_id: int
    token: str
    fmt: str
    mapping: dict[str, str | None] | None
    source: str


def start(stream: ValueStream, token: str, fmt: str, mapping: Mapping[str, str | None] | None,
          source: str) -> ImportStatus:
    """Start importing the kept upload ``token`` into ``stream`` in the background; return its status.

    The request's transaction ends first: on SQLite it holds the write lock the import needs.
    With ``LMS_IMPORT_IN_BACKGROUND`` off (the tests) the work runs here, still in a context of
    its own, before the answer.
    """
    user = permissions.require_edit(stream)
    path = upload_files.path_of(token, stream.organization_id, stream.id, fmt)
    target = status_path(token, stream.organization_id, stream.id)
    if path is None or target is None:
        raise FileNotFoundError(token)
    status = ImportStatus(WAITING, user.id, source, path.stat().st_size)
    _write(target, status)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    job = ImportJob(app, user.id, stream.organization_id, stream.id, token, fmt,
                    dict(mapping) if mapping is not None else None, source)
    # Nothing of the session may be read after this (it would begin a new transaction).
    db.session.commit()
    if app.config.get("LMS_IMPORT_IN_BACKGROUND", True):
        threading.Thread(target=run, args=(job,), name=f"lms-import-{stream.id}", daemon=True).start()
    else:
        run(job)
    return status


def run(job: ImportJob) -> None:
    """Do one import with its own app context and session, acting for the person who started it."""
    with job.app.app_context():
        target = status_path(job.token, job.organization_id, job.stream_id)
        status = read_status(job.token, job.organization_id, job.stream_id)
        if target is None or status is None:
            return
        try:
            _import(job, target, status)
        except ImportRejected as rejected:
            status.state, status.errors = REJECTED, [
                {"row": e.row, "column": e.column, "message": e.message} for e in rejected.errors]
        except tenancy.Forbidden as refused:
            status.state, status.message = FAILED, refused.message
        except Exception:  # the person must learn that it stopped; the log keeps the details
            job.app.logger.exception("Background import of %s into stream %s failed", job.source,
                                     job.stream_id)
            db.session.rollback()
            status.state = FAILED
            status.message = "The import stopped because of an error in lms; nothing was written."
        finally:
            db.session.remove()
        _write(target, status)


def _import(job: ImportJob, target: Path, status: ImportStatus) -> None:
    """Read the upload and import it, writing progress as it goes; record the result in ``status``."""
    user = db.session.get(User, job.user_id)
    if user is None or user.organization_id != job.organization_id:
        raise tenancy.Forbidden("The person who started this import no longer exists.")
    tenancy.act_as(user)
    stream = tenancy.find(ValueStream, job.stream_id)
    path = upload_files.path_of(job.token, job.organization_id, job.stream_id, job.fmt)
    if stream is None or path is None:
        raise tenancy.Forbidden("The value stream or its upload is gone.")
    status.state = READING
    _write(target, status)
    with path.open("rb") as handle:
        progress = _progress_writer(target, status, handle.tell)
        items = _announcing_the_end(services.read_items(job.fmt, handle, job.mapping), target, status,
                                    handle.tell)
        result = services.import_events_for_actor(stream, items, source=job.source, progress=progress)
    status.state, status.bytes_read = DONE, status.total_bytes
    status.events_read = result.read + result.skipped
    status.result = {"read": result.read, "added": result.added, "duplicates": result.duplicates,
                     "skipped": result.skipped, "new_activities": result.new_activities[:50],
                     "unmapped": result.unmapped[:50], "sentence": result.sentence()}
    upload_files.discard(job.token, job.organization_id, job.stream_id, job.fmt)


def _progress_writer(target: Path, status: ImportStatus,
                     position: Callable[[], int]) -> Callable[[int], None]:
    """Return the loader's progress callback: events read and bytes read, written now and then."""
    last = 0.0

    def progress(events: int) -> None:
        nonlocal last
        status.events_read = events
        if status.state == READING and time.monotonic() - last >= WRITE_EVERY_S:
            status.bytes_read = position()
            _write(target, status)
            last = time.monotonic()

    return progress


def _announcing_the_end(items: Iterable[Item], target: Path, status: ImportStatus,
                        position: Callable[[], int]) -> Iterator[Item]:
    """Pass the events on; once the file is read, say that what is left is writing them."""
    yield from items
    status.state, status.bytes_read = WRITING, position()
    _write(target, status)
