"""Read the database behind the product's back, for assertions: count rows, read one, watch the SQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event, func, select

from lms.extensions import db


def count(app: Flask, model, *where) -> int:
    """Count the rows of ``model`` in every organization."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def row(app: Flask, model, record_id: int):
    """Read one record straight from the database, detached."""
    with app.app_context():
        obj = db.session.get(model, record_id)
        if obj is not None:
            db.session.expunge(obj)
        return obj


def positions(app: Flask, stream_id: int) -> list[tuple[int, int]]:
    """Return (position, step id) of a stream's steps, read straight from the table."""
    from lms.models import Step

    with app.app_context():
        return list(db.session.execute(
            select(Step.position, Step.id).where(Step.value_stream_id == stream_id).order_by(Step.position)
        ).tuples())


@contextmanager
def counting_queries(app: Flask) -> Iterator[list[tuple[str, object]]]:
    """Collect (statement, parameters) of every SQL statement run inside the block."""
    statements: list[tuple[str, object]] = []

    def _count(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _count)
