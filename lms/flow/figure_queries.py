"""The measured flow of a stream as the pages and the API show it, from ``lms.flow.queries``.

Every duration is working time on the stream's calendar (``lms.lean.flow``): seconds of working
time, and days of the stream's working day. The whole result is cached by the organization's
content version, so a page and its charts compute it once per change.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from lms import content, tenancy
from lms.extensions import db
from lms.flow import queries
from lms.flow.services import profile_of
from lms.lean.flow import (
    DEFAULT_RUNS,
    DEFAULT_SEED,
    CasesForecast,
    CaseSpan,
    Disagreement,
    LittlesLaw,
    Spread,
    WorkingCalendar,
    case_totals,
    chance_within,
    compare_figure,
    finished_leads,
    forecast_cases,
    forecast_days,
    lead_times_by,
    littles_law,
    per_day,
    percentile,
    spread_from_ranks,
    what_if_lead_time_days,
    working_days_after,
)
from lms.models import FlowActivity, FlowEvent, Outcome, OutcomeRating, Step, ValueStream

WEEK_DAYS = 5
DEFAULT_WEEKS = 26
NO_DAY = ("Set the stream's available time per day (its working day): measured times are working time "
          "and cannot be converted without it.")


@dataclass(frozen=True)
class LeadTimes:
    """Lead-time percentiles of finished cases, in working days."""

    p50: float | None
    p85: float | None
    p95: float | None
    cases: int


@dataclass(frozen=True)
class StepFlow:
    """What the log measures at one step of the map."""

    step_id: int
    processing: Spread
    waiting: Spread
    cases: int


@dataclass(frozen=True)
class GroupLeadTimes:
    """Lead times of one customer or segment."""

    name: str
    lead: LeadTimes


@dataclass
class MeasuredFlow:
    """The measured figures of a stream's log (or the reason there are none)."""

    stream_id: int
    calendar: WorkingCalendar | None
    since: date | None = None
    until: date | None = None
    reason: str | None = None  # why nothing is measured
    events: int = 0
    cases: int = 0
    finished: int = 0
    end_position: int | None = None
    lead: LeadTimes = field(default_factory=lambda: LeadTimes(None, None, None, 0))
    lead_time_avg_days: float | None = None
    period_days: float = 0.0
    first_day: date | None = None
    last_day: date | None = None
    throughput_per_week: float | None = None
    wip_avg: float | None = None
    flow_efficiency: float | None = None
    little: LittlesLaw | None = None
    steps: dict[int, StepFlow] = field(default_factory=dict)
    by_customer: list[GroupLeadTimes] = field(default_factory=list)
    by_segment: list[GroupLeadTimes] = field(default_factory=list)
    has_starts: bool = False
    # The finished cases, newest finish first: finish on the working clock and lead time (seconds).
    finishes_w: array = field(default_factory=lambda: array("q"))
    leads_s: array = field(default_factory=lambda: array("q"))

    @property
    def measured(self) -> bool:
        """Tell whether there is anything measured to show."""
        return self.reason is None and self.cases > 0

    def finished_per_day(self) -> dict[int, int]:
        """Return the cases finished on each working day (index of the working clock's days)."""
        return per_day(self.finishes_w, int(self.calendar.hours_s)) if self.calendar else {}

    @property
    def throughput_per_day(self) -> float | None:
        """Finished cases per working day."""
        return None if self.throughput_per_week is None else self.throughput_per_week / WEEK_DAYS

    def as_api_dict(self) -> dict:
        """Return the figures in the API's shape (``/value-streams/{id}/flow``)."""
        day = self.calendar.day_s if self.calendar else None
        return {
            "cases": self.cases, "finished_cases": self.finished, "events": self.events,
            "lead_time_days": {"p50": self.lead.p50, "p85": self.lead.p85, "p95": self.lead.p95},
            "lead_time_avg_days": self.lead_time_avg_days,
            "throughput_per_week": self.throughput_per_week, "wip_avg": self.wip_avg,
            "flow_efficiency": self.flow_efficiency,
            "littles_law": None if self.little is None else {
                "wip_avg": self.little.wip_avg, "predicted_wip": self.little.predicted_wip,
                "gap": self.little.gap, "explanation": self.little.explanation},
            "working_day_s": day, "first_day": self.first_day, "last_day": self.last_day,
            "reason": self.reason,
            "steps": [{"step_id": s.step_id, "cases": s.cases,
                       "processing_s": {"p50": s.processing.p50, "p85": s.processing.p85,
                                        "iqr": s.processing.iqr},
                       "waiting_s": {"p50": s.waiting.p50, "p85": s.waiting.p85, "iqr": s.waiting.iqr}}
                      for s in self.steps.values()],
            "by_segment": [{"segment": g.name, "cases": g.lead.cases, "lead_time_days": {
                "p50": g.lead.p50, "p85": g.lead.p85, "p95": g.lead.p95}} for g in self.by_segment],
            "by_customer": [{"customer": g.name, "cases": g.lead.cases, "lead_time_days": {
                "p50": g.lead.p50, "p85": g.lead.p85, "p95": g.lead.p95}} for g in self.by_customer],
        }


