"""Reads of the customer side: rated outcomes, step coverage and job-stack analyses.

Everything here loads a whole set of jobs in a fixed number of statements (jobs, the
steps serving them, their outcomes, the newest rating of each outcome and segment) and computes in
Python with ``lms.lean``: a page never issues one query per job.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import NamedTuple

from flask import abort, g
from sqlalchemy import ColumnElement, Row, Select, String, cast, func, select
from sqlalchemy.orm import aliased

from lms import content, tenancy
from lms.extensions import db
from lms.lean.durations import working_day
from lms.lean.jobs import (
    CapabilityChange,
    RelatedJob,
    ServingStep,
    StackAnalysis,
    analyse_stack,
    capability_change,
)
from lms.lean.opportunity import (
    OpportunityThresholds,
)
from lms.lean.segments import SegmentRating, SegmentScore, combine_segments, underserved_segments
from lms.models import Job, Organization, Outcome, OutcomeRating, Step, ValueStream
from lms.streams.queries import step_time_columns


def thresholds() -> OpportunityThresholds:
    """Return the acting organization's opportunity thresholds."""
    actor = g.get("actor")
    org = actor.organization if actor is not None else \
        db.session.get(Organization, tenancy.current_organization_id())
    if org is None:
        abort(401)
    return OpportunityThresholds(underserved=org.underserved_threshold,
                                 high=org.high_opportunity_threshold,
                                 extreme=org.extreme_opportunity_threshold)


# Made for each of an organization's thousands of outcomes on the dashboard and the customers page:
# slotted, not frozen (a frozen dataclass sets each of its 21 fields through object.__setattr__:
# 6 of the 10 µs a rated outcome took), and never changed once made.
@dataclass(slots=True)
class RatedOutcome:
    """An outcome with the figures of its newest ratings: for all segments, or for the one asked for.

    For all segments (``segment`` None) the figures combine the newest rating of each segment
    (``lms.lean.segments``; ``weighting`` and ``weighting_note`` say how); ``segments`` holds each
    segment's own score and ``callouts`` the segments underserved where the figure for all is not.
    """

    id: int
    version: int
    job_id: int
    statement: str
    direction: str
    importance: float | None
    satisfaction: float | None
    opportunity: float | None
    status: str
    band: str | None
    rated_on: date | None
    off_scale: bool = False
    respondents: int | None = None
    segment: str | None = None
    weighting: str = "unrated"
    weighting_note: str = ""
    segments: tuple[SegmentScore, ...] = ()
    callouts: tuple[SegmentScore, ...] = ()  # named segments underserved where all are not
    overall_opportunity: float | None = None  # of the figure for all segments, whichever is shown
    overall_status: str = "unrated"

    @property
    def by_segment(self) -> tuple[SegmentScore, ...]:
        """Return each segment's score (the API's name)."""
        return self.segments

    @property
    def underserved_segments(self) -> list[str]:
        """Return the names of the segments called out."""
        return [s.segment for s in self.callouts]


_NOT_RATED = combine_segments(())  # a segment that did not rate the outcome


def rate(outcome: Outcome | OutcomeFields, latest: Sequence[SegmentRating] | None,
         limits: OpportunityThresholds, segment: str | None = None) -> RatedOutcome:
    """Combine an outcome with the newest rating of each segment under the organization's thresholds.

    With ``segment``, the figures are that segment's newest rating (unrated when it has none).
    """
    combined = combine_segments(latest or (), limits)
    shown = combined if segment is None else (combined.segment(segment) or _NOT_RATED)
    return RatedOutcome(
        id=outcome.id, version=outcome.version, job_id=outcome.job_id, statement=outcome.statement,
        direction=outcome.direction, importance=shown.importance, satisfaction=shown.satisfaction,
        opportunity=shown.opportunity, status=shown.status, band=shown.band, rated_on=shown.rated_on,
        off_scale=shown.off_scale, respondents=shown.respondents, segment=segment,
        weighting=combined.weighting, weighting_note=combined.note, segments=combined.segments,
        callouts=tuple(underserved_segments(combined)),
        overall_opportunity=combined.opportunity, overall_status=combined.status,
    )


