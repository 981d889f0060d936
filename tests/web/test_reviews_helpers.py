"""Shared set-up of the review tests: a team, and a hand-made value stream with all an agenda can hold.

The stamping line of the lean literature (takt 30 s) serves "Get welded brackets to the assembly
line", the high-level job of an internal customer. Its stack has a served related job and a
required one no step serves (a job gap); an outcome of the stack is underserved. The stream has an
untagged step, an over-takt step and a value-adding step that serves no job; a diverging, an
orphan and a stale KPI; and an earlier review left an action overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from lms.db import utcnow
from lms.extensions import db
from lms.models import (
    Action,
    Customer,
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

STREAM = {"name": "Stamped brackets", "daily_demand": 920, "available_seconds_per_day": 27_600}


@dataclass(frozen=True)
class Team:
    """An organization with every role: the stream's owner and the owner of another stream too."""

    org: Any
    admin: Any
    manager: Any
    owner: Any
    other_owner: Any
    viewer: Any


@dataclass
class Line:
    """The ids of a hand-made value stream and everything around it."""

    stream_id: int
    step_ids: list[int]
    untagged_step_id: int
    over_takt_step_id: int
    unserved_va_step_id: int
    head_job_id: int
    gap_job_id: int
    underserved_outcome_id: int
    diverging_kpi_id: int
    orphan_kpi_id: int
    stale_kpi_id: int
    earlier_review_id: int
    overdue_action_id: int
    extra_kpi_ids: list[int] = field(default_factory=list)


def make_team(make, name: str = "Acme") -> Team:
    """Create an organization with an admin, a manager, two process owners and a viewer."""
    org = make.org(name)
    return Team(org, make.user(org, "admin", name="Ada Admin"), make.user(org, "manager", name="Max Manager"),
                make.user(org, "owner", name="Olga Owner"), make.user(org, "owner", name="Otto Other"),
                make.user(org, "viewer", name="Vera Viewer"))


def today() -> date:
    return utcnow().date()


def _add(obj):
    db.session.add(obj)
    db.session.flush()
    return obj


def build_line(app, team: Team, *, extra_steps: int = 0, extra_kpis: int = 0) -> Line:
    """Create the hand-made stream directly in the database (some states no form allows)."""
    org_id, day = team.org.id, today()
    with app.app_context():
        customer = _add(Customer(organization_id=org_id, name="Assembly plant", kind="internal"))
        head = _add(Job(organization_id=org_id, customer_id=customer.id,
                        statement="Get welded brackets to the assembly line on time"))
        served = _add(Job(organization_id=org_id, customer_id=customer.id, parent_id=head.id, position=1,
                          statement="Receive brackets that fit the fixture", necessity="required"))
        gap = _add(Job(organization_id=org_id, customer_id=customer.id, parent_id=head.id, position=2,
                       statement="Pay a bill", necessity="required"))
        outcome = _add(Outcome(organization_id=org_id, job_id=head.id,
                               statement="Minimize the time it takes to get brackets to the line"))
        # Satisfaction fell 4.0 -> 3.0 in the window, beyond the 0.5-point minimum: the rising KPI diverges.
        _add(OutcomeRating(organization_id=org_id, outcome_id=outcome.id, rated_on=day - timedelta(days=120),
                           importance=9.0, satisfaction=4.0))
        _add(OutcomeRating(organization_id=org_id, outcome_id=outcome.id, rated_on=day - timedelta(days=20),
                           importance=9.0, satisfaction=3.0))
        stream = _add(ValueStream(organization_id=org_id, owner_id=team.owner.id, customer_id=customer.id,
                                  job_id=head.id, **STREAM))
        specs = [
            {"name": "Stamping", "cycle_time_s": 1, "classification": "value-adding", "job_id": served.id},
            {"name": "Coils before welding", "kind": "inventory", "inventory_units": 4_600,
             "classification": "waste", "waste_types": ["inventory"]},
            {"name": "Welding", "cycle_time_s": 39, "wait_time_s": 600, "classification": "unclassified"},
            {"name": "Assembly", "cycle_time_s": 20, "classification": "value-adding", "job_id": None},
            {"name": "Final check", "cycle_time_s": 10, "classification": "necessary", "job_id": served.id},
        ]
        specs += [{"name": f"Extra step {n}", "cycle_time_s": 5, "classification": "necessary",
                   "job_id": served.id} for n in range(extra_steps)]
        steps = [_add(Step(organization_id=org_id, value_stream_id=stream.id, position=n,
                           **{"kind": "process", "waste_types": [], **spec}))
                 for n, spec in enumerate(specs, start=1)]
        diverging = _kpi(org_id, stream.id, "Welds per hour", [100, 106, 112, 118, 124, 130], day, outcome.id)
        orphan = _kpi(org_id, stream.id, "Press utilisation", [70, 71, 70, 72], day, None)
        stale = _kpi(org_id, stream.id, "Scrap rate", [5, 5, 4, 4], day - timedelta(days=80), outcome.id,
                     direction="decrease")
        extra = [_kpi(org_id, stream.id, f"Extra KPI {n}", [10, 10, 10, 10], day, outcome.id).id
                 for n in range(extra_kpis)]
        earlier = _add(Review(organization_id=org_id, value_stream_id=stream.id, kind="gemba-walk",
                              held_on=day - timedelta(days=60), status="closed"))
        overdue = _add(Action(organization_id=org_id, review_id=earlier.id, title="Move the coil store",
                              owner_id=team.owner.id, due_on=day - timedelta(days=10), stage="do"))
        _add(Action(organization_id=org_id, review_id=earlier.id, title="Done long ago",
                    due_on=day - timedelta(days=30), stage="done"))
        db.session.commit()
        return Line(stream.id, [s.id for s in steps], steps[2].id, steps[2].id, steps[3].id, head.id, gap.id,
                    outcome.id, diverging.id, orphan.id, stale.id, earlier.id, overdue.id, extra)


def _kpi(org_id: int, stream_id: int, name: str, values: list[float], last_day: date, outcome_id: int | None,
         direction: str = "increase") -> Kpi:
    kpi = _add(Kpi(organization_id=org_id, value_stream_id=stream_id, name=name, direction=direction,
                   unit="units"))
    for n, value in enumerate(reversed(values)):
        _add(KpiMeasurement(organization_id=org_id, kpi_id=kpi.id, measured_on=last_day - timedelta(weeks=n),
                            value=value))
    if outcome_id is not None:
        _add(KpiOutcomeLink(organization_id=org_id, kpi_id=kpi.id, outcome_id=outcome_id))
    return kpi


def count(app, model, *where) -> int:
    """Count rows of ``model`` in every organization."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def row(app, model, record_id: int):
    """Read one record straight from the database, detached."""
    with app.app_context():
        obj = db.session.get(model, record_id)
        if obj is not None:
            db.session.expunge(obj)
        return obj


def new_review(api, stream_id: int, **fields) -> dict:
    """Plan a review through the API and return its JSON."""
    response = api.post("/reviews", json={"value_stream_id": stream_id, "held_on": str(today()), **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()
