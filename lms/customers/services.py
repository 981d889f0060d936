"""Writes of customers, jobs, outcomes and ratings; each owns its transaction and is audited.

Admins and managers write; everybody else reads. Ids sent in a body must name records
of the acting organization (else 422 naming the field). A PATCH arrives validated field by
field (``*Patch``); here it is applied to the stored record and the whole is checked against the
rules between fields (``check_*_rules``) and the database.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import audit, tenancy
from lms.customers import deletion_services
from lms.customers.schemas import (
    CustomerIn,
    CustomerPatch,
    JobIn,
    JobPatch,
    OutcomeIn,
    OutcomePatch,
    RatingIn,
    check_customer_rules,
    check_job_rules,
)
from lms.errors import ValidationFailed, check_version
from lms.extensions import db
from lms.lean.jobs import would_create_cycle
from lms.lean.opportunity import scores_from_responses
from lms.models import Customer, Job, Outcome, OutcomeRating, ValueStream
from lms.permissions import EDITORS
from lms.schema_types import sent

M = TypeVar("M", bound=BaseModel)

CUSTOMER_FIELDS = ("name", "kind", "description", "value_stream_id")
JOB_FIELDS = ("customer_id", "statement", "parent_id", "necessity", "interchangeable_group",
              "coordination", "position", "dimension", "circumstance")
OUTCOME_FIELDS = ("job_id", "statement", "direction")
RATING_FIELDS = ("outcome_id", "rated_on", "importance", "satisfaction", "respondents", "segment", "source")


def _require_editor() -> None:
    tenancy.require(*EDITORS)


def _merged(schema: type[M], obj: Any, fields: tuple[str, ...], patch: BaseModel) -> M:
    """Return the record's writable fields with the ones ``patch`` sends applied, as ``schema``'s object."""
    return schema.model_construct(**({name: getattr(obj, name) for name in fields} | sent(patch)))


def _apply(obj: Any, data: BaseModel, fields: tuple[str, ...]) -> tuple[dict, dict]:
    """Set ``fields`` of ``obj`` from ``data``; return what changed, before and after."""
    before = audit.snapshot(obj, fields)
    for name in fields:
        setattr(obj, name, getattr(data, name))
    return audit.changed(before, audit.snapshot(obj, fields))


def _exists(model: type, record_id: int | None, field: str, noun: str) -> Any:
    """Return the organization's record with that id, or fail naming ``field``."""
    if record_id is None:
        return None
    record = tenancy.find(model, record_id)
    if record is None:
        raise ValidationFailed({field: f"No {noun} with id {record_id} in your organization."})
    return record


# --- Customers ------------------------------------------------------------------------------

def _check_customer(data: CustomerIn, customer: Customer | None = None) -> None:
    taken = select(Customer.id).where(func.lower(Customer.name) == data.name.lower())
    if customer is not None:
        taken = taken.where(Customer.id != customer.id)
    if db.session.scalar(taken) is not None:
        raise ValidationFailed({"name": f"A customer named '{data.name}' already exists."})
    _exists(ValueStream, data.value_stream_id, "value_stream_id", "value stream")


def _name_taken() -> ValidationFailed:
    # A concurrent request took the name between our check and the insert.
    db.session.rollback()
    return ValidationFailed({"name": "A customer with this name already exists."})


def create_customer(data: CustomerIn) -> Customer:
    """Add a customer, external or internal."""
    _require_editor()
    _check_customer(data)
    customer = Customer(**data.model_dump(include=set(CUSTOMER_FIELDS)))
    db.session.add(customer)
    try:
        audit.record("create", customer, summary=f"Customer {customer.name} ({customer.kind}) added",
                     after=audit.snapshot(customer, CUSTOMER_FIELDS))
        db.session.commit()
    except IntegrityError:
        raise _name_taken() from None
    return customer


