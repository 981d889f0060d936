"""The dashboard's figures: per customer (external and internal side by side) and organization-wide.

Everything is read in a fixed number of statements whatever the organization's size, and the
result (plain values, no ORM objects) is cached by the organization's content version. The drift
of every KPI, most of the work, is also kept across writes that touch none of the tables it reads
(``DRIFT_READS``, see ``lms.content``): a step's new cycle time does not recompute it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, literal, select, union_all

from lms import content
from lms.customer_first.stop_doing_queries import OverservedOutcome
from lms.customer_first.summary_queries import CustomerFirstBlock, dashboard_block
from lms.customers.queries import JobStacks, load_job_stacks, outcomes_written
from lms.customers.segment_queries import SegmentCallout, segment_callouts
from lms.dashboard.circumstance_queries import UncoveredCircumstances, uncovered_circumstances
from lms.db import utcnow
from lms.extensions import db
from lms.kpis.drift_queries import KpiDrift, KpiName, assess_kpis, assess_organization
from lms.lean.drift import STATUSES, DriftAssessment
from lms.lean.metrics import WASTE_TYPES
from lms.models import (
    Action,
    AuditEvent,
    Customer,
    Job,
    Kpi,
    KpiMeasurement,
    KpiOutcomeLink,
    Organization,
    Outcome,
    OutcomeRating,
    Review,
    Step,
    User,
    ValueStream,
)
from lms.streams.queries import StreamTotals, organization_stream_totals

ALERT_STATUSES = ("worsening", "diverging", "orphan", "stale")
OPEN_STAGES = ("plan", "do", "check", "act")
SHOWN = 8
PANELS_SHOWN = 6  # per side: the customers that call for attention most


@dataclass(frozen=True)
class StreamLine:
    id: int
    name: str
    pce: float | None
    waste_share: float | None
    lead_time_days: float | None
    untagged: int
    lead_time_note: str = ""  # why the lead time in days is not shown: "incomplete" or "no working day"
    lead_time_s: float | None = None
    day_s: float | None = None  # the stream's working day; None when it has none


@dataclass(frozen=True)
class OutcomeLine:
    id: int
    statement: str
    opportunity: float | None
    band: str | None


@dataclass
class CustomerPanel:
    id: int
    name: str
    kind: str
    jobs: int = 0
    high_level_jobs: int = 0
    job_gaps: int = 0
    underserved: list[OutcomeLine] = field(default_factory=list)
    streams: list[StreamLine] = field(default_factory=list)
    drift: Counter = field(default_factory=Counter)
    segment_callouts: list[SegmentCallout] = field(default_factory=list)

    @property
    def attention(self) -> int:
        """Return how much calls for a manager's attention: gaps, underserved outcomes, drift."""
        return (self.job_gaps + len(self.underserved) + self.drift["worsening"] + self.drift["diverging"]
                + self.drift["orphan"])

    @property
    def kpis(self) -> int:
        """Return how many KPIs stand for this customer."""
        return sum(self.drift.values())


@dataclass(frozen=True)
class DriftAlert:
    kpi_id: int
    name: str
    status: str
    reason: str


@dataclass(frozen=True)
class StrugglingJob:
    job_id: int
    statement: str
    customer_id: int
    customer_name: str
    cause: str
    message: str


@dataclass(frozen=True)
class OverdueAction:
    id: int
    title: str
    review_id: int
    stream_name: str
    owner: str
    due_on: date
    days_overdue: int


@dataclass(frozen=True)
class Change:
    at: str
    actor: str
    summary: str
    record_type: str
    record_id: int | None


@dataclass
class DashboardData:
    """What the dashboard shows, as plain values."""

    external: list[CustomerPanel]
    internal: list[CustomerPanel]
    customer_totals: Counter
    waste_time_by_type: list[tuple[str, float]]
    untimed_waste_streams: list[str]
    drift_totals: dict[str, int]
    alerts: list[DriftAlert]
    alert_total: int
    struggling: list[StrugglingJob]
    overdue: list[OverdueAction]
    overdue_total: int
    changes: list[Change]
    change_total: int
    counts: dict[str, int]
    as_of: date
    uncovered: UncoveredCircumstances = field(default_factory=lambda: UncoveredCircumstances([], 0))
    customer_first: CustomerFirstBlock = field(default_factory=CustomerFirstBlock)
    segments_underserved: list[SegmentLine] = field(default_factory=list)
    segments_underserved_total: int = 0

    @property
    def empty(self) -> bool:
        """Tell whether the organization has nothing to show yet."""
        return not any(self.counts.values())


