"""Reads of reviews: the list, everything the review page shows, and a stream's review history.

Each read runs a fixed number of statements, whatever the number of steps, KPIs or actions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from lms import pagination, tenancy
from lms.db import today
from lms.extensions import db
from lms.kpis.drift_queries import KpiDrift, assess_kpis
from lms.lean.metrics import compute_metrics
from lms.models import Action, Customer, Finding, Job, Kpi, Outcome, Review, Step, User, ValueStream
from lms.reviews import agenda_queries, permissions, record_services
from lms.reviews.change_queries import BeforeAfter, KpiMovement, before_after, kpi_movements, opened_on
from lms.reviews.schemas import CLOSED_STAGES, is_overdue
from lms.streams import queries as stream_queries

STAGES_SHOWN = ("plan", "do", "check", "act", "done", "dropped")
NEXT_STAGE = {"plan": "do", "do": "check", "check": "act", "act": "done"}


# The list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewFilters:
    """What the list of reviews is narrowed to."""

    value_stream_id: int | None = None
    status: str | None = None


@dataclass(frozen=True)
class ActionCounts:
    """How many actions a review agreed, how many are still open and how many are overdue."""

    total: int = 0
    open: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class ReviewRow:
    """One line of the list of reviews."""

    review: Review
    stream: ValueStream | None
    facilitator: User | None
    findings: int
    actions: ActionCounts


def reviews_statement(filters: ReviewFilters) -> Select:
    """Return the statement of the reviews the filters leave, newest first."""
    stmt = select(Review).order_by(Review.held_on.desc(), Review.id.desc())
    if filters.value_stream_id is not None:
        stmt = stmt.where(Review.value_stream_id == filters.value_stream_id)
    if filters.status is not None:
        stmt = stmt.where(Review.status == filters.status)
    return stmt


def action_counts(review_ids: list[int], day: date) -> dict[int, ActionCounts]:
    """Count each review's actions, open and overdue, in one statement."""
    if not review_ids:
        return {}
    still_open = Action.stage.not_in(CLOSED_STAGES)
    rows = db.session.execute(
        select(Action.review_id, func.count(Action.id),
               func.sum(case((still_open, 1), else_=0)),
               func.sum(case((still_open & (Action.due_on < day), 1), else_=0)))
        .where(Action.review_id.in_(review_ids)).group_by(Action.review_id))
    return {review_id: ActionCounts(total, int(still or 0), int(late or 0))
            for review_id, total, still, late in rows}


def finding_counts(review_ids: list[int]) -> dict[int, int]:
    """Count each review's findings in one statement."""
    if not review_ids:
        return {}
    return dict(db.session.execute(select(Finding.review_id, func.count(Finding.id))
                                   .where(Finding.review_id.in_(review_ids))
                                   .group_by(Finding.review_id)).tuples().all())


def list_reviews(filters: ReviewFilters, page: int, per_page: int) -> tuple[pagination.Page, list[ReviewRow]]:
    """Return a page of reviews with their stream, facilitator and counts, in fixed statements."""
    result = pagination.paginate(reviews_statement(filters), page, per_page)
    reviews: list[Review] = result.items
    ids = [r.id for r in reviews]
    streams = tenancy.by_id(ValueStream, (r.value_stream_id for r in reviews))
    people = tenancy.by_id(User, (r.facilitator_id for r in reviews))
    actions, findings = action_counts(ids, today()), finding_counts(ids)
    rows = [ReviewRow(r, streams.get(r.value_stream_id), people.get(r.facilitator_id),
                      findings.get(r.id, 0), actions.get(r.id, ActionCounts())) for r in reviews]
    return result, rows


# One review ----------------------------------------------------------------------------


@dataclass
class ActionCard:
    """An action as the board shows it: the record, its owner, whether it is overdue, what may be done."""

    action: Action
    owner: User | None
    overdue: bool
    may_move: bool
    may_edit: bool
    step: Step | None = None
    kpi: Kpi | None = None
    outcome: Outcome | None = None
    names: dict = field(default_factory=dict)  # step, kpi, outcome, owner: as recorded when closed

    @property
    def next_stage(self) -> str | None:
        """Return the stage the action moves to next, if any."""
        return NEXT_STAGE.get(self.action.stage)


@dataclass
class ReviewPage:
    """Everything the review page shows."""

    review: Review
    stream: ValueStream
    steps: list[Step]
    metrics: dict
    facilitator: User | None
    participants: list[User]
    findings: list[Finding]
    cards: list[ActionCard]
    people: dict[int, User]
    kpis: list[Kpi]
    drift: dict[int, KpiDrift]
    agenda: list[agenda_queries.AgendaItem] | None
    figures: BeforeAfter
    movements: list[KpiMovement]
    customer: Customer | None = None
    job: Job | None = None
    may_run: bool = False
    may_delete: bool = False
    may_reopen: bool = False
    steps_by_id: dict[int, Step] = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # customer, job, people: as recorded when closed
    finding_names: dict[int, dict] = field(default_factory=dict)  # finding id -> its step and author

    @property
    def board(self) -> list[tuple[str, list[ActionCard]]]:
        """Return the actions by stage, in PDCA order."""
        columns: dict[str, list[ActionCard]] = defaultdict(list)
        for card in self.cards:
            columns[card.action.stage].append(card)
        return [(stage, columns[stage]) for stage in STAGES_SHOWN]

    @property
    def agenda_sections(self) -> list[agenda_queries.AgendaSection]:
        """Return the agenda grouped under its headings."""
        return agenda_queries.sections(self.agenda or [])

    @property
    def overdue_count(self) -> int:
        """Count this review's overdue actions."""
        return sum(1 for card in self.cards if card.overdue)


