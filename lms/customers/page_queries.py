"""What the customer pages read: per-customer figures, the customer overview, rating history, choices.

Built on ``lms.customers.queries``: every page reads a fixed number of statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from lms import pagination, tenancy
from lms.charts import deferred
from lms.customers import circumstance_queries
from lms.customers.queries import (
    RatedOutcome,
    StackView,
    jobs_of_customer,
    load_job_stacks,
    ratings_query,
    thresholds,
)
from lms.customers.segment_queries import SegmentCallout, SegmentTable, segment_callouts, segment_table
from lms.extensions import db
from lms.lean.opportunity import score_outcome
from lms.models import Customer, Job, Outcome, OutcomeRating, ValueStream
from lms.pagination import Page

# Drawn (and described) by matplotlib, imported on first use: see lms.charts.deferred.
describe_landscape = deferred("lms.charts.landscape", "describe_landscape")


@dataclass(frozen=True)
class CustomerFigures:
    """What the customers page counts for one customer."""

    jobs: int = 0
    underserved_outcomes: int = 0
    job_gaps: int = 0


def customer_figures(customer_ids: list[int]) -> dict[int, CustomerFigures]:
    """Count jobs, underserved outcomes and job gaps of each customer, in at most four statements."""
    if not customer_ids:
        return {}
    loaded = load_job_stacks(Job.customer_id.in_(customer_ids), records=False, kept=True)
    customer_of = {job.id: job.customer_id for job in loaded.jobs}
    counts: dict[int, dict[str, int]] = {cid: defaultdict(int) for cid in customer_ids}
    for job in loaded.jobs:
        counts[job.customer_id]["jobs"] += 1
    for outcome in loaded.all_outcomes():
        if outcome.status == "underserved":
            counts[customer_of[outcome.job_id]]["underserved_outcomes"] += 1
    for job in loaded.high_level():
        counts[job.customer_id]["job_gaps"] += len(loaded.analyse(job).gaps)
    return {cid: CustomerFigures(**values) for cid, values in counts.items()}


def landscape_spec(title: str, outcomes: Iterable[RatedOutcome], segment: str | None = None) -> dict:
    """Describe an opportunity landscape chart: its title, the thresholds and the rated outcomes.

    With ``segment`` the outcomes are rated by that segment, and the title and empty chart say so.
    """
    from lms.charts.landscape import DRAWING as LANDSCAPE_DRAWING  # matplotlib, on first use

    limits = thresholds()
    points = [
        {"id": o.id, "label": o.statement, "importance": round(o.importance, 2),
         "satisfaction": round(o.satisfaction, 2), "status": o.status}
        for o in outcomes if o.opportunity is not None  # a rating off the 0-10 scale is not placed
    ]
    spec = {"drawing": LANDSCAPE_DRAWING, "title": title if segment is None else f"{title} · {segment}",
            "underserved": limits.underserved, "high": limits.high, "extreme": limits.extreme,
            "points": points}
    if segment is not None:
        name = segment if len(segment) <= 40 else segment[:39] + "…"
        spec["empty"] = f"No outcome rated by the segment\n“{name}”."
    return spec


def high_level_jobs(customer_id: int, *, excluding: int | None = None) -> list[tuple[int, str]]:
    """Return (id, statement) of a customer's high-level jobs: the parents a related job may have."""
    stmt = (select(Job.id, Job.statement)
            .where(Job.customer_id == customer_id, Job.parent_id.is_(None))
            .order_by(Job.position.is_(None), Job.position, Job.id))
    if excluding is not None:
        stmt = stmt.where(Job.id != excluding)
    return list(db.session.execute(stmt).tuples())


@dataclass(frozen=True)
class RatingRow:
    """One wave of an outcome's rating history, with its score and the change since the wave before."""

    rating: OutcomeRating
    opportunity: float | None
    status: str
    band: str | None
    satisfaction_change: float | None
    off_scale: bool = False


