"""Reads of the stop-doing list: steps serving outcomes rated overserved (putting one on a review's
agenda is ``lms.customer_first.services``).

A candidate is a step of a current-state stream that serves the job of an outcome whose newest
rating says overserved (satisfaction above importance). The list is one statement per page (rows
and their count, by a window): the newest rating of each outcome is ranked in SQL. The time each
step takes per unit and per week of demand is ``lms.lean.stop_doing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from lms.extensions import db
from lms.lean.durations import working_day
from lms.lean.stop_doing import ServingStepTime, candidate
from lms.models import Customer, Job, Outcome, OutcomeRating, Step, ValueStream
from lms.pagination import Page


@dataclass(frozen=True)
class CandidateLine:
    """One step of the stop-doing list with the overserved outcome it serves: plain values."""

    outcome_id: int
    outcome_statement: str
    customer_id: int
    customer_name: str
    job_id: int
    job_statement: str
    importance: float
    satisfaction: float
    rated_on: date
    step_id: int
    step_name: str
    step_position: int
    stream_id: int
    stream_name: str
    day_s: float | None
    per_unit_s: float | None
    per_week_s: float | None
    missing: tuple[str, ...]
    sentence: str

    @property
    def overserved_by(self) -> float:
        """Return how far satisfaction exceeds importance, in points."""
        return self.satisfaction - self.importance


def _newest_ratings():
    """Rank each outcome's ratings, newest first (by date, then entry), as a subquery."""
    return (select(OutcomeRating.outcome_id, OutcomeRating.importance, OutcomeRating.satisfaction,
                   OutcomeRating.rated_on,
                   func.row_number().over(partition_by=OutcomeRating.outcome_id,
                                          order_by=(OutcomeRating.rated_on.desc(), OutcomeRating.id.desc()))
                   .label("rank"))
            .subquery("newest"))


def candidates_statement(stream_id: int | None = None, *, counted: bool = False) -> Select:
    """Select the candidates, most overserved first; ``counted`` adds the number of them all to each row."""
    newest = _newest_ratings()
    columns = [newest.c.outcome_id, Outcome.statement, Job.customer_id, Customer.name, Job.id, Job.statement,
               newest.c.importance, newest.c.satisfaction, newest.c.rated_on, Step.id, Step.name,
               Step.position,
               Step.kind, Step.cycle_time_s, ValueStream.id, ValueStream.name, ValueStream.daily_demand,
               ValueStream.available_seconds_per_day]
    if counted:
        columns.append(func.count().over())
    stmt = (select(*columns)
            .join(Outcome, Outcome.id == newest.c.outcome_id)
            .join(Job, Job.id == Outcome.job_id)
            .join(Customer, Customer.id == Job.customer_id)
            .join(Step, Step.job_id == Job.id)
            .join(ValueStream, ValueStream.id == Step.value_stream_id)
            .where(newest.c.rank == 1, newest.c.satisfaction > newest.c.importance,
                   newest.c.importance >= 0, newest.c.satisfaction <= 10, ValueStream.state == "current")
            .order_by((newest.c.satisfaction - newest.c.importance).desc(), newest.c.outcome_id,
                      ValueStream.name, ValueStream.id, Step.position))
    if stream_id is not None:
        stmt = stmt.where(ValueStream.id == stream_id)
    return stmt


def _line(row) -> CandidateLine:
    (outcome_id, outcome_statement, customer_id, customer_name, job_id, job_statement, importance,
     satisfaction, rated_on, step_id, step_name, position, kind, cycle_time_s, stream_id, stream_name,
     daily_demand, available) = row[:18]
    day_s = working_day(available)
    found = candidate(ServingStepTime(step_id, step_name, kind, cycle_time_s, daily_demand, day_s),
                      importance, satisfaction)
    return CandidateLine(outcome_id, outcome_statement, customer_id, customer_name, job_id, job_statement,
                         importance, satisfaction, rated_on, step_id, step_name, position, stream_id,
                         stream_name,
                         day_s, found.per_unit_s, found.per_week_s, found.missing, found.sentence)