def calendar_of(stream: ValueStream) -> WorkingCalendar | None:
    """Return the stream's working calendar, or None while its working day is not set."""
    if not stream.available_seconds_per_day or stream.available_seconds_per_day <= 0:
        return None
    return WorkingCalendar(float(stream.available_seconds_per_day), profile_of(stream).workday_starts_at_s)


def _lead(lead_s: Sequence[float], day_s: float) -> LeadTimes:
    values = [percentile(lead_s, p) for p in (0.5, 0.85, 0.95)]
    return LeadTimes(*[None if v is None else v / day_s for v in values], len(lead_s))


def _groups(spans: Sequence[CaseSpan], kind: str, day_s: float) -> list[GroupLeadTimes]:
    groups = [GroupLeadTimes(name, _lead(leads, day_s)) for name, leads in lead_times_by(spans, kind).items()]
    return sorted(groups, key=lambda g: (-(g.lead.p85 or 0), g.name))


def _spread(gathered: dict, key: tuple) -> Spread:
    count, ranks = gathered.get(key, (0, {}))
    return spread_from_ranks(ranks, count)


def _steps(scope: queries.LogScope) -> dict[int, StepFlow]:
    gathered = queries.ranks_by_group(queries.step_rows(scope), 2)
    return {step_id: StepFlow(step_id, _spread(gathered, ("processing", step_id)),
                              _spread(gathered, ("waiting", step_id)), cases)
            for step_id, cases in queries.case_counts_by_step(scope).items()}


