"""Keep a stream's step positions dense (1..n) and unique, also when two people reorder at once."""

from __future__ import annotations

from sqlalchemy import inspect, select
from werkzeug.exceptions import NotFound

from lms.db import utcnow
from lms.extensions import db
from lms.models import Step, ValueStream


def lock_stream(stream_id: int) -> ValueStream:
    """Lock the stream's row for this transaction and return it freshly read.

    Every structural change of a stream's steps takes this lock first, so two of them
    queue instead of interleaving. PostgreSQL gets ``SELECT … FOR UPDATE``; SQLite ignores
    it because its ``BEGIN IMMEDIATE`` write transaction already serializes writers.
    """
    stream = db.session.scalar(
        select(ValueStream).where(ValueStream.id == stream_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if stream is None:
        raise NotFound()
    return stream


def ordered_steps(stream: ValueStream) -> list[Step]:
    """Return the stream's steps in map order, re-read so that positions and versions are current."""
    return list(db.session.scalars(
        select(Step).where(Step.value_stream_id == stream.id).order_by(Step.position, Step.id)
        .execution_options(populate_existing=True)
    ))


def place(ordered: list[Step], *, new: Step | None = None) -> None:
    """Number ``ordered`` 1..n in that order; ``new`` (one of them) joins the session here.

    The unique (value_stream_id, position) constraint is checked row by row, so moving
    step 3 to 1 while 1 is still 1 would collide. Phase one parks every step that moves
    on a distinct negative position, phase two gives each its final place.
    """
    moving = [step for index, step in enumerate(ordered, 1)
              if step is not new and step.position != index and inspect(step).persistent]
    if moving:
        for parking, step in enumerate(moving, 1):
            step.position = -parking
        db.session.flush()
    if new is not None:
        db.session.add(new)
    for index, step in enumerate(ordered, 1):
        step.position = index
    db.session.flush()


def mark_structure_changed(stream: ValueStream) -> None:
    """Raise the stream's version: its steps were added, moved or removed."""
    stream.updated_at = utcnow()
    db.session.expire(stream, ["steps"])