def newest_of_its_segment() -> ColumnElement[bool]:
    """Return the condition that an outcome rating is the newest of its outcome and segment.

    The newest is the one no later rating of the same outcome and segment beats, by day then entry;
    ratings that name no segment are a group of their own. One seek in ix_outcome_ratings_newest per
    rating: ranking every rating with a window instead sorted them all (30 ms for the benchmark's
    11,898 ratings on SQLite, against 15 ms).
    """
    later = aliased(OutcomeRating)
    return ~(select(later.id)
             .where(later.outcome_id == OutcomeRating.outcome_id,
                    later.segment.is_not_distinct_from(OutcomeRating.segment),
                    (later.rated_on > OutcomeRating.rated_on)
                    | ((later.rated_on == OutcomeRating.rated_on) & (later.id > OutcomeRating.id)))
             .exists())


def _latest_by_segment(outcome_ids) -> dict[int, list[SegmentRating]]:
    """Return the newest rating of each segment of each outcome, in one statement.

    Each is a row of the figures a rating gives, not a record: an organization's outcomes are
    thousands.
    """
    rows = db.session.execute(
        select(OutcomeRating.outcome_id, OutcomeRating.segment, OutcomeRating.importance,
               OutcomeRating.satisfaction, OutcomeRating.respondents, OutcomeRating.rated_on)
        .where(OutcomeRating.outcome_id.in_(outcome_ids), newest_of_its_segment())
    ).tuples()
    latest: dict[int, list[SegmentRating]] = defaultdict(list)
    for outcome_id, segment, importance, satisfaction, respondents, rated_on in rows:
        latest[outcome_id].append(SegmentRating(segment, importance, satisfaction, respondents, rated_on))
    return dict(latest)


class OutcomeFields(NamedTuple):
    """What rating reads of an outcome, as plain values (a page rates thousands)."""

    id: int
    version: int
    job_id: int
    statement: str
    direction: str


def _outcomes_with_newest(of_jobs: ColumnElement[bool]) -> list[tuple[OutcomeFields, list[SegmentRating]]]:
    """Return the outcomes matching ``of_jobs`` with the newest rating of each segment, in one statement.

    One row per outcome and segment that rated it (one for an unrated outcome), by outcome.
    """
    # The figures come from the index that finds the newest (ix_outcome_ratings_newest).
    rows = db.session.execute(
        select(*_OUTCOME_COLUMNS, OutcomeRating.segment, OutcomeRating.importance, OutcomeRating.satisfaction,
               OutcomeRating.respondents, OutcomeRating.rated_on)
        .outerjoin(OutcomeRating, (OutcomeRating.outcome_id == Outcome.id) & newest_of_its_segment())
        .where(of_jobs)
        .order_by(Outcome.id)
    ).all()
    found: list[tuple[OutcomeFields, list[SegmentRating]]] = []
    latest: list[SegmentRating] = []
    last_id = None
    # Unpacked, not read by name: reading a row's columns by name took 14 ms for the benchmark's
    # 3,966 newest ratings, unpacking them 1 ms (and rating reads the outcome's five by name again).
    for row in rows:
        outcome_id, version, job_id, statement, direction, segment, importance, satisfaction, respondents, \
            rated_on = row
        if outcome_id != last_id:
            last_id, latest = outcome_id, []
            found.append((OutcomeFields(outcome_id, version, job_id, statement, direction), latest))
        if rated_on is not None:  # every rating has its day: None is the unrated outcome's row
            latest.append(SegmentRating(segment, importance, satisfaction, respondents, rated_on))
    return found


def rated_outcomes(outcomes: Iterable[Outcome], segment: str | None = None) -> list[RatedOutcome]:
    """Rate a list of outcomes (a page, say) with two statements whatever its length."""
    outcomes = list(outcomes)
    latest = _latest_by_segment([o.id for o in outcomes]) if outcomes else {}
    limits = thresholds()
    return [rate(o, latest.get(o.id), limits, segment) for o in outcomes]


def rated_outcome(outcome: Outcome, segment: str | None = None) -> RatedOutcome:
    """Rate one outcome, for all segments or for one."""
    return rated_outcomes([outcome], segment)[0]


