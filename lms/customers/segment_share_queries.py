"""Shares of circumstances measured from segments: counted in SQL aggregates, judged by ``lms.lean``.

Two statements for any number of circumstances, whatever the number of ratings and events: one
counts each named segment's respondents among the newest ratings of each stack's outcomes, the
other each segment's distinct cases among the event logs of each customer's value streams. Only
circumstances that name a segment are measured; with none, both statements still run, on an empty
list the database answers at once, so a read issues the same statements whatever its data.

Counting the cases reads every event of the customers' logs (0.75 s of CPU for 500,000 events on
SQLite): the counts are kept in the content cache, by the tables they read, so only a change to a
log or to which customer a stream serves counts them again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select

from lms import content
from lms.customers.queries import newest_of_its_segment
from lms.extensions import db
from lms.lean.segment_shares import (
    CaseCount,
    MeasuredShare,
    NewestRating,
    RespondentCount,
    count_respondents,
    measure_share,
)
from lms.models import FlowActivity, FlowEvent, Job, Outcome, OutcomeRating, ValueStream

# Every table the case counts read, or whose change changes them (deleting an activity deletes its events).
CASE_READS = frozenset(model.__tablename__ for model in (FlowEvent, FlowActivity, ValueStream))


@dataclass(frozen=True)
class SegmentedCircumstance:
    """What measuring a circumstance's share reads: its stack, its customer and its segment."""

    circumstance_id: int
    job_id: int
    customer_id: int
    segment: str


def respondent_counts(heads: set[int], segments: set[str]) -> dict[tuple[int, str], RespondentCount]:
    """Count each segment's respondents among the newest ratings of each stack's outcomes, by (head, segment).

    Of the outcomes a segment rated, each counts with all respondents of its newest ratings (the
    newest of each segment; those naming none are a group of their own), unless one lacks a count.
    """
    head = func.coalesce(Job.parent_id, Job.id)
    latest = (
        select(OutcomeRating.outcome_id, head.label("head_id"), OutcomeRating.segment,
               OutcomeRating.respondents, OutcomeRating.rated_on)
        .join(Outcome, Outcome.id == OutcomeRating.outcome_id)
        .join(Job, Job.id == Outcome.job_id)
        .where(or_(Job.id.in_(sorted(heads)), Job.parent_id.in_(sorted(heads))), newest_of_its_segment())
        .cte("latest")
    )
    per_outcome = (
        select(latest.c.outcome_id, func.sum(latest.c.respondents).label("total"),
               (func.count() - func.count(latest.c.respondents)).label("uncounted"),
               func.max(latest.c.rated_on).label("rated_on"))
        .group_by(latest.c.outcome_id).cte("per_outcome")
    )
    counted = per_outcome.c.uncounted == 0
    stmt = (
        select(latest.c.head_id, latest.c.segment,
               func.sum(case((counted, latest.c.respondents), else_=0)),
               func.sum(case((counted, per_outcome.c.total), else_=0)),
               func.sum(case((counted, 1), else_=0)),
               func.sum(case((counted, 0), else_=1)),
               func.max(case((counted, per_outcome.c.rated_on))))
        .join(per_outcome, per_outcome.c.outcome_id == latest.c.outcome_id)
        .where(latest.c.segment.in_(sorted(segments)))
        .group_by(latest.c.head_id, latest.c.segment)
    )
    return {(head_id, segment): RespondentCount(int(of_segment), int(total), int(outcomes), rated_on,
                                                int(left_out))
            for head_id, segment, of_segment, total, outcomes, left_out, rated_on in db.session.execute(stmt)}


def case_counts(customers: set[int]) -> dict[int, dict[str, CaseCount]]:
    """Count the distinct cases of each segment in the event logs of each customer's value streams.

    By customer, then segment ('' for cases naming none); each count's ``total`` is all the customer's
    cases. A case's segment is the one its events name (their greatest, as the flow reads it). Kept
    in the content cache until a write touches ``CASE_READS``; never change what it returns.
    """
    key = tuple(sorted(customers))
    return content.cache.get("segment-cases", key, lambda: count_cases(key), reads=CASE_READS)


def count_cases(customers: tuple[int, ...]) -> dict[int, dict[str, CaseCount]]:
    """Count the cases of each segment of these customers' logs (the computation ``case_counts`` keeps)."""
    cases = (
        select(ValueStream.customer_id, func.max(FlowEvent.segment).label("segment"),
               func.min(FlowEvent.occurred_at).label("first"), func.max(FlowEvent.occurred_at).label("last"))
        .join(ValueStream, ValueStream.id == FlowEvent.value_stream_id)
        .where(ValueStream.customer_id.in_(customers))
        .group_by(ValueStream.customer_id, FlowEvent.value_stream_id, FlowEvent.case_id)
        .subquery()
    )
    rows = db.session.execute(
        select(cases.c.customer_id, cases.c.segment, func.count(), func.min(cases.c.first),
               func.max(cases.c.last))
        .group_by(cases.c.customer_id, cases.c.segment))
    by_customer: dict[int, list] = defaultdict(list)
    for customer_id, segment, count, first, last in rows:
        by_customer[customer_id].append((segment or "", int(count), first, last))
    counts: dict[int, dict[str, CaseCount]] = {}
    for customer_id, groups in by_customer.items():
        total = sum(count for _, count, _, _ in groups)
        first = min(g[2] for g in groups if g[2] is not None)
        last = max(g[3] for g in groups if g[3] is not None)
        counts[customer_id] = {segment: CaseCount(count, total, _day(first), _day(last))
                               for segment, count, _, _ in groups}
    return counts


def _day(moment):
    return moment.date() if hasattr(moment, "date") else moment


def measure(circumstances: Iterable[SegmentedCircumstance],
            rated: Iterable[tuple[int, Sequence[NewestRating]]] | None = None) -> dict[int, MeasuredShare]:
    """Measure the share of each circumstance from its segment, by circumstance id (two statements).

    ``rated``: every outcome of the circumstances' stacks with its high-level job and newest ratings,
    when the caller has rated them already (the dashboard): the respondents are counted from them
    (``lms.lean.segment_shares.count_respondents``) and only the cases are read.
    """
    wanted = list(circumstances)
    segments = {c.segment for c in wanted}
    respondents = (respondent_counts({c.job_id for c in wanted}, segments) if rated is None
                   else count_respondents(rated, segments))
    cases = case_counts({c.customer_id for c in wanted})
    measured = {}
    for c in wanted:
        logged = cases.get(c.customer_id)
        total = next(iter(logged.values())).total if logged else 0
        count = logged.get(c.segment, CaseCount(0, total)) if logged else None
        measured[c.circumstance_id] = measure_share(c.segment, respondents.get((c.job_id, c.segment)), count)
    return measured


def known_segments(customer_id: int) -> list[str]:
    """Return the segments the customer's ratings and event logs name, by name (the logs' as counted)."""
    rated = (select(OutcomeRating.segment).join(Outcome, Outcome.id == OutcomeRating.outcome_id)
             .join(Job, Job.id == Outcome.job_id)
             .where(Job.customer_id == customer_id, OutcomeRating.segment.is_not(None)).distinct())
    logged = case_counts({customer_id}).get(customer_id, {})
    names = {*db.session.scalars(rated), *logged}
    return sorted((n for n in names if n and n.strip()), key=lambda n: (n.casefold(), n))
