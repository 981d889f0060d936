"""Reads of the sub-optimization radar: each internal customer and the upstream streams that serve it.

An upstream stream of an internal customer is a current-state stream that serves it: the stream
names it as its customer, or one of its steps serves one of its jobs. The customer's own stream
(``Customer.value_stream_id``) is its downstream; the first step of that stream is the hand-over.

Three statements, however many customers, streams, KPIs and ratings:

1. the structure: one row per (internal customer, upstream stream, upstream KPI), with the
   hand-over step's figures now;
2. the window's recorded figures, one statement of three parts: the oldest values the audit trail
   recorded for the hand-over steps' %C&A and waiting in the window, and the stream figures the
   upstream's reviews recorded (their snapshots);
3. the customers' outcomes and their ratings in the window, weighed into each outcome's move. The
   moves are kept across writes that touch no job, outcome or rating (``lms.content``): a step's
   new figures do not weigh a thousand outcomes again.

The KPIs' trends come from the drift assessment (the dashboard passes the ones it has computed) and
the upstream's figures now from ``streams.figures.current_stream_totals``. The judgement itself is
``lms.lean.suboptimization``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import Float, and_, cast, func, literal, null, or_, select, union, union_all
from sqlalchemy.orm import aliased

from lms import content
from lms.extensions import db
from lms.kpis.drift_queries import KpiName, assess_kpis, drift_settings, window_start
from lms.lean.drift import DriftAssessment, DriftSettings
from lms.lean.drift_outcomes import SatisfactionPoint, outcome_change
from lms.lean.durations import working_day
from lms.lean.metrics import StepFigures, waiting_time_s
from lms.lean.suboptimization import (
    FigureChange,
    Handover,
    KpiMove,
    OutcomeMove,
    RadarPair,
    RadarVerdict,
    judge_pair,
)
from lms.models import (
    AuditEvent,
    Customer,
    Job,
    Kpi,
    Organization,
    Outcome,
    OutcomeRating,
    Review,
    Step,
    ValueStream,
)
from lms.streams.queries import current_stream_totals


class StreamNow(Protocol):
    """A stream's figures now, as ``StreamTotals`` and the dashboard's stream lines give them."""

    id: int
    pce: float | None
    lead_time_s: float | None


Upstream = aliased(ValueStream, name="upstream")
Downstream = aliased(ValueStream, name="downstream")


@dataclass(frozen=True)
class RadarEntry:
    """One internal customer and one upstream stream, judged: plain values, cached with the dashboard."""

    customer_id: int
    customer_name: str
    upstream_id: int
    upstream_name: str
    downstream_id: int | None
    downstream_name: str | None
    verdict: RadarVerdict
    pair: RadarPair = field(repr=False)

    @property
    def status(self) -> str:
        """Return alert, clear or absent."""
        return self.verdict.status


@dataclass
class _Structure:
    """What the first statement found, per (customer, upstream) pair."""

    pairs: dict[tuple[int, int], dict] = field(default_factory=dict)
    kpis: dict[tuple[int, int], list[KpiName]] = field(default_factory=lambda: defaultdict(list))

    @property
    def customer_ids(self) -> set[int]:
        return {customer_id for customer_id, _ in self.pairs}

    @property
    def handover_step_ids(self) -> set[int]:
        return {p["step_id"] for p in self.pairs.values() if p["step_id"] is not None}

    @property
    def upstream_ids(self) -> set[int]:
        return {upstream_id for _, upstream_id in self.pairs}


def _served_pairs():
    """Return the (internal customer, current upstream stream) pairs as a subquery."""
    internal = Customer.kind == "internal"
    by_customer = (select(Customer.id.label("customer_id"), ValueStream.id.label("stream_id"))
                   .join(ValueStream, ValueStream.customer_id == Customer.id)
                   .where(internal, ValueStream.state == "current"))
    by_steps = (select(Job.customer_id.label("customer_id"), Step.value_stream_id.label("stream_id"))
                .join(Job, Job.id == Step.job_id)
                .join(Customer, Customer.id == Job.customer_id)
                .join(ValueStream, ValueStream.id == Step.value_stream_id)
                .where(internal, ValueStream.state == "current"))
    return union(by_customer, by_steps).subquery("served")


def _load_structure(stream_id: int | None) -> _Structure:
    """Read every pair with its hand-over step and the upstream's KPIs, in one statement."""
    served = _served_pairs()
    first_position = (select(func.min(Step.position)).where(Step.value_stream_id == Downstream.id)
                      .correlate(Downstream).scalar_subquery())
    stmt = (
        select(served.c.customer_id, Customer.name, served.c.stream_id, Upstream.name,
               Upstream.available_seconds_per_day, Downstream.id, Downstream.name,
               Downstream.available_seconds_per_day, Downstream.daily_demand,
               Step.id, Step.name, Step.kind, Step.pct_complete_accurate, Step.wait_time_s,
               Step.inventory_units,
               Kpi.id, Kpi.name, Kpi.unit, Kpi.direction, Kpi.target)
        .join(Customer, Customer.id == served.c.customer_id)
        .join(Upstream, Upstream.id == served.c.stream_id)
        .outerjoin(Downstream, Downstream.id == Customer.value_stream_id)
        .outerjoin(Step, and_(Step.value_stream_id == Downstream.id, Step.position == first_position))
        .outerjoin(Kpi, Kpi.value_stream_id == Upstream.id)
        .where(or_(Customer.value_stream_id.is_(None), Customer.value_stream_id != served.c.stream_id))
        .order_by(Customer.name, Customer.id, Upstream.name, Upstream.id, Kpi.name, Kpi.id)
    )
    if stream_id is not None:
        stmt = stmt.where(or_(served.c.stream_id == stream_id, Customer.value_stream_id == stream_id))
    found = _Structure()
    for row in db.session.execute(stmt).tuples():
        (customer_id, customer_name, upstream_id, upstream_name, upstream_day, downstream_id, downstream_name,
         downstream_day, downstream_demand, step_id, step_name, step_kind, pct, wait, inventory,
         kpi_id, kpi_name, kpi_unit, kpi_direction, kpi_target) = row
        key = (customer_id, upstream_id)
        found.pairs.setdefault(key, {
            "customer_name": customer_name, "upstream_name": upstream_name,
            "upstream_day_s": working_day(upstream_day), "downstream_id": downstream_id,
            "downstream_name": downstream_name, "downstream_day_s": working_day(downstream_day),
            "downstream_demand": downstream_demand, "step_id": step_id, "step_name": step_name,
            "step_kind": step_kind, "pct": pct, "wait": wait, "inventory": inventory,
        })
        if kpi_id is not None:
            found.kpis[key].append(KpiName(kpi_id, kpi_name, kpi_unit, kpi_direction, kpi_target))
    return found


