"""Read the database behind the product's back, for assertions: count rows, read one, watch the SQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

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


TABLE_NAMES = re.compile(r"(?:FROM|JOIN)\s+(\w+)")


def tables_read(app: Flask, make, user, compute: Callable[[], Any]) -> tuple[Any, set[str]]:
    """Run ``compute`` acting as ``user`` with the content caches off (read, not served from what was
    kept), and return its value and every table its SQL names."""
    ctx = make.acting_as(user)
    cached = app.config.get("LMS_CONTENT_CACHE", True)
    app.config["LMS_CONTENT_CACHE"] = False
    try:
        with counting_queries(app) as statements:
            value = compute()
    finally:
        app.config["LMS_CONTENT_CACHE"] = cached
        ctx.pop()
    return value, {name for statement, _ in statements for name in TABLE_NAMES.findall(statement)}