def stream_kpis(stream: ValueStream) -> list[Kpi]:
    """Return the KPIs tied to a value stream, by name."""
    return list(db.session.scalars(select(Kpi).where(Kpi.value_stream_id == stream.id)
                                   .order_by(Kpi.name, Kpi.id)))


def _findings(review: Review) -> list[Finding]:
    return list(db.session.scalars(select(Finding).where(Finding.review_id == review.id)
                                   .order_by(Finding.created_at, Finding.id)))


def _actions(review: Review) -> list[Action]:
    return list(db.session.scalars(select(Action).where(Action.review_id == review.id)
                                   .order_by(Action.due_on.is_(None), Action.due_on, Action.id)))


def _cards(review: Review, actions: list[Action], stream: ValueStream, people_by_id: dict, steps: dict,
           day: date, user: User) -> list[ActionCard]:
    kpis = tenancy.by_id(Kpi, (a.kpi_id for a in actions))
    outcomes = tenancy.by_id(Outcome, (a.outcome_id for a in actions))
    runner = permissions.may_run(stream, user)
    cards = []
    for a in actions:
        step, kpi, outcome = steps.get(a.step_id), kpis.get(a.kpi_id), outcomes.get(a.outcome_id)
        owner = people_by_id.get(a.owner_id)
        live = record_services.action_names(step, kpi, outcome, owner)
        names = record_services.shown(review, live, a.recorded_names)
        cards.append(ActionCard(a, owner, is_overdue(a.due_on, a.stage, day),
                                may_move=runner or permissions.is_assignee(a, user), may_edit=runner,
                                step=step, kpi=kpi, outcome=outcome, names=names))
    return cards


def review_page(review: Review) -> ReviewPage:
    """Load a review with everything its page shows, in a fixed number of statements."""
    user, day = tenancy.actor(), today()
    stream = tenancy.get_or_404(ValueStream, review.value_stream_id)
    steps = stream_queries.steps_of(stream)
    metrics = compute_metrics(stream_queries.stream_figures(stream, steps)).as_api_dict()
    findings, actions = _findings(review), _actions(review)
    participants = sorted(review.participants, key=lambda u: (u.name or u.email).lower())
    people_by_id = tenancy.by_id(User, [review.facilitator_id, stream.owner_id,
                                        *(a.owner_id for a in actions), *(f.created_by_id for f in findings)])
    kpis = stream_kpis(stream)
    drift = assess_kpis(kpis, day) if kpis else {}
    steps_by_id = {s.id: s for s in steps}
    customer, job = tenancy.find(Customer, stream.customer_id), tenancy.find(Job, stream.job_id)
    live = record_services.review_names(stream, customer, job, people_by_id.get(review.facilitator_id),
                                        participants, people_by_id.get(stream.owner_id))
    finding_names = {f.id: record_services.shown(review, record_services.finding_names(
        steps_by_id.get(f.step_id), people_by_id.get(f.created_by_id)), f.recorded_names) for f in findings}
    return ReviewPage(
        review=review, stream=stream, steps=steps, metrics=metrics,
        facilitator=people_by_id.get(review.facilitator_id), participants=participants, findings=findings,
        cards=_cards(review, actions, stream, people_by_id, steps_by_id, day, user), people=people_by_id,
        kpis=kpis, drift=drift,
        agenda=(None if review.status == "closed"
                else agenda_queries.build_agenda(review, stream, steps, kpis, drift, day)),
        figures=before_after(review, metrics), movements=kpi_movements(kpis, drift, opened_on(review)),
        customer=customer, job=job,
        may_run=permissions.may_run(stream, user), may_delete=permissions.may_delete(user),
        may_reopen=permissions.may_reopen(user), steps_by_id=steps_by_id,
        names=record_services.shown(review, live, review.recorded_names), finding_names=finding_names,
    )


def agenda_of(review: Review) -> list[agenda_queries.AgendaItem]:
    """Compute a review's agenda as of today (for the API)."""
    day = today()
    stream = tenancy.get_or_404(ValueStream, review.value_stream_id)
    steps = stream_queries.steps_of(stream)
    kpis = stream_kpis(stream)
    assessed = assess_kpis(kpis, day) if kpis else {}
    return agenda_queries.build_agenda(review, stream, steps, kpis, assessed, day)


def participants_of(reviews: list[Review]) -> dict[int, list[int]]:
    """Return the participant ids of each review, loading them for all at once."""
    if not reviews:
        return {}
    db.session.scalars(select(Review).where(Review.id.in_([r.id for r in reviews]))
                       .options(selectinload(Review.participants))).all()
    return {r.id: sorted(u.id for u in r.participants) for r in reviews}


# A stream's history ---------------------------------------------------------------------


def stream_reviews(stream: ValueStream) -> list[Review]:
    """Return every review of a stream, oldest first."""
    return list(db.session.scalars(select(Review).where(Review.value_stream_id == stream.id)
                                   .order_by(Review.held_on, Review.id)))