def _lead_time_note(totals: StreamTotals) -> str:
    """Say why a stream's lead time in days is not shown ('' when it is)."""
    if totals.lead_time_s is None:
        return "incomplete"
    return "" if totals.day_s else "no working day"


def _stream_figures() -> tuple[dict[int, StreamLine], dict[int, int | None], dict[str, float], list[str]]:
    """Return every current-state stream's line, its customer, the waste time by type, and the streams
    whose waste time leaves out inventory that cannot be timed."""
    lines, customer_of, waste = {}, {}, dict.fromkeys(WASTE_TYPES, 0.0)
    untimed: list[str] = []
    for totals in organization_stream_totals():
        lines[totals.id] = StreamLine(totals.id, totals.name, totals.pce, totals.waste_share,
                                      totals.lead_time_days, totals.untagged_count, _lead_time_note(totals),
                                      totals.lead_time_s, totals.day_s)
        customer_of[totals.id] = totals.customer_id
        for kind, seconds in totals.waste_time_by_type.items():
            if seconds is not None:
                waste[kind] += seconds
        if any(seconds is None for seconds in totals.waste_time_by_type.values()):
            untimed.append(totals.name)
    return lines, customer_of, waste, untimed


def _kpi_customers() -> dict[int, set[int]]:
    """Return the customers each KPI stands for: through its outcomes, else through its stream."""
    through_outcomes = (select(KpiOutcomeLink.kpi_id, Job.customer_id, literal(True))
                        .join(Outcome, Outcome.id == KpiOutcomeLink.outcome_id)
                        .join(Job, Job.id == Outcome.job_id))
    through_stream = (select(Kpi.id, ValueStream.customer_id, literal(False))
                      .join(ValueStream, ValueStream.id == Kpi.value_stream_id)
                      .where(ValueStream.customer_id.is_not(None)))
    by_outcome: dict[int, set[int]] = defaultdict(set)
    by_stream: dict[int, int] = {}
    # One statement, two reads: each part keeps its own (index) plan.
    for kpi_id, customer_id, outcome in db.session.execute(union_all(through_outcomes, through_stream)):
        if outcome:
            by_outcome[kpi_id].add(customer_id)
        else:
            by_stream[kpi_id] = customer_id
    return {**{kpi_id: {customer_id} for kpi_id, customer_id in by_stream.items()}, **by_outcome}


# Every table the drift of the organization's KPIs reads (besides the organization's settings,
# whose version keys every cached value). Of the steps it reads one fact, which KPIs measure a step
# tagged waste; that is read for every view and keys the value (``_waste_kpis``).
DRIFT_READS = frozenset(model.__tablename__ for model in (Kpi, KpiMeasurement, KpiOutcomeLink, Outcome,
                                                           OutcomeRating))


@dataclass(frozen=True)
class DriftSummary:
    """The drift of every KPI of the organization, as the dashboard counts and words it."""

    statuses: dict[int, str]  # by KPI id
    totals: dict[str, int]
    alerts: list[DriftAlert]
    alert_total: int
    assessments: dict[int, DriftAssessment]  # by KPI id: the Customer First radar reads the KPIs' moves
    judged: tuple[tuple[KpiName, KpiDrift], ...] = ()  # every KPI, by name: what the rest is made of


def _waste_kpis() -> tuple[int, ...]:
    """Return the KPIs that measure a step tagged waste: the one fact of a step drift reads."""
    return tuple(db.session.scalars(select(Kpi.id).join(Step, Step.id == Kpi.step_id)
                                    .where(Step.classification == "waste").order_by(Kpi.id)))


def drift_summary(organization: Organization, today: date) -> DriftSummary:
    """Assess every KPI; count the statuses, word the first alerts and count them all."""
    return _summarize(tuple(assess_organization(organization, today)))


def _summarize(judged: tuple[tuple[KpiName, KpiDrift], ...]) -> DriftSummary:
    """Count the statuses of the KPIs' drift, word the first alerts and count them all."""
    totals: Counter = Counter()
    statuses: dict[int, str] = {}
    alerts = []
    assessments: dict[int, DriftAssessment] = {}
    for kpi, drift in judged:
        assessments[kpi.id] = drift.assessment
        totals[drift.status] += 1
        statuses[kpi.id] = drift.status
        if drift.status in ALERT_STATUSES:
            alerts.append((ALERT_STATUSES.index(drift.status), kpi.name, kpi.id, drift))
    alerts.sort(key=lambda a: a[:2])
    # Only the alerts shown are worded: the reasons of 1,000 KPIs are not.
    shown = [DriftAlert(kpi_id, name, drift.status, drift.reasons[0] if drift.reasons else "")
             for _, name, kpi_id, drift in alerts[:SHOWN]]
    return DriftSummary(statuses, {status: totals.get(status, 0) for status in STATUSES}, shown, len(alerts),
                        assessments, judged)