@dataclass
class _Evidence:
    """What the second statement found in the window."""

    # Per hand-over step: the oldest recorded value of each figure in the window, with its day.
    step_start: dict[int, dict[str, tuple[float | None, date]]] = field(
        default_factory=lambda: defaultdict(dict))
    # Per upstream stream: the oldest recorded (day, PCE, lead time) in the window.
    stream_start: dict[int, tuple[date, float | None, float | None]] = field(default_factory=dict)


def _as_date(value) -> date:
    """Return the day of a date or date-time as the driver gives it (SQLite: an ISO string)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _window(start: date, as_of: date) -> tuple[datetime, datetime]:
    """Return the window's bounds as date-times: the days after ``start`` up to ``as_of``."""
    return (datetime.combine(start + timedelta(days=1), time.min),
            datetime.combine(as_of + timedelta(days=1), time.min))


def _load_evidence(structure: _Structure, start: date, as_of: date) -> _Evidence:
    """Read the window's recorded hand-over figures and review snapshots at once."""
    steps, streams = sorted(structure.handover_step_ids), sorted(structure.upstream_ids)
    # The day column is a date-time (the trail, snapshots), left untyped here: a CAST to DATE
    # means a number on SQLite.
    after, until = _window(start, as_of)
    changes = (select(literal("step"), AuditEvent.record_id, AuditEvent.at,
                      AuditEvent.before["pct_complete_accurate"].as_float(),
                      AuditEvent.before["wait_time_s"].as_float(),
                      AuditEvent.before["inventory_units"].as_float())
               .where(AuditEvent.record_type == "Step", AuditEvent.record_id.in_(steps),
                      AuditEvent.action == "update", AuditEvent.at >= after, AuditEvent.at < until))
    parts = [changes]
    for at, snapshot in ((Review.opened_at, Review.snapshot_open), (Review.closed_at, Review.snapshot_close)):
        parts.append(select(literal("snapshot"), Review.value_stream_id, at,
                            snapshot["pce"].as_float(), snapshot["lead_time_s"].as_float(),
                            cast(null(), Float))
                     .where(Review.value_stream_id.in_(streams), at >= after, at < until))
    found = _Evidence()
    # Oldest first: the first value seen of a figure is its value at the window's start.
    recorded = sorted(db.session.execute(union_all(*parts)).tuples(), key=lambda r: (r[0], str(r[2]), r[1]))
    for kind, record_id, day, first, second, third in recorded:
        if kind == "step":
            values = found.step_start[record_id]
            for name, value in (("pct", first), ("wait", second), ("inventory", third)):
                if value is not None and name not in values:
                    values[name] = (value, _as_date(day))
        elif record_id not in found.stream_start:
            found.stream_start[record_id] = (_as_date(day), first, second)
    return found


