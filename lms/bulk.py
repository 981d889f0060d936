"""Bulk INSERT of plain rows: one statement per batch, ids back in order."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert

from lms.extensions import db

BATCH = 5_000


def insert_rows(model: type, rows: list[dict], on_batch: Callable[[int], None] | None = None) -> list[int]:
    """Insert ``rows`` into ``model``'s table in batches and return the new ids in row order."""
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        result = db.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), chunk)
        ids.extend(result.scalars())
        if on_batch:
            on_batch(len(chunk))
    return ids