# Past this many KPIs tied to the outcomes changed since the kept drift, all are judged again.
JUDGE_AGAIN_AT_MOST = 200


def _judge_again(organization: Organization, today: date, kept: DriftSummary,
                 changes: dict[str, frozenset[int]]) -> DriftSummary | None:
    """Return the kept drift with the KPIs tied to the outcomes written since judged again; None
    (judge every KPI) after a write to KPIs, measurements or links, or to many outcomes' KPIs.

    A new survey wave of one outcome weighs the outcome side of the few KPIs tied to it, not 1,000.
    """
    if set(changes) - {Outcome.__tablename__, OutcomeRating.__tablename__}:
        return None
    outcomes = outcomes_written(changes)
    tied = set(db.session.scalars(select(KpiOutcomeLink.kpi_id)
                                  .where(KpiOutcomeLink.outcome_id.in_(sorted(outcomes)))))
    if len(tied) > JUDGE_AGAIN_AT_MOST:
        return None
    again = assess_kpis([kpi for kpi, _ in kept.judged if kpi.id in tied], today, organization=organization)
    return _summarize(tuple((kpi, again.get(kpi.id, drift)) for kpi, drift in kept.judged))


def organization_drift(organization: Organization, today: date) -> DriftSummary:
    """Return the drift of every KPI of the organization, kept across writes to tables it does not read.

    The same for every member (after the boundary): the dashboard and the sub-optimization radar
    read their KPIs' moves from it instead of assessing them again.
    """
    return content.cache.get("dashboard-drift", (today, _waste_kpis()),
                             lambda: drift_summary(organization, today), reads=DRIFT_READS,
                             update=lambda kept, changes: _judge_again(organization, today, kept, changes))


def _drift(panels: dict[int, CustomerPanel], organization: Organization, today: date):
    """Count drift statuses per customer and in all; word the first alerts and count them all."""
    summary = organization_drift(organization, today)
    for kpi_id, customer_ids in _kpi_customers().items():
        status = summary.statuses.get(kpi_id)
        for customer_id in customer_ids:
            if customer_id in panels and status is not None:
                panels[customer_id].drift[status] += 1
    return summary.totals, summary.alerts, summary.alert_total, summary.assessments


def _jobs(panels: dict[int, CustomerPanel],
          overserved: list[OverservedOutcome] | None = None) -> tuple[list[StrugglingJob], JobStacks]:
    stacks = load_job_stacks(Job.customer_id.in_(list(panels)), records=False, kept=True)
    customer_of = {job.id: job.customer_id for job in stacks.jobs}
    for job in stacks.jobs:
        panels[job.customer_id].jobs += 1
    for outcome in sorted(stacks.all_outcomes(), key=lambda o: -(o.opportunity or 0)):
        if outcome.status == "overserved" and overserved is not None:
            overserved.append(OverservedOutcome(outcome.id, outcome.statement, outcome.job_id,
                                                outcome.importance, outcome.satisfaction, outcome.rated_on))
        if outcome.status == "underserved":
            panels[customer_of[outcome.job_id]].underserved.append(
                OutcomeLine(outcome.id, outcome.statement, outcome.opportunity, outcome.band)
            )
    struggling = []
    for job in stacks.high_level():
        panel = panels[job.customer_id]
        panel.high_level_jobs += 1
        analysis = stacks.analyse(job)
        panel.job_gaps += len(analysis.gaps)
        if analysis.struggles:
            first = analysis.struggles[0]
            struggling.append(
                StrugglingJob(job.id, job.statement, job.customer_id, panel.name, first.cause, first.message)
            )
    _note_segment_callouts(panels, stacks)
    return struggling, stacks


# --- Segments underserved where others are not --------------------------------------------
# Read from the outcomes _jobs has rated already (the newest rating of each segment comes with
# them): no statement of its own, and cached with the rest of the organization's figures.

@dataclass(frozen=True)
class SegmentLine:
    customer_id: int
    customer_name: str
    outcome_id: int
    segment: str
    statement: str
    opportunity: float
    overall_opportunity: float
    message: str


def _note_segment_callouts(panels: dict[int, CustomerPanel], stacks: JobStacks) -> None:
    """Put each customer's call-outs of underserved segments on its panel."""
    customer_of = {job.id: job.customer_id for job in stacks.jobs}
    for callout in segment_callouts(stacks.all_outcomes()):
        panels[customer_of[callout.job_id]].segment_callouts.append(callout)


