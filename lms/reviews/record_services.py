"""What a closed review recorded: the names it showed when it closed, kept as written then.

A review names records it does not own (the stream's customer and job, people, steps, KPIs,
outcomes). While it is open it shows their names as they are today; when it closes, those names
are written onto the review, its findings and its actions, and from then on the page, the A3 and
the API show them, whatever later happens to the records (renamed, deleted).
"""

from __future__ import annotations

from typing import Any

from lms import tenancy
from lms.models import Customer, Job, Kpi, Outcome, Review, Step, User, ValueStream


def _person(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def review_names(stream: ValueStream, customer: Customer | None, job: Job | None, facilitator: User | None,
                 participants: list[User], owner: User | None) -> dict[str, Any]:
    """Return the names a review shows in its head."""
    return {"stream": stream.name, "customer": customer.name if customer else None,
            "customer_kind": customer.kind if customer else None, "job": job.statement if job else None,
            "facilitator": _person(facilitator), "participants": [u.display_name for u in participants],
            "owner": _person(owner)}


def finding_names(step: Step | None, author: User | None) -> dict[str, Any]:
    """Return the names a finding shows: its step and who recorded it."""
    return {"step": step.name if step else None, "by": _person(author)}


def action_names(step: Step | None, kpi: Kpi | None, outcome: Outcome | None,
                 owner: User | None) -> dict[str, Any]:
    """Return the names an action shows: its step, KPI, outcome and owner."""
    return {"step": step.name if step else None, "kpi": kpi.name if kpi else None,
            "outcome": outcome.statement if outcome else None, "owner": _person(owner)}


def shown(review: Review, live: dict[str, Any], recorded: dict[str, Any] | None) -> dict[str, Any]:
    """Return the names to show: those recorded at closing for a closed review, else today's."""
    if review.status == "closed" and recorded is not None:
        return {**live, **recorded}
    return live


def record_names(review: Review, stream: ValueStream) -> None:
    """Write today's names onto a review that is closing, its findings and its actions."""
    findings, actions = list(review.findings), list(review.actions)
    people = tenancy.by_id(User, [review.facilitator_id, stream.owner_id,
                                  *(f.created_by_id for f in findings), *(a.owner_id for a in actions)])
    steps = tenancy.by_id(Step, [*(f.step_id for f in findings), *(a.step_id for a in actions)])
    kpis = tenancy.by_id(Kpi, (a.kpi_id for a in actions))
    outcomes = tenancy.by_id(Outcome, (a.outcome_id for a in actions))
    participants = sorted(review.participants, key=lambda u: (u.name or u.email).lower())
    review.recorded_names = review_names(
        stream, tenancy.find(Customer, stream.customer_id), tenancy.find(Job, stream.job_id),
        people.get(review.facilitator_id), participants, people.get(stream.owner_id))
    for finding in findings:
        finding.recorded_names = finding_names(steps.get(finding.step_id), people.get(finding.created_by_id))
    for action in actions:
        action.recorded_names = action_names(steps.get(action.step_id), kpis.get(action.kpi_id),
                                             outcomes.get(action.outcome_id), people.get(action.owner_id))