def update_customer(customer: Customer, patch: CustomerPatch) -> Customer:
    """Change the fields ``patch`` sends; a stale ``patch.version`` changes nothing."""
    _require_editor()
    check_version(customer, patch.version)
    data = _merged(CustomerIn, customer, CUSTOMER_FIELDS, patch)
    if data.kind == "external" and "value_stream_id" not in patch.model_fields_set:
        data.value_stream_id = None  # an external customer is no value stream of ours
    check_customer_rules(data)
    _check_customer(data, customer)
    before, after = _apply(customer, data, CUSTOMER_FIELDS)
    if after:
        audit.record("update", customer, summary=f"Customer {customer.name} changed",
                     before=before, after=after)
    try:
        db.session.commit()
    except IntegrityError:
        raise _name_taken() from None
    return customer


def _count(stmt) -> int:
    return db.session.scalar(stmt) or 0


def delete_customer(customer: Customer, *, version: int | None = None) -> None:
    """Delete a customer with its jobs and their outcomes and ratings."""
    _require_editor()
    check_version(customer, version)
    jobs = _count(select(func.count(Job.id)).where(Job.customer_id == customer.id))
    outcomes = _count(select(func.count(Outcome.id)).join(Job, Job.id == Outcome.job_id)
                      .where(Job.customer_id == customer.id))
    deletion_services.untag_steps_losing_their_job(deletion_services.jobs_of_customer(customer.id))
    audit.record("delete", customer,
                 summary=f"Customer {customer.name} deleted with {jobs} jobs and {outcomes} outcomes",
                 before=audit.snapshot(customer, CUSTOMER_FIELDS))
    db.session.delete(customer)  # the database cascades to jobs, outcomes and ratings
    db.session.commit()


# --- Jobs -----------------------------------------------------------------------------------

def _check_parent(data: JobIn, job: Job | None) -> None:
    """Keep stacks two levels deep, within one customer, and free of cycles."""
    parent = _exists(Job, data.parent_id, "parent_id", "job")
    if parent is None:
        return
    if job is not None:
        parent_of = dict(db.session.execute(select(Job.id, Job.parent_id)).tuples().all())
        if would_create_cycle(job.id, parent.id, parent_of):
            raise ValidationFailed({"parent_id": "A job cannot be its own ancestor: "
                                                 "this parent would make a loop."})
    if parent.customer_id != data.customer_id:
        raise ValidationFailed({"parent_id": "A related job belongs to the same customer "
                                             "as its high-level job."})
    if parent.parent_id is not None:
        raise ValidationFailed({"parent_id": f"'{parent.statement}' is itself a related job; "
                                             "choose a high-level job."})
    if job is not None and _count(select(func.count(Job.id)).where(Job.parent_id == job.id)):
        raise ValidationFailed({"parent_id": "This job heads a stack of related jobs; "
                                             "it cannot become a related job itself."})


def _check_job(data: JobIn, job: Job | None = None) -> None:
    _exists(Customer, data.customer_id, "customer_id", "customer")
    _check_parent(data, job)
    if job is not None and data.customer_id != job.customer_id and data.parent_id is None \
            and _count(select(func.count(Job.id)).where(Job.parent_id == job.id)):
        raise ValidationFailed({"customer_id": "This job heads related jobs of its customer; "
                                               "a stack stays with one customer."})


def create_job(data: JobIn) -> Job:
    """Add a high-level job, or a related job to a high-level job's stack."""
    _require_editor()
    _check_job(data)
    job = Job(**data.model_dump(include=set(JOB_FIELDS)))
    db.session.add(job)
    kind = "related job" if job.parent_id else "high-level job"
    audit.record("create", job, summary=f"{kind.capitalize()} '{job.statement}' added",
                 after=audit.snapshot(job, JOB_FIELDS))
    db.session.commit()
    return job


def update_job(job: Job, patch: JobPatch) -> Job:
    """Change the fields ``patch`` sends; moving a job in or out of a stack keeps the stack rules."""
    _require_editor()
    check_version(job, patch.version)
    data = _merged(JobIn, job, JOB_FIELDS, patch)
    if data.necessity != "interchangeable" and "interchangeable_group" not in patch.model_fields_set:
        data.interchangeable_group = None  # leaving a group when no longer interchangeable
    check_job_rules(data)
    _check_job(data, job)
    before, after = _apply(job, data, JOB_FIELDS)
    if after:
        audit.record("update", job, summary=f"Job '{job.statement}' changed", before=before, after=after)
    db.session.commit()
    return job