def _segments_underserved(panels: dict[int, CustomerPanel]) -> tuple[list[SegmentLine], int]:
    """Return the first call-outs of the organization, the largest difference from all segments first."""
    lines = [SegmentLine(p.id, p.name, c.outcome_id, c.segment, c.statement, c.opportunity,
                         c.overall_opportunity, c.message)
             for p in panels.values() for c in p.segment_callouts]
    lines.sort(key=lambda line: (-(line.opportunity - line.overall_opportunity), line.customer_name,
                                 line.outcome_id, line.segment))
    return lines[:SHOWN], len(lines)


def _overdue(today: date) -> tuple[list[OverdueAction], int]:
    late = (Action.due_on < today) & Action.stage.in_(OPEN_STAGES)
    # The count comes with the first rows (a window over every late action, taken before the
    # limit): one statement, and no rows means none are late.
    rows = db.session.execute(
        select(
            Action.id, Action.title, Action.review_id, Action.due_on, ValueStream.name, User.name, User.email,
            func.count().over(),
        )
        .join(Review, Review.id == Action.review_id)
        .join(ValueStream, ValueStream.id == Review.value_stream_id)
        .outerjoin(User, User.id == Action.owner_id)
        .where(late)
        .order_by(Action.due_on, Action.id)
        .limit(SHOWN)
    ).all()
    return [
        OverdueAction(
            r.id, r.title, r.review_id, r[4], r[5] or r.email or "nobody", r.due_on, (today - r.due_on).days
        )
        for r in rows
    ], rows[0][-1] if rows else 0


def _changes() -> tuple[list[Change], int]:
    since = utcnow() - timedelta(days=7)
    rows = db.session.execute(
        select(AuditEvent, func.count().over())
        .where(AuditEvent.at >= since)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(SHOWN)
    ).all()
    total = rows[0][1] if rows else 0
    events = [event for event, _ in rows]
    return [
        Change(
            e.at.strftime("%Y-%m-%d %H:%M"), e.actor_label, e.summary or e.action, e.record_type, e.record_id
        )
        for e in events
    ], total


def build_dashboard(organization: Organization, today: date | None = None) -> DashboardData:
    """Compute the dashboard of ``organization`` (the session's scope)."""
    today = today or utcnow().date()
    customers = db.session.execute(
        select(Customer.id, Customer.name, Customer.kind).order_by(Customer.name, Customer.id)
    ).all()
    panels = {c.id: CustomerPanel(c.id, c.name, c.kind) for c in customers}
    streams, customer_of, waste, untimed = _stream_figures()
    for stream_id, line in streams.items():
        if customer_of[stream_id] in panels:
            panels[customer_of[stream_id]].streams.append(line)
    overserved: list[OverservedOutcome] = []
    struggling, stacks = _jobs(panels, overserved) if panels else ([], None)
    drift_totals, alerts, alert_total, assessments = _drift(panels, organization, today)
    overdue, overdue_total = _overdue(today)
    changes, change_total = _changes()
    segments_underserved, segments_underserved_total = _segments_underserved(panels)
    ranked_waste = sorted(((k, v) for k, v in waste.items()), key=lambda kv: -kv[1])
    ranked = sorted(panels.values(), key=lambda p: (-p.attention, p.name))
    return DashboardData(
        external=[p for p in ranked if p.kind == "external"][:PANELS_SHOWN],
        internal=[p for p in ranked if p.kind == "internal"][:PANELS_SHOWN],
        customer_totals=Counter(p.kind for p in panels.values()),
        waste_time_by_type=ranked_waste,
        untimed_waste_streams=untimed,
        drift_totals=drift_totals,
        alerts=alerts,
        alert_total=alert_total,
        struggling=struggling[:SHOWN],
        overdue=overdue,
        overdue_total=overdue_total,
        changes=changes,
        change_total=change_total,
        counts={
            "customers": len(customers),
            "value_streams": len(streams),
            "kpis": sum(drift_totals.values()),
        },
        as_of=today,
        uncovered=uncovered_circumstances(stacks),
        customer_first=dashboard_block(organization, today, assessments, streams.values(), overserved),
        segments_underserved=segments_underserved,
        segments_underserved_total=segments_underserved_total,
    )


def dashboard(organization: Organization) -> DashboardData:
    """Return the dashboard, recomputed only when the organization's content changed or the day turned."""
    today = utcnow().date()
    return content.cache.get("dashboard", today, lambda: build_dashboard(organization, today))
