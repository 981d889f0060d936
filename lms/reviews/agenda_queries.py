"""The agenda of a review: what the team should look at on this value stream, computed when shown.

Drift alerts of the stream's KPIs, untagged steps, value-adding steps whose flags contradict the
tag, over-takt steps, underserved outcomes and job gaps of the jobs the stream serves, and overdue
actions of earlier reviews of the stream. A fixed number of queries, however many steps or KPIs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

from flask import url_for
from sqlalchemy import and_, or_, select
from werkzeug.routing import BuildError

from lms import tenancy
from lms.customer_first import agenda_queries as customer_first
from lms.customers.circumstance_queries import analyse, load_circumstances
from lms.customers.queries import JobStacks, load_job_stacks
from lms.extensions import db
from lms.kpis.drift_queries import KpiDrift
from lms.lean.waste import WasteFlag, flag_stream
from lms.models import Action, Job, Kpi, Review, Step, User, ValueStream
from lms.reviews.schemas import CLOSED_STAGES
from lms.streams import queries as stream_queries

SECTIONS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("kpis", "KPIs drifting from the customer", ("kpi-worsening", "kpi-diverging", "kpi-orphan", "kpi-stale"),
     "No KPI of this stream is worsening, diverging, orphan or stale."),
    ("steps", "Steps to walk", ("untagged-step", "flagged-value-adding-step", "over-takt-step"),
     "Every step is tagged, no value-adding step contradicts its flags, none is over takt."),
    ("customer", "Customer outcomes and job gaps", ("underserved-outcome", "job-gap", "circumstance-gap"),
     "No underserved outcome and no job gap in the jobs this stream serves."),
    ("actions", "Overdue actions from earlier reviews", ("overdue-action",),
     "No action of an earlier review of this stream is overdue."),
    ("customer-first", "Internal customers and overprocessing", ("suboptimization", "stop-doing-candidate"),
     "No internal customer loses while this stream (or its supplier) gains, and no step serves an "
     "overserved outcome."),
)
KIND_LABELS = {
    "kpi-worsening": "Worsening KPI", "kpi-diverging": "Diverging KPI", "kpi-orphan": "Orphan KPI",
    "kpi-stale": "Stale KPI",
    "untagged-step": "Untagged step", "flagged-value-adding-step": "Flagged value-adding step",
    "over-takt-step": "Over takt", "underserved-outcome": "Underserved outcome", "job-gap": "Job gap",
    "circumstance-gap": "Circumstance without a capable stack",
    "overdue-action": "Overdue action",
    **customer_first.KIND_LABELS,
}
DRIFT_ALERTS = ("worsening", "diverging", "orphan", "stale")
CONTRADICTING_FLAGS = ("contradiction", "no-customer-job")


@dataclass(frozen=True)
class AgendaItem:
    """One point of the agenda, with the page where its source lives."""

    kind: str
    title: str
    detail: str
    record_type: str | None = None
    record_id: int | None = None
    url: str | None = None

    @property
    def label(self) -> str:
        """Name the kind of point in words."""
        return KIND_LABELS.get(self.kind, self.kind)

    def as_dict(self) -> dict:
        """Return the point as plain values for the API."""
        return asdict(self)


@dataclass(frozen=True)
class AgendaSection:
    """A group of agenda points under a heading."""

    key: str
    heading: str
    items: list[AgendaItem]
    empty: str = ""


def page_url(endpoint: str, **values) -> str | None:
    """Return the URL of a page, or None when that page does not exist in this app."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def sections(items: Sequence[AgendaItem]) -> list[AgendaSection]:
    """Group agenda points under their headings, in agenda order."""
    return [AgendaSection(key, heading, [i for i in items if i.kind in kinds], empty)
            for key, heading, kinds, empty in SECTIONS]


# The parts ------------------------------------------------------------------------------


def kpi_items(kpis: Sequence[Kpi], drift: dict[int, KpiDrift]) -> list[AgendaItem]:
    """Return the stream's KPIs whose drift status is worsening, diverging, orphan or stale."""
    items = []
    for kpi in kpis:
        status = drift[kpi.id].status if kpi.id in drift else None
        if status in DRIFT_ALERTS:
            items.append(AgendaItem(f"kpi-{status}", kpi.name, " ".join(drift[kpi.id].reasons), "Kpi", kpi.id,
                                    page_url("kpis.show", kpi_id=kpi.id)))
    return items


def step_items(stream: ValueStream, steps: Sequence[Step]) -> list[AgendaItem]:
    """Return untagged steps, value-adding steps with contradicting flags, and over-takt steps."""
    flags: dict[int | None, list[WasteFlag]] = flag_stream(stream_queries.stream_figures(stream, steps))
    untagged, contradicted, over_takt = [], [], []
    for step in steps:
        title = f"#{step.position} {step.name}"
        url = page_url("streams.step", stream_id=stream.id, step_id=step.id)
        step_flags = flags.get(step.id, [])
        if step.classification == "unclassified":
            untagged.append(AgendaItem("untagged-step", title, "Not tagged yet: is it value-adding, "
                                       "necessary or waste, and for which customer job?", "Step", step.id,
                                       url))
        bad = [f for f in step_flags if f.code in CONTRADICTING_FLAGS]
        if step.classification == "value-adding" and bad:
            contradicted.append(AgendaItem("flagged-value-adding-step", title,
                                           "Tagged value-adding, but: " + " ".join(f.message for f in bad),
                                           "Step", step.id, url))
        takt = [f for f in step_flags if f.code == "over-takt"]
        if takt:
            over_takt.append(AgendaItem("over-takt-step", title, takt[0].message, "Step", step.id, url))
    return untagged + contradicted + over_takt