# Every table the outcomes' moves read (the window and the minimum change key the kept value).
MOVES_READS = frozenset(model.__tablename__ for model in (Job, Outcome, OutcomeRating))


def _read_outcome_moves(customer_ids: tuple[int, ...], start: date, as_of: date,
                        minimum: float) -> dict[int, tuple[OutcomeMove, ...]]:
    """Read the customers' outcomes and their ratings in the window; weigh each outcome's move."""
    number = cast(null(), Float)
    outcomes = (select(literal("outcome"), Outcome.id, cast(Job.customer_id, Float), null(), number,
                       Outcome.statement)
                .join(Job, Job.id == Outcome.job_id).where(Job.customer_id.in_(customer_ids)))
    customer_outcomes = (select(Outcome.id).join(Job, Job.id == Outcome.job_id)
                         .where(Job.customer_id.in_(customer_ids)))
    ratings = (select(literal("rating"), OutcomeRating.outcome_id, cast(OutcomeRating.respondents, Float),
                      OutcomeRating.rated_on, OutcomeRating.satisfaction, OutcomeRating.segment)
               .where(OutcomeRating.outcome_id.in_(customer_outcomes.scalar_subquery()),
                      OutcomeRating.rated_on > start, OutcomeRating.rated_on <= as_of))
    statements: dict[int, list[tuple[int, str]]] = defaultdict(list)
    points: dict[int, list[SatisfactionPoint]] = defaultdict(list)
    for kind, record_id, count, day, satisfaction, words in db.session.execute(union_all(outcomes, ratings)):
        if kind == "outcome":
            statements[int(count)].append((record_id, words))
        else:
            points[record_id].append(SatisfactionPoint(
                _as_date(day), satisfaction, None if count is None else int(count), words))

    def change(ratings: list[SatisfactionPoint] | None):
        return outcome_change(ratings, minimum) if ratings and len(ratings) > 1 else None  # one wave: no move

    # An internal customer's outcomes move alike for every stream that serves it: weighed once each.
    return {customer_id: tuple(OutcomeMove(oid, statement, change(points.get(oid)))
                               for oid, statement in statements.get(customer_id, []))
            for customer_id in customer_ids}


def _outcome_moves(customer_ids: Iterable[int], start: date, as_of: date,
                   minimum: float) -> dict[int, tuple[OutcomeMove, ...]]:
    """Return how each of the customers' outcomes moved in the window, kept across writes to other tables."""
    customers = tuple(sorted(customer_ids))
    return content.cache.get("radar-outcome-moves", (customers, start, as_of, minimum),
                             lambda: _read_outcome_moves(customers, start, as_of, minimum), reads=MOVES_READS)