def candidate_page(page: int, per_page: int, stream_id: int | None = None) -> Page:
    """Return one page of the stop-doing list, in one statement (the total comes with the rows)."""
    rows = db.session.execute(candidates_statement(stream_id, counted=True)
                              .limit(per_page).offset((page - 1) * per_page)).tuples().all()
    total = rows[0][-1] if rows else 0
    if not rows and page > 1:  # past the end: the count still tells the size
        total = db.session.scalar(select(func.count())
                                  .select_from(candidates_statement(stream_id).subquery()))
    return Page([_line(r) for r in rows], total or 0, page, per_page)


@dataclass(frozen=True)
class OverservedOutcome:
    """An outcome whose newest rating is overserved, as a caller that rated it already knows it."""

    id: int
    statement: str
    job_id: int
    importance: float
    satisfaction: float
    rated_on: date


def candidate_head(overserved: list[OverservedOutcome], limit: int) -> Page:
    """Return the first candidates and their count from outcomes rated already (the dashboard's).

    Two index-driven statements instead of ranking every rating again: the number of serving steps
    per job, then the steps of the most overserved outcomes that have any.
    """
    if not overserved:
        return Page([], 0, 1, limit)
    jobs = sorted({o.job_id for o in overserved})
    current = (select(Step.job_id, func.count(Step.id))
               .join(ValueStream, ValueStream.id == Step.value_stream_id)
               .where(Step.job_id.in_(jobs), ValueStream.state == "current").group_by(Step.job_id))
    steps_per_job = dict(db.session.execute(current).tuples().all())
    ranked = sorted((o for o in overserved if steps_per_job.get(o.job_id)),
                    key=lambda o: (-(o.satisfaction - o.importance), o.id))
    total = sum(steps_per_job[o.job_id] for o in ranked)
    chosen, count = [], 0
    for outcome in ranked:
        if count >= limit:
            break
        chosen.append(outcome)
        count += steps_per_job[outcome.job_id]
    if not chosen:
        return Page([], 0, 1, limit)
    rows = db.session.execute(
        select(Outcome.id, Job.customer_id, Customer.name, Job.statement, Step.id, Step.name, Step.position,
               Step.kind, Step.cycle_time_s, ValueStream.id, ValueStream.name, ValueStream.daily_demand,
               ValueStream.available_seconds_per_day)
        .join(Job, Job.id == Outcome.job_id).join(Customer, Customer.id == Job.customer_id)
        .join(Step, Step.job_id == Job.id).join(ValueStream, ValueStream.id == Step.value_stream_id)
        .where(Outcome.id.in_([o.id for o in chosen]), ValueStream.state == "current")
        .order_by(ValueStream.name, ValueStream.id, Step.position)).tuples().all()
    by_id = {o.id: o for o in chosen}
    order = {o.id: n for n, o in enumerate(chosen)}
    lines = []
    rows.sort(key=lambda r: order[r[0]])
    for outcome_id, customer_id, customer_name, job_statement, *step in rows:
        o = by_id[outcome_id]
        lines.append(_line((o.id, o.statement, customer_id, customer_name, o.job_id, job_statement,
                            o.importance, o.satisfaction, o.rated_on, *step)))
    return Page(lines[:limit], total, 1, limit)


def candidates_of_stream(stream_id: int, limit: int = 20) -> list[CandidateLine]:
    """Return a stream's candidates, for a review's agenda."""
    return [_line(r) for r in db.session.execute(candidates_statement(stream_id).limit(limit)).tuples()]


def stream_owners(stream_ids: set[int]) -> dict[int, int | None]:
    """Return the process owner of each stream, in one statement."""
    if not stream_ids:
        return {}
    return dict(db.session.execute(select(ValueStream.id, ValueStream.owner_id)
                                   .where(ValueStream.id.in_(sorted(stream_ids)))).tuples().all())