@dataclass(frozen=True)
class ServingStepView:
    """A step that serves a job, with the value stream it belongs to and its timing."""

    step_id: int
    step_name: str
    position: int
    value_stream_id: int
    value_stream_name: str
    owner_id: int | None
    processing_s: float
    waiting_s: float
    day_s: float | None = None

    def as_serving_step(self) -> ServingStep:
        """Return the figures the job-stack analysis needs."""
        return ServingStep(self.step_id, self.value_stream_id, self.owner_id,
                           self.processing_s, self.waiting_s, self.day_s)


# What a page shows of a step that serves a job: columns, not whole records (a large organization's
# job stacks touch thousands of steps), and its times as the database computes them.
def _serving_columns() -> tuple:
    _, processing, waiting = step_time_columns()
    return (Step.id, Step.position, Step.name, Step.job_id, Step.owner_id, ValueStream.id.label("stream_id"),
            ValueStream.name.label("stream_name"), ValueStream.available_seconds_per_day,
            processing.label("processing_s"), waiting.label("waiting_s"))


def _serving_step(row) -> ServingStepView:
    return ServingStepView(
        step_id=row.id, step_name=row.name, position=row.position, value_stream_id=row.stream_id,
        value_stream_name=row.stream_name, owner_id=row.owner_id,
        processing_s=float(row.processing_s), waiting_s=float(row.waiting_s),
        day_s=working_day(row.available_seconds_per_day),
    )


@dataclass
class RelatedJobView:
    """A related job in a stack as a page shows it: coverage, gap, success outcomes."""

    job: Job
    serving: list[ServingStepView]
    outcomes: list[RatedOutcome]
    gap: bool

    @property
    def served(self) -> bool:
        """Tell whether any step of any value stream serves this job."""
        return bool(self.serving)


@dataclass
class StackView:
    """A high-level job with its related jobs in stack order, and the analysis of the stack."""

    job: Job
    outcomes: list[RatedOutcome]
    related: list[RelatedJobView]
    analysis: StackAnalysis
    serving: list[ServingStepView] = field(default_factory=list)  # steps that serve the high-level job itself

    @property
    def rated_outcomes(self) -> list[RatedOutcome]:
        """Return every outcome of the stack: high-level outcomes, then success outcomes."""
        return self.outcomes + [o for item in self.related for o in item.outcomes]