def served_jobs(stream: ValueStream, steps: Sequence[Step]) -> tuple[int | None, JobStacks | None]:
    """Load the stack of the job the stream serves and the jobs its steps serve, in fixed queries."""
    head_id = None
    if stream.job_id is not None:
        job = tenancy.find(Job, stream.job_id)
        if job is not None:
            head_id = job.parent_id or job.id
    step_jobs = sorted({s.job_id for s in steps if s.job_id is not None})
    criteria = []
    if head_id is not None:
        criteria += [Job.id == head_id, Job.parent_id == head_id]
    if step_jobs:
        criteria.append(Job.id.in_(step_jobs))
    if not criteria:
        return None, None
    return head_id, load_job_stacks(or_(*criteria))


def customer_items(head_id: int | None, stacks: JobStacks | None) -> list[AgendaItem]:
    """Return the underserved outcomes of the served jobs and the gaps of the stream's job stack."""
    if stacks is None:
        return []
    jobs = {job.id: job for job in stacks.jobs}
    items = []
    for outcome in sorted(stacks.all_outcomes(), key=lambda o: -(o.opportunity or 0)):
        if outcome.status != "underserved":
            continue
        job = jobs.get(outcome.job_id)
        detail = (f"Opportunity {outcome.opportunity:.1f} (importance {outcome.importance:.1f}, "
                  f"satisfaction {outcome.satisfaction:.1f})"
                  + (f" on the job “{job.statement}”." if job else "."))
        items.append(AgendaItem("underserved-outcome", outcome.statement, detail, "Outcome", outcome.id,
                                page_url("customers.outcome", outcome_id=outcome.id)))
    head = jobs.get(head_id) if head_id is not None else None
    if head is not None:
        analysis = stacks.analyse(head)
        for gap_id in analysis.gaps:
            gap = jobs[gap_id]
            items.append(AgendaItem(
                "job-gap", gap.statement,
                f"A required job in the stack of “{head.statement}” that no step of any value stream "
                "serves: the stack is not capable.", "Job", gap.id,
                page_url("customers.show", customer_id=gap.customer_id, _anchor=f"job-{gap.id}")))
        for group in analysis.unserved_groups:
            items.append(AgendaItem(
                "job-gap", f"Interchangeable jobs “{group}”",
                f"No job of this group in the stack of “{head.statement}” is served by any step.", "Job",
                head.id, page_url("customers.show", customer_id=head.customer_id, _anchor=f"job-{head.id}")))
    return items


def circumstance_items(head_id: int | None, stacks: JobStacks | None) -> list[AgendaItem]:
    """Return the circumstances of the stream's job stack whose customers it leaves without a capable stack.

    Largest share first (unknown shares last); one statement, the stack already loaded.
    """
    if head_id is None or stacks is None:
        return []
    head = next((job for job in stacks.jobs if job.id == head_id), None)
    rows = load_circumstances([head_id]).get(head_id, []) if head is not None else []
    if not rows:
        return []
    broken = [(row, a) for row, a in analyse(stacks, head, rows, diagnose=False).items if not a.capable]
    broken.sort(key=lambda item: (item[0].share is None, -(item[0].share or 0), item[0].name.lower()))
    return [AgendaItem(
        "circumstance-gap", f"Members with “{row.name}” ({row.share_text})",
        f"The stack of “{head.statement}” is not capable for them: {a.reason}.", "Circumstance", row.id,
        page_url("customers.show", customer_id=head.customer_id, _anchor=f"circumstances-{head.id}"))
        for row, a in broken]


def overdue_items(review: Review, today: date) -> list[AgendaItem]:
    """Return the overdue actions of the stream's other reviews held on or before this one."""
    earlier = or_(Review.held_on < review.held_on,
                  and_(Review.held_on == review.held_on, Review.id < review.id))
    rows = db.session.execute(
        select(Action, Review.held_on, Review.kind, User.name, User.email)
        .join(Review, Review.id == Action.review_id)
        .outerjoin(User, User.id == Action.owner_id)
        .where(Review.value_stream_id == review.value_stream_id, Review.id != review.id, earlier,
               Action.due_on < today, Action.stage.not_in(CLOSED_STAGES))
        .order_by(Action.due_on, Action.id)).tuples()
    items = []
    for action, held_on, kind, name, email in rows:
        owner = name or email or "nobody"
        days = (today - action.due_on).days
        items.append(AgendaItem(
            "overdue-action", action.title,
            f"Overdue by {days} day{'s' if days != 1 else ''} (due {action.due_on}), stage {action.stage}, "
            f"owner {owner}; agreed in the {kind.replace('-', ' ')} of {held_on}.", "Action", action.id,
            page_url("reviews.show", review_id=action.review_id, _anchor=f"action-{action.id}")))
    return items


def build_agenda(review: Review, stream: ValueStream, steps: Sequence[Step], kpis: Sequence[Kpi],
                 drift: dict[int, KpiDrift], today: date) -> list[AgendaItem]:
    """Return the whole agenda of a review from the stream's records loaded by the caller."""
    head_id, stacks = served_jobs(stream, steps)
    return [*kpi_items(kpis, drift), *step_items(stream, steps), *customer_items(head_id, stacks),
            *circumstance_items(head_id, stacks), *overdue_items(review, today),
            *customer_first.agenda_items(stream, today, AgendaItem, page_url)]