def _handover(values: Mapping, recorded: Mapping[str, tuple[float | None, date]]) -> Handover | None:
    """Build the hand-over's %C&A and waiting, at the window's start (as recorded) and now."""
    if values["step_id"] is None:
        return None
    demand, day_s = values["downstream_demand"], values["downstream_day_s"]

    def waiting(wait, inventory) -> float:
        figures = StepFigures(values["step_id"], 0, values["step_name"], values["step_kind"],
                              wait_time_s=wait, inventory_units=inventory)
        return waiting_time_s(figures, demand, day_s)

    pct_then, pct_since = recorded.get("pct", (values["pct"], None))
    wait_then, wait_since = recorded.get("wait", (values["wait"], None))
    inventory_then, inventory_since = recorded.get("inventory", (values["inventory"], None))
    since = min((d for d in (wait_since, inventory_since) if d is not None), default=None)
    return Handover(
        values["step_id"], values["step_name"],
        FigureChange("%C&A", "percent", pct_then, values["pct"], True, pct_since),
        FigureChange("waiting", "duration", waiting(wait_then, inventory_then),
                     waiting(values["wait"], values["inventory"]), False, since))


def _upstream_figures(upstream_id: int, evidence: _Evidence,
                      totals: Mapping[int, StreamNow]) -> tuple[FigureChange, ...]:
    """Compare the upstream's PCE and lead time now with the oldest snapshot in the window."""
    recorded, now = evidence.stream_start.get(upstream_id), totals.get(upstream_id)
    if recorded is None or now is None:
        return ()
    since, pce, lead_time_s = recorded
    return (FigureChange("PCE", "ratio", pce, now.pce, True, since),
            FigureChange("lead time", "duration", lead_time_s, now.lead_time_s, False, since))


def _kpi_move(kpi: KpiName, assessment: DriftAssessment | None) -> KpiMove:
    if assessment is None:
        return KpiMove(kpi.id, kpi.name, kpi.unit, None)
    return KpiMove(kpi.id, kpi.name, kpi.unit, assessment.kpi_move, assessment.kpi_change,
                   assessment.kpi_start, assessment.kpi_end)


def build_radar(organization: Organization, as_of: date, *,
                drift: Mapping[int, DriftAssessment] | None = None,
                totals: Iterable[StreamNow] | None = None,
                stream_id: int | None = None) -> list[RadarEntry]:
    """Judge every (internal customer, upstream stream) pair; only those touching ``stream_id`` if given.

    ``drift`` and ``totals`` are the KPI assessments and stream figures the caller has already
    computed (the dashboard); without them they are computed here for the streams concerned.
    """
    settings: DriftSettings = drift_settings(organization)
    structure = _load_structure(stream_id)
    if not structure.pairs:
        return []
    start = window_start(as_of, settings)
    evidence = _load_evidence(structure, start, as_of)
    moves = _outcome_moves(structure.customer_ids, start, as_of, settings.min_satisfaction_change)
    if drift is None:
        kpis = list({k.id: k for names in structure.kpis.values() for k in names}.values())
        drift = {kpi_id: d.assessment for kpi_id, d in
                 assess_kpis(kpis, as_of, organization=organization).items()} if kpis else {}
    if totals is None:  # the upstream streams' only: the dashboard passes every stream's it has
        totals = current_stream_totals(structure.upstream_ids)
    by_stream = {t.id: t for t in totals}
    entries = []
    for (customer_id, upstream_id), values in structure.pairs.items():
        outcomes = moves[customer_id]
        pair = RadarPair(
            customer_id=customer_id, customer_name=values["customer_name"], upstream_id=upstream_id,
            upstream_name=values["upstream_name"], downstream_id=values["downstream_id"],
            downstream_name=values["downstream_name"],
            kpis=tuple(_kpi_move(k, drift.get(k.id))
                       for k in structure.kpis.get((customer_id, upstream_id), [])),
            upstream_figures=_upstream_figures(upstream_id, evidence, by_stream),
            outcomes=outcomes,
            handover=_handover(values, evidence.step_start.get(values["step_id"], {})),
            upstream_day_s=values["upstream_day_s"], downstream_day_s=values["downstream_day_s"])
        entries.append(RadarEntry(customer_id, values["customer_name"], upstream_id, values["upstream_name"],
                                  values["downstream_id"], values["downstream_name"],
                                  judge_pair(pair, settings.min_change), pair))
    order = {"alert": 0, "absent": 1, "clear": 2}
    return sorted(entries, key=lambda e: (order[e.status], e.customer_name, e.upstream_name))