@dataclass
class JobStacks:
    """A set of jobs loaded with the steps that serve them and their rated outcomes.

    The jobs are records, or rows of ``_STACK_JOB_COLUMNS`` when only the analysis is wanted;
    then ``serving`` (the steps as a page names them) stays empty and ``serving_steps`` (the
    figures the analysis reads) is filled.
    """

    jobs: list[Job]
    serving: dict[int, list[ServingStepView]] = field(default_factory=dict)
    outcomes: dict[int, list[RatedOutcome]] = field(default_factory=dict)
    serving_steps: dict[int, tuple[ServingStep, ...]] = field(default_factory=dict)
    _related: dict[int, list[Job]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._related = defaultdict(list)
        for job in self.jobs:
            if job.parent_id is not None:
                self._related[job.parent_id].append(job)

    def high_level(self) -> list[Job]:
        """Return the high-level jobs, in order of position then entry."""
        return sorted((j for j in self.jobs if j.parent_id is None),
                      key=lambda j: (j.position is None, j.position or 0, j.id))

    def related_of(self, job_id: int) -> list[Job]:
        """Return the related jobs of a high-level job."""
        return list(self._related.get(job_id, ()))

    def related_job(self, job: Job) -> RelatedJob:
        """Describe a related job for the pure analysis."""
        underserved = tuple(o.statement for o in self.outcomes.get(job.id, []) if o.status == "underserved")
        return RelatedJob(
            job_id=job.id, statement=job.statement, necessity=job.necessity,
            interchangeable_group=job.interchangeable_group, coordination=job.coordination,
            position=job.position,
            serving_steps=self.serving_steps.get(job.id, ()),
            underserved_outcomes=underserved,
        )

    def analyse(self, job: Job) -> StackAnalysis:
        """Analyse the stack headed by the high-level ``job``."""
        return analyse_stack(job.id, job.statement, [self.related_job(j) for j in self.related_of(job.id)])

    def stack(self, job: Job) -> StackView:
        """Return the stack headed by ``job`` as a page shows it."""
        analysis = self.analyse(job)
        by_id = {j.id: j for j in self.related_of(job.id)}
        gaps = set(analysis.gaps)
        related = [
            RelatedJobView(job=by_id[item.job_id], serving=self.serving.get(item.job_id, []),
                           outcomes=self.outcomes.get(item.job_id, []), gap=item.job_id in gaps)
            for item in analysis.related
        ]
        return StackView(job=job, outcomes=self.outcomes.get(job.id, []), related=related,
                         analysis=analysis, serving=self.serving.get(job.id, []))

    def stacks(self) -> list[StackView]:
        """Return every stack headed by a loaded high-level job."""
        return [self.stack(job) for job in self.high_level()]

    def all_outcomes(self) -> list[RatedOutcome]:
        """Return every loaded outcome."""
        return [o for outcomes in self.outcomes.values() for o in outcomes]

    def newest_ratings_by_head(self) -> list[tuple[int, tuple[SegmentScore, ...]]]:
        """Return each loaded outcome's high-level job and the newest rating of each of its segments."""
        head = {job.id: job.parent_id or job.id for job in self.jobs}
        return [(head[o.job_id], o.segments) for o in self.all_outcomes()]

    def segment_names(self) -> list[str]:
        """Return the segments that rated any loaded outcome, by name (ratings naming none are left out)."""
        names = {s.segment for o in self.all_outcomes() for s in o.segments if s.segment is not None}
        return sorted(names, key=lambda name: (name.casefold(), name))


def _jobs_matching(criterion: ColumnElement[bool]):
    """Return the ids of the jobs matching ``criterion``, as a subquery for an IN.

    An IN list of job ids, not a join to the jobs: SQLite (without statistics) would otherwise
    walk every step or outcome of the organization to find one customer's.
    """
    return select(Job.id).where(criterion).scalar_subquery()


CURRENT_STATE = ValueStream.state == "current"


def _serving_of(criterion: ColumnElement[bool], *columns,
                streams: ColumnElement[bool] = CURRENT_STATE) -> Select:
    """Select the steps serving the jobs matching ``criterion``: steps of current-state streams only.

    A future state is a plan: its steps serve no job (and make no stack capable) until it is the
    way the work is done; ``future_state_changes`` says what it would change. ``streams`` picks
    other streams for such a what-if.
    """
    return (select(*columns)
            .join(ValueStream, ValueStream.id == Step.value_stream_id)
            .where(Step.job_id.in_(_jobs_matching(criterion)), streams))


def _serving_views(criterion: ColumnElement[bool]) -> dict[int, list[ServingStepView]]:
    serving: dict[int, list[ServingStepView]] = defaultdict(list)
    stmt = (_serving_of(criterion, *_serving_columns())
            .order_by(ValueStream.name, ValueStream.id, Step.position))
    for row in db.session.execute(stmt):
        serving[row.job_id].append(_serving_step(row))
    return dict(serving)


def _serving_steps(criterion: ColumnElement[bool],
                   streams: ColumnElement[bool] = CURRENT_STATE) -> dict[int, tuple[ServingStep, ...]]:
    """Return what serves each job: per value stream and owner, the steps' ids and their times added up.

    One row per job, stream and owner, not per step (an organization's stacks are served by
    thousands of steps; the benchmark's 6,435 come to 880 rows): the analysis reads nothing
    else of a step. The database adds the times up in its own order, so a sum may differ from
    Python's in the last bit.
    """
    _, processing, waiting = step_time_columns()
    step_ids = func.aggregate_strings(cast(Step.id, String), ",")
    stmt = _serving_of(criterion, Step.job_id, ValueStream.id, Step.owner_id, step_ids,
                       func.sum(processing), func.sum(waiting),
                       func.max(ValueStream.available_seconds_per_day),
                       streams=streams).group_by(Step.job_id, ValueStream.id, Step.owner_id)
    serving: dict[int, list[ServingStep]] = defaultdict(list)
    for job_id, stream_id, owner_id, ids, processing_s, waiting_s, available_s in db.session.execute(stmt):
        first, *others = sorted(map(int, ids.split(",")))
        serving[job_id].append(ServingStep(first, stream_id, owner_id, float(processing_s),
                                           float(waiting_s), working_day(available_s),
                                           also_step_ids=tuple(others)))
    return {job_id: tuple(steps) for job_id, steps in serving.items()}


# What the analysis of a stack reads of a job: a page that analyses every stack of an
# organization (the dashboard, the customers page) loads these, not whole records.
_STACK_JOB_COLUMNS = (
    Job.id, Job.customer_id, Job.parent_id, Job.statement, Job.necessity, Job.interchangeable_group,
    Job.coordination, Job.position,
)
_OUTCOME_COLUMNS = (Outcome.id, Outcome.version, Outcome.job_id, Outcome.statement, Outcome.direction)


def load_job_stacks(criterion: ColumnElement[bool], *, records: bool = True,
                    segment: str | None = None, kept: bool = False) -> JobStacks:
    """Load the jobs matching ``criterion`` with coverage and rated outcomes, in three statements.

    ``records=False`` loads the jobs as rows of the columns the analysis reads. The outcomes are
    rated for all segments, or for ``segment`` when given. ``kept`` takes the outcomes for all
    segments from ``organization_rated_outcomes`` and (without records) what serves the jobs from
    ``organization_serving_steps``: for pages that read most of an organization's stacks (the
    dashboard, the customers page), not one stack's.
    """
    if records:
        jobs = list(db.session.scalars(select(Job).where(criterion).order_by(Job.id)))
    else:
        jobs = list(db.session.execute(select(*_STACK_JOB_COLUMNS).where(criterion).order_by(Job.id)))
    loaded = JobStacks(jobs=jobs)
    if not jobs:
        return loaded
    if records:
        loaded.serving = _serving_views(criterion)
        loaded.serving_steps = {job_id: tuple(view.as_serving_step() for view in views)
                                for job_id, views in loaded.serving.items()}
    elif kept:
        serving = organization_serving_steps()
        loaded.serving_steps = {job.id: serving[job.id] for job in jobs if job.id in serving}
    else:
        loaded.serving_steps = _serving_steps(criterion)
    if kept and segment is None:
        rated = organization_rated_outcomes()
        loaded.outcomes = {job.id: list(rated[job.id]) for job in jobs if job.id in rated}
        return loaded
    loaded.outcomes = _rate(Outcome.job_id.in_(_jobs_matching(criterion)), segment)
    return loaded


def _rate(of_jobs: ColumnElement[bool], segment: str | None = None) -> dict[int, list[RatedOutcome]]:
    """Rate the outcomes matching ``of_jobs`` (for all segments, or ``segment``), by job."""
    limits = thresholds()
    by_job: dict[int, list[RatedOutcome]] = defaultdict(list)
    for outcome, latest in _outcomes_with_newest(of_jobs):
        by_job[outcome.job_id].append(rate(outcome, latest, limits, segment))
    return dict(by_job)


# Every table what serves the organization's jobs reads.
SERVING_READS = frozenset(model.__tablename__ for model in (Job, Step, ValueStream))


def organization_serving_steps() -> dict[int, tuple[ServingStep, ...]]:
    """Return what serves each job of the acting organization (``_serving_steps``), by job.

    Kept across writes that touch no job, step or value stream (``lms.content``): a new rating
    sums no step's times again.
    """
    return content.cache.get("serving-steps", None, lambda: _serving_steps(Job.id.is_not(None)),
                             reads=SERVING_READS)


# Every table the organization's rated outcomes read (besides the organization's settings, the
# opportunity thresholds, whose version keys every cached value).
RATED_READS = frozenset(model.__tablename__ for model in (Job, Outcome, OutcomeRating))


def organization_rated_outcomes() -> dict[int, tuple[RatedOutcome, ...]]:
    """Return every outcome of the acting organization rated for all segments, by job.

    The same for every member (after the boundary), and kept across writes that touch no job,
    outcome or rating (``lms.content``): a step's new cycle time does not rate 2,000 outcomes
    again. A rated outcome is never changed once made, so the dashboard and the customers page
    share them.
    """
    def compute() -> dict[int, tuple[RatedOutcome, ...]]:
        return {job_id: tuple(outcomes) for job_id, outcomes in _rate(Outcome.id.is_not(None)).items()}

    return content.cache.get("rated-outcomes", None, compute, reads=RATED_READS, update=_rate_again)


# Past this many outcomes changed since the kept rating, all are rated again (one statement).
RATE_AGAIN_AT_MOST = 200


def outcomes_written(changes: dict[str, frozenset[int]]) -> frozenset[int]:
    """Return the outcomes whose record or ratings ``changes`` (the write history's rows) name."""
    none: frozenset[int] = frozenset()
    return changes.get(Outcome.__tablename__, none) | changes.get(OutcomeRating.__tablename__, none)


def _rate_again(kept: dict[int, tuple[RatedOutcome, ...]],
                changes: dict[str, frozenset[int]]) -> dict[int, tuple[RatedOutcome, ...]] | None:
    """Return the kept rated outcomes with those whose outcome or ratings were written since rated
    again; None (rate them all) after a write to the jobs or to many outcomes.

    A new survey wave of one outcome rates one outcome, not 2,000. The outcomes keep the order a full
    rating gives them (by id within each job), so the result is the same value.
    """
    if Job.__tablename__ in changes:
        return None
    ids = outcomes_written(changes)
    if len(ids) > RATE_AGAIN_AT_MOST:
        return None
    by_job = {job_id: [o for o in outcomes if o.id not in ids] for job_id, outcomes in kept.items()}
    for job_id, outcomes in _rate(Outcome.id.in_(sorted(ids))).items():
        by_job.setdefault(job_id, []).extend(outcomes)
    return {job_id: tuple(sorted(outcomes, key=lambda o: o.id))
            for job_id, outcomes in by_job.items() if outcomes}


def stack_of(job: Job) -> StackView:
    """Load and analyse the stack headed by the high-level ``job``."""
    loaded = load_job_stacks((Job.id == job.id) | (Job.parent_id == job.id))
    return loaded.stack(job)


@dataclass(frozen=True)
class FutureChange:
    """A stack whose capability a future state would change, as the comparison page says it."""

    job: Row
    change: CapabilityChange
    closed: list[str]
    opened: list[str]


def future_state_changes(current_id: int, future_id: int) -> list[FutureChange]:
    """Say which stacks would gain or lose capability if the future state replaced its current state.

    The stacks are those of the jobs either map's steps serve. Today's analysis reads the
    current-state streams; the what-if reads the same streams without ``current_id`` and with
    ``future_id``. Nothing is written: until the future state is the current one, it changes
    no stack (``_serving_of``).
    """
    touched = select(Step.job_id).where(Step.value_stream_id.in_([current_id, future_id]),
                                        Step.job_id.is_not(None))
    heads = select(func.coalesce(Job.parent_id, Job.id)).where(Job.id.in_(touched.scalar_subquery()))
    criterion = Job.id.in_(heads.scalar_subquery()) | Job.parent_id.in_(heads.scalar_subquery())
    today = load_job_stacks(criterion, records=False)
    planned = (CURRENT_STATE & (ValueStream.id != current_id)) | (ValueStream.id == future_id)
    what_if = replace(today, serving_steps=_serving_steps(criterion, planned))
    statements = {job.id: job.statement for job in today.jobs}
    changes = []
    for head in today.high_level():
        change = capability_change(today.analyse(head), what_if.analyse(head))
        if change is not None:
            changes.append(FutureChange(head, change, [statements[i] for i in change.gaps_closed],
                                        [statements[i] for i in change.gaps_opened]))
    return changes


def jobs_of_customer(customer_id: int, segment: str | None = None) -> JobStacks:
    """Load every job of a customer with coverage and outcomes rated for all segments or one."""
    return load_job_stacks(Job.customer_id == customer_id, segment=segment)


def ratings_query(outcome: Outcome, segment: str | None = None) -> Select:
    """Return the statement listing an outcome's ratings (of one segment when given), newest first."""
    stmt = select(OutcomeRating).where(OutcomeRating.outcome_id == outcome.id)
    if segment is not None:
        stmt = stmt.where(OutcomeRating.segment == segment)
    return stmt.order_by(OutcomeRating.rated_on.desc(), OutcomeRating.id.desc())


def rating_of(outcome: Outcome, rating_id: int) -> OutcomeRating:
    """Return one of the outcome's ratings, or answer 404."""
    rating = tenancy.get_or_404(OutcomeRating, rating_id)
    if rating.outcome_id != outcome.id:
        abort(404)
    return rating