def delete_job(job: Job, *, version: int | None = None) -> None:
    """Delete a job with its related jobs and their outcomes; serving steps keep running unlinked."""
    _require_editor()
    check_version(job, version)
    related = _count(select(func.count(Job.id)).where(Job.parent_id == job.id))
    deletion_services.untag_steps_losing_their_job(deletion_services.job_and_related(job.id))
    audit.record("delete", job, summary=f"Job '{job.statement}' deleted with {related} related jobs",
                 before=audit.snapshot(job, JOB_FIELDS))
    db.session.delete(job)  # the database cascades to related jobs, outcomes and ratings
    db.session.commit()


# --- Outcomes -------------------------------------------------------------------------------

def create_outcome(data: OutcomeIn) -> Outcome:
    """Add a desired outcome to a job."""
    _require_editor()
    _exists(Job, data.job_id, "job_id", "job")
    outcome = Outcome(**data.model_dump(include=set(OUTCOME_FIELDS)))
    db.session.add(outcome)
    audit.record("create", outcome, summary=f"Outcome '{outcome.statement}' added",
                 after=audit.snapshot(outcome, OUTCOME_FIELDS))
    db.session.commit()
    return outcome


def update_outcome(outcome: Outcome, patch: OutcomePatch) -> Outcome:
    """Change an outcome's statement, direction or job, as ``patch`` sends them."""
    _require_editor()
    check_version(outcome, patch.version)
    data = _merged(OutcomeIn, outcome, OUTCOME_FIELDS, patch)
    _exists(Job, data.job_id, "job_id", "job")
    before, after = _apply(outcome, data, OUTCOME_FIELDS)
    if after:
        audit.record("update", outcome, summary=f"Outcome '{outcome.statement}' changed",
                     before=before, after=after)
    db.session.commit()
    return outcome


def delete_outcome(outcome: Outcome, *, version: int | None = None) -> None:
    """Delete an outcome with its ratings."""
    _require_editor()
    check_version(outcome, version)
    audit.record("delete", outcome, summary=f"Outcome '{outcome.statement}' deleted",
                 before=audit.snapshot(outcome, OUTCOME_FIELDS))
    db.session.delete(outcome)
    db.session.commit()


# --- Ratings --------------------------------------------------------------------------------

def add_rating(outcome: Outcome, data: RatingIn) -> OutcomeRating:
    """Enter a survey wave: aggregate figures, or raw answers turned into top-two-box scores."""
    actor = tenancy.require(*EDITORS)
    if data.responses is not None:
        importance, satisfaction, respondents = scores_from_responses(
            [(r.importance, r.satisfaction) for r in data.responses])
        source = "responses"
    else:
        importance, satisfaction, respondents = data.importance, data.satisfaction, data.respondents
        source = "aggregate"
    rating = OutcomeRating(outcome_id=outcome.id, rated_on=data.rated_on, importance=importance,
                           satisfaction=satisfaction, respondents=respondents,
                           segment=data.segment or None, source=source, created_by_id=actor.id)
    db.session.add(rating)
    audit.record("create", rating,
                 summary=f"Rating of '{outcome.statement}' on {data.rated_on.isoformat()}: "
                         f"importance {importance:.1f}, satisfaction {satisfaction:.1f}",
                 after=audit.snapshot(rating, RATING_FIELDS))
    db.session.commit()
    return rating


def delete_rating(rating: OutcomeRating) -> None:
    """Delete a rating entered by mistake."""
    _require_editor()
    audit.record("delete", rating, summary=f"Rating of {rating.rated_on.isoformat()} deleted",
                 before=audit.snapshot(rating, RATING_FIELDS))
    db.session.delete(rating)
    db.session.commit()
