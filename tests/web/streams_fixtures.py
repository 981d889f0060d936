"""Shared set-up of the value-stream tests: an organization with its people, a customer job, a line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Customer, Job

# The stamping -> welding -> assembly line of the lean literature, with stock between the presses.
# Demand 920 units/day on a working day of 27,600 s (2 shifts of 8 h minus breaks): takt 30 s.
STAMPING_STREAM = {"name": "Stamped brackets", "daily_demand": 920, "available_seconds_per_day": 27_600}


def stamping_steps(job_id: int) -> list[dict[str, Any]]:
    """Return the five steps of the stamping line; the value-adding ones serve ``job_id``."""
    return [
        {"name": "Stamping", "cycle_time_s": 1, "changeover_s": 3_600, "uptime_pct": 85, "operators": 1,
         "pct_complete_accurate": 99, "classification": "value-adding", "job_id": job_id},
        {"name": "Coils before welding", "kind": "inventory", "inventory_units": 4_600,
         "classification": "waste", "waste_types": ["inventory"], "rationale": "Five days of coils"},
        {"name": "Welding", "cycle_time_s": 39, "wait_time_s": 600, "operators": 1,
         "pct_complete_accurate": 95, "classification": "value-adding", "job_id": job_id},
        {"name": "Welded parts before assembly", "kind": "inventory", "inventory_units": 1_100,
         "classification": "waste", "waste_types": ["inventory"]},
        {"name": "Assembly", "cycle_time_s": 46, "operators": 2, "pct_complete_accurate": 98,
         "classification": "value-adding", "job_id": job_id},
    ]


@dataclass(frozen=True)
class Shop:
    """One organization with every role, an internal customer and the job it hires the line for."""

    org: Any
    admin: Any
    manager: Any
    owner: Any
    other_owner: Any
    viewer: Any
    customer_id: int
    job_id: int


def open_shop(make, app, name: str = "Acme") -> Shop:
    """Create the organization, its people and a customer job."""
    org = make.org(name)
    people = {role: make.user(org, role) for role in ("admin", "manager", "owner", "viewer")}
    other_owner = make.user(org, "owner")
    with app.app_context():
        customer = Customer(organization_id=org.id, name=f"{name} assembly plant", kind="internal")
        db.session.add(customer)
        db.session.flush()
        job = Job(organization_id=org.id, customer_id=customer.id,
                  statement="Get welded brackets to the assembly line on time")
        db.session.add(job)
        db.session.commit()
        customer_id, job_id = customer.id, job.id
    return Shop(org, people["admin"], people["manager"], people["owner"], other_owner, people["viewer"],
                customer_id, job_id)


def map_stamping_line(make, shop: Shop, owner=None, **stream_fields) -> tuple[int, list[int]]:
    """Map the stamping line through the services as its owner; return the stream and step ids."""
    from lms.streams import services
    from lms.streams.schemas import StepIn, ValueStreamIn

    owner = owner or shop.owner
    ctx = make.acting_as(owner)
    try:
        stream = services.create_stream(ValueStreamIn(**{**STAMPING_STREAM, "owner_id": owner.id,
                                                         "customer_id": shop.customer_id,
                                                         "job_id": shop.job_id, **stream_fields}))
        step_ids = [services.create_step(stream, StepIn(**values)).id
                    for values in stamping_steps(shop.job_id)]
        return stream.id, step_ids
    finally:
        ctx.pop()


def count(app, model, *where) -> int:
    """Count the rows of ``model`` in every organization."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def positions(app, stream_id: int) -> list[tuple[int, int]]:
    """Return (position, step id) of a stream's steps, read straight from the table."""
    from lms.models import Step

    with app.app_context():
        return list(db.session.execute(
            select(Step.position, Step.id).where(Step.value_stream_id == stream_id).order_by(Step.position)
        ).tuples())