def rating_history(outcome: Outcome, page_number: int, per_page: int, segment: str | None = None) -> Page:
    """Return a page of the outcome's rating waves (of one segment when given), newest first, scored and
    compared with the wave before."""
    page = pagination.paginate(ratings_query(outcome, segment), page_number, per_page)
    ratings = list(page.items)
    older = db.session.scalar(ratings_query(outcome, segment).offset(page_number * per_page).limit(1))
    limits = thresholds()
    rows = []
    following = [*ratings[1:], older][:len(ratings)]
    for rating, previous in zip(ratings, following, strict=True):
        scored = score_outcome(rating.importance, rating.satisfaction, limits)
        rows.append(RatingRow(
            rating=rating, opportunity=scored.opportunity, status=scored.status, band=scored.band,
            # Against the wave before of the same segment: another segment's answers are no change.
            satisfaction_change=None if previous is None or previous.segment != rating.segment
            else rating.satisfaction - previous.satisfaction,
            off_scale=scored.off_scale,
        ))
    return Page(rows, page.total, page.page, page.per_page)


@dataclass
class CustomerOverview:
    """The customer page: a page of job stacks and what the whole customer adds up to.

    Outcomes are rated for all segments, or for ``segment``; ``segments`` are the customer's
    segments to pick from, ``callouts`` the segments underserved where the figure for all is not.
    """

    stacks: Page
    job_count: int
    gap_count: int
    underserved: list[RatedOutcome]
    statements: dict[int, str]
    landscape_alt: str
    stack_alts: dict[int, str]
    rated_count: int
    stream_name: str | None
    circumstances: dict[int, circumstance_queries.StackCircumstances] = field(default_factory=dict)
    segment: str | None = None
    segments: list[str] = field(default_factory=list)
    callouts: list[SegmentCallout] = field(default_factory=list)
    by_segment: SegmentTable | None = None


def _title(name: str) -> str:
    return f"Opportunity landscape — {name}"


def customer_overview(customer: Customer, page_number: int, per_page: int,
                      segment: str | None = None) -> CustomerOverview:
    """Read the customer page: every stack analysed (for all segments or one), one page of them shown."""
    loaded = jobs_of_customer(customer.id, segment)
    stacks: list[StackView] = loaded.stacks()
    shown = stacks[(page_number - 1) * per_page: page_number * per_page]
    outcomes = loaded.all_outcomes()
    segments = loaded.segment_names()
    spec = landscape_spec(_title(customer.name), outcomes, segment)
    stream = tenancy.find(ValueStream, customer.value_stream_id)
    stream_name = stream.name if stream is not None else None
    return CustomerOverview(
        stacks=Page(shown, len(stacks), page_number, per_page),
        job_count=len(loaded.jobs),
        gap_count=sum(len(s.analysis.gaps) for s in stacks),
        underserved=sorted((o for o in outcomes if o.status == "underserved"), key=lambda o: -o.opportunity),
        statements={job.id: job.statement for job in loaded.jobs},
        landscape_alt=describe_landscape(spec),
        stack_alts={s.job.id: describe_landscape(landscape_spec(_title(s.job.statement), s.rated_outcomes,
                                                                segment))
                    for s in shown},
        rated_count=len(spec["points"]),
        stream_name=stream_name,
        circumstances=circumstance_queries.for_stacks(loaded, [s.job for s in shown]),
        segment=segment,
        segments=segments,
        callouts=segment_callouts(outcomes),
        by_segment=segment_table(outcomes, segments) if segments else None,
    )


def customer_landscape(customer: Customer, segment: str | None = None) -> dict:
    """Return the landscape spec of every rated outcome of a customer, for all segments or one."""
    outcomes = jobs_of_customer(customer.id, segment).all_outcomes()
    return landscape_spec(_title(customer.name), outcomes, segment)


def job_landscape(job: Job, segment: str | None = None) -> dict:
    """Return the landscape spec of a job's outcomes and those of its related jobs."""
    loaded = load_job_stacks((Job.id == job.id) | (Job.parent_id == job.id), segment=segment)
    return landscape_spec(_title(job.statement), loaded.all_outcomes(), segment)


def customers_of_kind(kind: str, page_number: int, per_page: int) -> Page:
    """Return a page of the organization's customers of one kind, by name."""
    stmt = select(Customer).where(Customer.kind == kind).order_by(Customer.name, Customer.id)
    return pagination.paginate(stmt, page_number, per_page)
