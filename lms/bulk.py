"""Bulk INSERT of plain rows: one statement per batch, ids back in order."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert, text

from lms.extensions import db

BATCH = 5_000
# A load this large changes a table's size enough for the planner to need fresh statistics.
ANALYZE_AFTER_ROWS = 10_000


def insert_rows(model: type, rows: list[dict], on_batch: Callable[[int], None] | None = None, *,
                ids: bool = True) -> list[int]:
    """Insert ``rows`` into ``model``'s table in batches and return the new ids in row order.

    A caller that needs no ids passes ``ids=False`` (and gets an empty list): without RETURNING,
    PostgreSQL's driver sends one single-row INSERT, parsed once, for all the rows in a pipeline.
    With it, SQLAlchemy writes one large multi-row statement per thousand rows, and psycopg
    parses every placeholder of each in Python: 100,000 measurements took 8 of the import's
    13 seconds in that parsing.
    """
    new_ids: list[int] = []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True) if ids else insert(model)
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        result = db.session.execute(statement, chunk)
        if ids:
            new_ids.extend(result.scalars())
        if on_batch:
            on_batch(len(chunk))
    return new_ids


def content_models() -> tuple[type, ...]:
    """The tables an organization's content fills (what generation and the JSON import load; generation
    fills the event logs too)."""
    from lms.models import (
        Action,
        Circumstance,
        Customer,
        Finding,
        FlowActivity,
        FlowEvent,
        Job,
        Kpi,
        KpiMeasurement,
        KpiOutcomeLink,
        Outcome,
        OutcomeRating,
        Review,
        Step,
        ValueStream,
    )

    return (Customer, Job, Circumstance, Outcome, OutcomeRating, ValueStream, Step, Kpi, KpiOutcomeLink,
            KpiMeasurement, Review, Finding, Action, FlowActivity, FlowEvent)


def refresh_statistics(*models: type, rows: int | None = None) -> None:
    """After a bulk load, let PostgreSQL's planner see the new rows: ANALYZE the tables.

    Until autovacuum gets round to them, the planner believes the tables are as small as they
    were and picks nested loops that take seconds (measured: the outcome choices of a KPI page,
    1.9 s right after loading the benchmark organization, 4 ms after ANALYZE). Tables that were
    never analyzed are the worst case at any size: a demo-size generation (600 ratings) made a
    dashboard query run for minutes. So a generation or an organization import, rare and
    explicit, always analyzes what it filled (about 100 ms); a routine load passes its size as
    ``rows``, and one under ``ANALYZE_AFTER_ROWS`` is left to autovacuum. Run it after the
    load's commit. SQLite without statistics reads a whole organization's index to find one
    customer's steps, so it is analyzed too (its ANALYZE of a table takes milliseconds).
    """
    small = rows is not None and rows < ANALYZE_AFTER_ROWS
    if db.engine.dialect.name not in ("postgresql", "sqlite") or small:
        return
    if db.engine.dialect.name == "sqlite":
        for model in models:
            db.session.execute(text(statistics_statement(model)))
        db.session.commit()
        return
    # VACUUM cannot run in a transaction: a connection of its own, in autocommit.
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for model in models:
            connection.exec_driver_sql(statistics_statement(model))


def statistics_statement(model: type) -> str:
    """Return the statement that refreshes a table's statistics after a bulk load, on this database.

    PostgreSQL: ``VACUUM (ANALYZE)``, which also marks the new pages all-visible, so the covering
    indexes (the drift window's, migration 0004) are read without visiting the table: until
    autovacuum came by, the benchmark organization's window was read by a sequential scan of
    every measurement (76 ms on the server) instead of one index-only seek per KPI (18 ms).
    SQLite: ``ANALYZE`` (its indexes cover without a visibility map).
    """
    quote = db.engine.dialect.identifier_preparer.quote
    verb = "VACUUM (ANALYZE)" if db.engine.dialect.name == "postgresql" else "ANALYZE"
    return f"{verb} {quote(model.__tablename__)}"