def compute(stream: ValueStream, since: date | None = None, until: date | None = None) -> MeasuredFlow:
    """Measure the stream's flow from its log (uncached)."""
    calendar = calendar_of(stream)
    flow = MeasuredFlow(stream.id, calendar, since, until)
    flow.events = db.session.scalar(select(func.count(FlowEvent.id))
                                    .where(FlowEvent.value_stream_id == stream.id)) or 0
    if calendar is None:
        flow.reason = NO_DAY
        return flow
    if not flow.events:
        flow.reason = "No events yet: import the stream's event log."
        return flow
    scope = queries.LogScope(stream.id, calendar, since, until)
    end = flow.end_position = queries.end_position(stream.id)
    spans = queries.case_spans(scope, end)
    totals = case_totals(spans)
    flow.cases, flow.finished = totals.cases, totals.finished
    if totals.period_start_w is None or totals.period_end_w is None:
        flow.reason = "No events in this period."
        return flow
    day_s = calendar.day_s
    hours = calendar.hours_s
    flow.first_day = queries.day_of_clock(totals.period_start_w // int(hours))
    flow.last_day = queries.day_of_clock(totals.period_end_w // int(hours))
    period_s = totals.period_end_w - totals.period_start_w
    flow.period_days = period_s / day_s
    finished = finished_leads(spans)
    flow.finishes_w = array("q", [finish for finish, _ in finished])
    flow.leads_s = array("q", [lead for _, lead in finished])
    flow.lead = _lead(flow.leads_s, day_s)
    if totals.finished:
        flow.lead_time_avg_days = totals.lead_time_sum_s / totals.finished / day_s
    if period_s > 0:
        flow.throughput_per_week = totals.finished / flow.period_days * WEEK_DAYS
        flow.wip_avg = totals.case_time_s / period_s
        if flow.lead_time_avg_days is not None:
            flow.little = littles_law(flow.wip_avg, flow.throughput_per_week / WEEK_DAYS,
                                      flow.lead_time_avg_days, totals.open_case_time_s / period_s)
    flow.has_starts = totals.processing_sum_s is not None
    if totals.processing_sum_s is not None and totals.lead_time_sum_s > 0:
        flow.flow_efficiency = totals.processing_sum_s / totals.lead_time_sum_s
    flow.steps = _steps(scope)
    flow.by_customer = _groups(spans, "customer", day_s)
    flow.by_segment = _groups(spans, "segment", day_s)
    return flow


def default_since(stream: ValueStream) -> date | None:
    """Return the first day of the default period: the 26 weeks up to the log's newest event."""
    newest = db.session.scalar(select(func.max(FlowEvent.occurred_at))
                               .where(FlowEvent.value_stream_id == stream.id))
    return None if newest is None else newest.date() - timedelta(weeks=DEFAULT_WEEKS)


def measured_flow(stream: ValueStream, since: date | None = None, until: date | None = None) -> MeasuredFlow:
    """Measure the stream's flow, once per content version of the organization.

    Without a period, the cases that start in the 26 weeks up to the log's newest event.
    """
    if since is None and until is None:
        since = default_since(stream)
    profile = profile_of(stream)
    key = (stream.id, stream.available_seconds_per_day, profile.workday_starts_at_s, since, until)
    return content.cache.get("measured-flow", key, lambda: compute(stream, since, until))


def activities(stream: ValueStream) -> list[tuple[FlowActivity, int]]:
    """Return the stream's activities with their event counts, busiest first."""
    counts = (select(FlowEvent.activity_id, func.count().label("n"))
              .where(FlowEvent.value_stream_id == stream.id).group_by(FlowEvent.activity_id).subquery())
    rows = db.session.execute(select(FlowActivity, func.coalesce(counts.c.n, 0))
                              .outerjoin(counts, counts.c.activity_id == FlowActivity.id)
                              .where(FlowActivity.value_stream_id == stream.id)
                              .order_by(func.coalesce(counts.c.n, 0).desc(), FlowActivity.name))
    return [(activity, int(n)) for activity, n in rows]


def steps_of(stream: ValueStream) -> list[Step]:
    """Return the stream's steps in map order."""
    stmt = select(Step).where(Step.value_stream_id == stream.id).order_by(Step.position)
    return list(db.session.scalars(stmt))


def weekly_medians(stream: ValueStream) -> list[tuple[date, float]]:
    """Return each week's median lead time (working days) of the cases finished in it, by its Friday."""
    calendar = calendar_of(stream)
    if calendar is None:
        return []
    spans = queries.case_spans(queries.LogScope(stream.id, calendar), queries.end_position(stream.id),
                               worked=False)
    week_s = WEEK_DAYS * int(calendar.hours_s)
    by_week: dict[int, list[int]] = {}
    for finish, lead in finished_leads(spans):
        by_week.setdefault(finish // week_s, []).append(lead)
    medians = []
    for week, leads in sorted(by_week.items()):
        median = percentile(leads, 0.5)
        if median is not None:
            medians.append((queries.day_of_clock(week * WEEK_DAYS + 4), median / calendar.day_s))
    return medians


# Drawn versus measured --------------------------------------------------------------------


@dataclass(frozen=True)
class StepComparison:
    """A step's entered figures beside the measured medians, and what adopting would write."""

    step: Step
    measured: StepFlow | None
    processing: Disagreement
    waiting: Disagreement
    adoption: dict[str, float]

    @property
    def disagrees(self) -> bool:
        """Tell whether either figure lies outside the tolerance."""
        return self.processing.disagrees or self.waiting.disagrees


def compare_steps(stream: ValueStream, flow: MeasuredFlow, tolerance_pct: float) -> list[StepComparison]:
    """Compare each step's entered cycle and waiting time with the measured medians.

    No event happens in an inventory step: the log measures its queue as the waiting of the next
    process step, so that step's entered waiting includes the queues drawn before it.
    """
    tolerance = tolerance_pct / 100
    day_s = flow.calendar.day_s if flow.calendar else None
    comparisons = []
    queued_s = 0.0
    for step in steps_of(stream):
        measured = flow.steps.get(step.id)
        inventory_s = queued_s
        if step.inventory_units and stream.daily_demand and day_s:
            inventory_s += step.inventory_units / stream.daily_demand * day_s
        if step.kind == "inventory" and measured is None:
            queued_s = inventory_s + (step.wait_time_s or 0.0)
            unmeasured = compare_figure("cycle_time_s", None, None, tolerance)
            queue = compare_figure("wait_time_s", queued_s or None, None, tolerance)
            comparisons.append(StepComparison(step, None, unmeasured, queue, {}))
            continue
        queued_s = 0.0
        entered_wait = (step.wait_time_s or 0.0) + inventory_s
        entered_pt = None if step.kind == "inventory" else step.cycle_time_s
        pt = measured.processing.p50 if measured and step.kind != "inventory" else None
        wait = measured.waiting.p50 if measured else None
        processing = compare_figure("cycle_time_s", entered_pt, pt, tolerance)
        waiting = compare_figure("wait_time_s", entered_wait or None, wait, tolerance)
        adoption = {}
        if processing.disagrees and pt is not None:
            adoption["cycle_time_s"] = pt
        if waiting.disagrees and wait is not None:
            adoption["wait_time_s"] = max(wait - inventory_s, 0.0)
        comparisons.append(StepComparison(step, measured, processing, waiting, adoption))
    return comparisons


# Tied to customers ------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeSatisfaction:
    """The newest satisfaction of the outcome a stream names, overall and per segment."""

    outcome: Outcome
    overall: OutcomeRating | None
    by_segment: dict[str, OutcomeRating]


def outcome_satisfaction(outcome_id: int | None) -> OutcomeSatisfaction | None:
    """Return the newest rating of the outcome overall and in each segment, or None without one."""
    outcome = tenancy.find(Outcome, outcome_id)
    if outcome is None:
        return None
    ratings = db.session.scalars(select(OutcomeRating).where(OutcomeRating.outcome_id == outcome.id)
                                 .order_by(OutcomeRating.rated_on, OutcomeRating.id))
    overall, by_segment = None, {}
    for rating in ratings:  # oldest first: the newest of each segment stays
        if rating.segment:
            by_segment[rating.segment] = rating
        else:
            overall = rating
    return OutcomeSatisfaction(outcome, overall, by_segment)


# Forecasts --------------------------------------------------------------------------------

THROUGHPUT_WINDOW_DAYS = 60  # the recent working days whose throughput forecasts resample
RECENT_CASES = 10_000  # the newest finished cases whose lead times forecasts resample


@dataclass(frozen=True)
class FlowForecast:
    """Monte-Carlo answers from the measured distributions."""

    confidence: float
    days: float | None
    within_days: float | None
    probability: float | None
    by: date | None
    cases: CasesForecast | None
    runs: int
    seed: int
    wip_limit: float | None = None
    what_if_days: float | None = None


def forecast(stream: ValueStream, flow: MeasuredFlow, *, confidence: float = 0.85,
             within_days: float | None = None, by: date | None = None, today: date | None = None,
             wip_limit: float | None = None, runs: int = DEFAULT_RUNS,
             seed: int = DEFAULT_SEED) -> FlowForecast:
    """Answer "within how many days", "how likely within N days", "how many by a date", and the
    Little's-law what-if of a WIP limit, from the stream's measured lead times and throughput."""
    calendar = flow.calendar
    if not flow.measured or calendar is None:
        return FlowForecast(confidence, None, within_days, None, by, None, runs, seed, wip_limit, None)
    lead_days = [s / calendar.day_s for s in flow.leads_s[:RECENT_CASES]]
    days = chance = None
    if lead_days:
        days = forecast_days(lead_days, confidence, runs, seed).value
        if within_days is not None:
            chance = chance_within(lead_days, within_days, runs, seed).value
    cases = None
    if by is not None and (per_day := flow.finished_per_day()):
        last = max(per_day)
        window = range(max(last - THROUGHPUT_WINDOW_DAYS + 1, min(per_day)), last + 1)
        cases = forecast_cases([per_day.get(day, 0) for day in window],
                               working_days_after(today or date.today(), by), runs, seed)
    what_if = None
    if wip_limit is not None and flow.throughput_per_day:
        what_if = what_if_lead_time_days(wip_limit, flow.throughput_per_day)
    return FlowForecast(confidence, days, within_days, chance, by, cases, runs, seed, wip_limit, what_if)
