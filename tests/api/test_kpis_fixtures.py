"""Builders shared by the KPI tests: outcomes, ratings, streams, steps and KPIs as plain rows.

The other features' services may not exist in every checkout, so rows are written directly.
Days are counted from the start of the default 180-day window that ends today:
``day(180)`` is today, ``day(0)`` is the excluded first day of the window.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import event

from lms.extensions import db
from lms.kpis.drift_queries import today
from lms.models import (
    Customer,
    Job,
    Kpi,
    KpiMeasurement,
    KpiOutcomeLink,
    Outcome,
    OutcomeRating,
    Step,
    ValueStream,
)

TODAY = today()
MONTHLY = (30, 60, 90, 120, 150, 180)
RISING = (100.0, 102.0, 104.0, 106.0, 108.0, 110.0)  # +10 % over the window


def day(x: int) -> date:
    return TODAY - timedelta(days=180 - x)


@dataclass
class World:
    """One organization with people, a customer outcome or two, and two value streams."""

    org: object
    admin: object
    manager: object
    owner: object
    other_owner: object
    viewer: object
    customer_id: int
    job_id: int
    outcome_ids: list[int]
    stream_id: int
    step_id: int
    waste_step_id: int
    other_stream_id: int
    other_step_id: int


def build_world(make, app, name: str = "Acme") -> World:
    org = make.org(name)
    people = {role: make.user(org, role) for role in ("admin", "manager", "owner", "viewer")}
    other_owner = make.user(org, "owner")
    with app.app_context():
        customer = Customer(organization_id=org.id, name=f"{name} callers", kind="external")
        db.session.add(customer)
        db.session.flush()
        job = Job(organization_id=org.id, customer_id=customer.id, statement="Get a broken device working again")
        db.session.add(job)
        db.session.flush()
        outcomes = [Outcome(organization_id=org.id, job_id=job.id, statement=text, direction="minimize")
                    for text in ("Minimize the time to a correct answer", "Minimize the effort to explain the fault")]
        streams = [ValueStream(organization_id=org.id, name=n, customer_id=customer.id)
                   for n in ("Repair hotline", "Spare parts")]
        db.session.add_all(outcomes + streams)
        db.session.flush()
        steps = [Step(organization_id=org.id, value_stream_id=streams[0].id, position=1, name="Answer call",
                      classification="value-adding"),
                 Step(organization_id=org.id, value_stream_id=streams[0].id, position=2, name="Re-enter ticket",
                      classification="waste", waste_types=["overprocessing"]),
                 Step(organization_id=org.id, value_stream_id=streams[1].id, position=1, name="Pick part")]
        db.session.add_all(steps)
        db.session.commit()
        return World(org, people["admin"], people["manager"], people["owner"], other_owner, people["viewer"],
                     customer.id, job.id, [o.id for o in outcomes], streams[0].id, steps[0].id, steps[1].id,
                     streams[1].id, steps[2].id)


def add_kpi(app, org_id: int, name: str = "Calls closed per hour", *, direction: str = "increase",
            outcome_ids: Iterable[int] = (), step_id: int | None = None, stream_id: int | None = None,
            owner_id: int | None = None, target: float | None = None, unit: str = "calls/h") -> int:
    with app.app_context():
        kpi = Kpi(organization_id=org_id, name=name, unit=unit, direction=direction, target=target,
                  step_id=step_id, value_stream_id=stream_id, owner_id=owner_id)
        db.session.add(kpi)
        db.session.flush()
        db.session.add_all([KpiOutcomeLink(organization_id=org_id, kpi_id=kpi.id, outcome_id=oid,
                                           rationale="stands for it") for oid in outcome_ids])
        db.session.commit()
        return kpi.id


def add_measurements(app, org_id: int, kpi_id: int, points: Iterable[tuple[date, float]]) -> None:
    with app.app_context():
        db.session.add_all([KpiMeasurement(organization_id=org_id, kpi_id=kpi_id, measured_on=d, value=v)
                            for d, v in points])
        db.session.commit()


def add_ratings(app, org_id: int, outcome_id: int, points: Iterable[tuple[date, float]]) -> None:
    with app.app_context():
        db.session.add_all([OutcomeRating(organization_id=org_id, outcome_id=outcome_id, rated_on=d,
                                          importance=8.0, satisfaction=s) for d, s in points])
        db.session.commit()


def monthly(values=RISING, xs=MONTHLY) -> list[tuple[date, float]]:
    return [(day(x), v) for x, v in zip(xs, values, strict=True)]


@contextmanager
def counting_queries(app):
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
