"""What deleting a customer or a job reaches, said before it happens, and kept valid after it.

The database cascades a customer to its jobs, outcomes and ratings, and unlinks what pointed at
them (value streams, steps, KPI links, actions). A step tagged value-adding must serve a customer
job, so before its job goes, such a step becomes untagged, with an audit entry saying why: it is
never left in a state its own form forbids.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from lms import audit
from lms.extensions import db
from lms.models import (
    Action,
    Circumstance,
    Job,
    KpiOutcomeLink,
    Outcome,
    OutcomeRating,
    Review,
    Step,
    ValueStream,
    circumstance_required_jobs,
    circumstance_ruled_out_jobs,
)


@dataclass(frozen=True)
class Reach:
    """How many records a delete removes or unlinks."""

    jobs: int
    outcomes: int
    ratings: int
    streams_unlinked: int
    steps_unlinked: int
    steps_untagged: int
    kpi_links: int
    actions_unlinked: int
    closed_reviews: int = 0  # closed reviews of the streams it reaches: they keep the names they recorded
    circumstances: int = 0  # circumstances of the high-level jobs it deletes
    circumstances_unlinked: int = 0  # other circumstances that name a job it deletes

    def sentence(self) -> str:
        """Say the reach as a person reads it in the confirmation."""
        removed = [_count_of(self.jobs, "job"), _count_of(self.outcomes, "outcome"),
                   _count_of(self.ratings, "rating")]
        if self.circumstances:
            removed.append(_count_of(self.circumstances, "circumstance"))
        text = "This deletes " + ", ".join(removed) + "."
        unlinked = [part for count, part in (
            (self.streams_unlinked, f"{self.streams_unlinked} value stream(s) lose their customer or job"),
            (self.steps_unlinked, f"{self.steps_unlinked} step(s) lose their customer job"
                                  + (f" ({self.steps_untagged} value-adding, which become untagged)"
                                     if self.steps_untagged else "")),
            (self.kpi_links, f"{self.kpi_links} KPI link(s) to its outcomes are removed"),
            (self.actions_unlinked, f"{self.actions_unlinked} review action(s) lose their outcome"),
            (self.circumstances_unlinked,
             f"{self.circumstances_unlinked} circumstance(s) of the stack no longer name it"),
        ) if count]
        text += " " + "; ".join(unlinked) + "." if unlinked else ""
        if self.closed_reviews:
            text += (f" {self.closed_reviews} closed review(s) of those streams keep the names they recorded "
                     "when they closed.")
        return text


def _count_of(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def jobs_of_customer(customer_id: int) -> Select:
    """Return the ids of a customer's jobs, as a subquery."""
    return select(Job.id).where(Job.customer_id == customer_id)


def job_and_related(job_id: int) -> Select:
    """Return the ids of a job and the related jobs of its stack, as a subquery."""
    return select(Job.id).where(or_(Job.id == job_id, Job.parent_id == job_id))


def _count(stmt: Select) -> int:
    return db.session.scalar(stmt) or 0


def reach(job_ids: Select, customer_id: int | None = None) -> Reach:
    """Count what deleting these jobs (and the customer, when given) removes and unlinks."""
    outcome_ids = select(Outcome.id).where(Outcome.job_id.in_(job_ids))
    streams = ValueStream.job_id.in_(job_ids)
    if customer_id is not None:
        streams = or_(streams, ValueStream.customer_id == customer_id)
    return Reach(
        jobs=_count(select(func.count()).select_from(Job).where(Job.id.in_(job_ids))),
        outcomes=_count(select(func.count()).where(Outcome.id.in_(outcome_ids))),
        ratings=_count(select(func.count()).select_from(OutcomeRating)
                       .where(OutcomeRating.outcome_id.in_(outcome_ids))),
        streams_unlinked=_count(select(func.count()).select_from(ValueStream).where(streams)),
        steps_unlinked=_count(select(func.count()).select_from(Step).where(Step.job_id.in_(job_ids))),
        steps_untagged=_count(select(func.count()).select_from(Step).where(
            Step.job_id.in_(job_ids), Step.classification == "value-adding")),
        kpi_links=_count(select(func.count()).select_from(KpiOutcomeLink).where(
            KpiOutcomeLink.outcome_id.in_(outcome_ids))),
        actions_unlinked=_count(select(func.count()).select_from(Action)
                                .where(Action.outcome_id.in_(outcome_ids))),
        closed_reviews=_count(select(func.count()).select_from(Review).where(
            Review.status == "closed", Review.value_stream_id.in_(select(ValueStream.id).where(streams)))),
        circumstances=_count(select(func.count()).select_from(Circumstance)
                             .where(Circumstance.job_id.in_(job_ids))),
        circumstances_unlinked=_circumstances_naming(job_ids),
    )


def _circumstances_naming(job_ids: Select) -> int:
    """Count the circumstances that stay but name one of these jobs (as required or ruled out)."""
    named = [select(table.c.circumstance_id).where(table.c.job_id.in_(job_ids))
             for table in (circumstance_required_jobs, circumstance_ruled_out_jobs)]
    return _count(select(func.count()).select_from(Circumstance).where(
        Circumstance.job_id.not_in(job_ids), or_(*(Circumstance.id.in_(ids) for ids in named))))


def untag_steps_losing_their_job(job_ids: Select) -> int:
    """Untag the value-adding steps whose job is about to go, each with an audit entry; return how many."""
    rows = db.session.execute(
        select(Step, Job.statement).join(Job, Job.id == Step.job_id)
        .where(Step.job_id.in_(job_ids), Step.classification == "value-adding")).all()
    for step, statement in rows:
        before = audit.snapshot(step, ("classification", "job_id"))
        step.classification = "unclassified"
        audit.record("classify", step, before=before,
                     after={"classification": "unclassified", "job_id": None},
                     summary=f"Step {step.name} untagged: the customer job it served, '{statement}', "
                             "was deleted; a value-adding step must serve a customer job")
    return len(rows)
