"""Reads of value streams: records turned into lean figures, flags, staleness and chart data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Text, case, cast, func, literal, select

from lms import content, pagination, tenancy
from lms.db import utcnow
from lms.extensions import db
from lms.lean.durations import working_day
from lms.lean.metrics import (
    CLASSIFICATIONS,
    WASTE_TYPES,
    StepFigures,
    StepTiming,
    StreamFigures,
    StreamMetrics,
    compute_metrics,
)
from lms.lean.metrics import takt_time_s as demand_takt_s
from lms.lean.waste import WasteFlag, flag_step, flag_stream
from lms.models import AuditEvent, Customer, Job, Step, User, ValueStream
from lms.pagination import Page


@dataclass(frozen=True)
class Staleness:
    """How long ago a map was checked on the floor, and whether that is too long."""

    last_walked_on: date | None
    days_since: int | None
    stale_after_days: int

    @property
    def stale(self) -> bool:
        """Tell whether the map needs walking again (a map never walked counts as stale)."""
        return self.days_since is None or self.days_since > self.stale_after_days

    @property
    def label(self) -> str:
        """Say it in a few words for a badge."""
        if self.days_since is None:
            return "never walked"
        if self.stale:
            return f"stale: walked {self.days_since} days ago"
        return "walked today" if self.days_since == 0 else f"walked {self.days_since} days ago"


def map_staleness(last_walked_on: date | None, today: date, stale_after_days: int) -> Staleness:
    """Return the staleness of a map last walked on ``last_walked_on``."""
    days = None if last_walked_on is None else max(0, (today - last_walked_on).days)
    return Staleness(last_walked_on, days, stale_after_days)


def _staleness(stream: ValueStream) -> Staleness:
    return map_staleness(stream.last_walked_on, utcnow().date(),
                         tenancy.actor().organization.map_stale_days)


def step_figures(step: Step) -> StepFigures:
    """Return the pure figures of a step record."""
    return StepFigures(
        id=step.id, position=step.position, name=step.name, kind=step.kind,
        classification=step.classification, waste_types=tuple(step.waste_types or ()),
        cycle_time_s=step.cycle_time_s, changeover_s=step.changeover_s, uptime_pct=step.uptime_pct,
        operators=step.operators, pct_complete_accurate=step.pct_complete_accurate,
        wait_time_s=step.wait_time_s, inventory_units=step.inventory_units, job_id=step.job_id,
    )


def stream_figures(stream: ValueStream, steps: Iterable[Step]) -> StreamFigures:
    """Return the pure figures of a stream and its steps."""
    return StreamFigures(stream.daily_demand, stream.available_seconds_per_day,
                         tuple(step_figures(step) for step in steps))


def steps_of(stream: ValueStream) -> list[Step]:
    """Return the stream's steps in map order."""
    return list(db.session.scalars(
        select(Step).where(Step.value_stream_id == stream.id).order_by(Step.position)))


def step_flags(stream: ValueStream, step: Step) -> list[WasteFlag]:
    """Return one step's waste flags; they depend on the step and the stream's demand only."""
    day_s = working_day(stream.available_seconds_per_day)
    return flag_step(step_figures(step), daily_demand=stream.daily_demand, day_s=day_s,
                     takt_time_s=demand_takt_s(stream.daily_demand, stream.available_seconds_per_day))


# Every stream at once, in SQL ----------------------------------------------------------


@dataclass(frozen=True)
class StreamTotals:
    """The sums a stream's headline figures rest on, added up by the database.

    ``lead_time_s`` is the time known; ``unconverted_steps`` counts the steps whose inventory
    cannot be timed (no daily demand or no working day): the lead time and its ratios are then
    withheld, as ``lean.metrics.compute_metrics`` withholds them.
    """

    id: int
    name: str
    customer_id: int | None
    day_s: float | None
    lead_time_known_s: float
    value_added_time_s: float
    waste_step_time_s: float
    untagged_count: int
    waste_time_by_type: dict[str, float | None]
    unconverted_steps: int = 0

    @property
    def lead_time_s(self) -> float | None:
        """Return the lead time; None while some inventory cannot be timed."""
        return None if self.unconverted_steps else self.lead_time_known_s

    @property
    def pce(self) -> float | None:
        """Return the share of the lead time that adds value (``process_cycle_efficiency``)."""
        return self.value_added_time_s / self.lead_time_s if self.lead_time_s else None

    @property
    def waste_share(self) -> float | None:
        """Return the share of the lead time spent in steps tagged waste."""
        return self.waste_step_time_s / self.lead_time_s if self.lead_time_s else None

    @property
    def lead_time_days(self) -> float | None:
        """Return the lead time in the stream's working days; None without either."""
        return self.lead_time_s / self.day_s if self.lead_time_s is not None and self.day_s else None


# Stored figures are held within this size in SQL arithmetic. Every figure that can be entered is
# far below it (ten years of seconds, 10⁹ units), so it changes nothing entered through lms; a value
# stored before the bounds existed would otherwise overflow PostgreSQL's float arithmetic (an
# error, where SQLite and Python give infinity). Results this large are shown as out of range.
HELD_WITHIN = 1e18
LEAST_DEMAND = 1e-12


def _held(column, low: float = -HELD_WITHIN):
    return case((column > HELD_WITHIN, HELD_WITHIN), (column < low, low), else_=column)


def step_time_columns():
    """Return SQL for a stream's working day and a step's processing and waiting time.

    The same arithmetic, in the same order, as ``lean.durations.working_day``,
    ``processing_time_s`` and ``waiting_time_s``: a step's times come out as the same floats.
    The working day is NULL when the stream has none. A statement using them joins ``Step`` to its
    ``ValueStream``.
    """
    day_s = case((ValueStream.available_seconds_per_day > 0, _held(ValueStream.available_seconds_per_day)),
                 else_=None)
    processing = case((Step.kind == "inventory", 0.0), (Step.cycle_time_s.is_(None), 0.0),
                      else_=_held(Step.cycle_time_s))
    held = case(((ValueStream.daily_demand > 0) & (Step.inventory_units != 0) & day_s.is_not(None),
                 _held(Step.inventory_units) / _held(ValueStream.daily_demand, LEAST_DEMAND) * day_s),
                else_=0.0)
    return day_s, processing, func.coalesce(_held(Step.wait_time_s), 0.0) + held


def unconverted_column():
    """Return SQL: 1 for a step whose inventory cannot be timed (as ``lean.metrics.unconverted_units``)."""
    converts = (ValueStream.daily_demand > 0) & (ValueStream.available_seconds_per_day > 0)
    return case(((Step.inventory_units != 0) & ~func.coalesce(converts, False), 1), else_=0)


def _waste_columns(parts) -> list:
    """Return, per waste type, the SQL sum of its share of the parts' time and their untimed steps.

    ``parts`` holds the steps added up per stream, classification and tags; a part's time is
    shared equally among its (distinct, known) waste types, as ``lean.metrics.waste_shares``.
    """
    tagged = {waste: parts.c.tags.like(f'%"{waste}"%') for waste in WASTE_TYPES}
    types = sum((case((match, 1), else_=0) for match in tagged.values()), literal(0))
    shared = [func.sum(case((match, parts.c.lead / types), else_=0.0)) for match in tagged.values()]
    untimed = [func.sum(case((match, parts.c.unconverted), else_=0)) for match in tagged.values()]
    return shared + untimed


def _stream_parts(stream_ids: Iterable[int] | None = None):
    """Add up the current-state streams' steps per stream, classification and tags, as a subquery.

    Steps alike in what the totals tell apart are summed first: each step's times are worked
    out once here, and the tags are matched per part (1,800 for the benchmark's 8,000 steps),
    not per step and waste type.
    """
    _, processing, waiting = step_time_columns()
    tags = cast(Step.waste_types, Text)  # a JSON list of names: '["motion", "waiting"]'
    lead = processing + waiting  # as ``StepTiming.lead_time_s``
    return (select(Step.value_stream_id.label("stream_id"), Step.classification.label("classification"),
                   tags.label("tags"), func.sum(lead).label("lead"), func.sum(processing).label("processing"),
                   func.sum(unconverted_column()).label("unconverted"), func.count(Step.id).label("steps"))
            .join(ValueStream, ValueStream.id == Step.value_stream_id)
            .where(ValueStream.state == "current",
                   *(() if stream_ids is None else (Step.value_stream_id.in_(stream_ids),)))
            .group_by(Step.value_stream_id, Step.classification, tags)
            .subquery("parts"))


def current_stream_totals(stream_ids: Iterable[int] | None = None) -> list[StreamTotals]:
    """Add up every current-state stream's figures (or those of ``stream_ids``) in one statement, by name.

    The sums the dashboard shows per stream and across streams; a stream page computes the
    full figures with ``lean.metrics.compute_metrics`` instead. The database adds the steps' times
    up in its own order, so a sum may differ from ``math.fsum``'s in the last bit.
    """
    stream_ids = None if stream_ids is None else sorted(stream_ids)
    day_s, _, _ = step_time_columns()
    parts = _stream_parts(stream_ids)
    known = [c for c in CLASSIFICATIONS if c != "unclassified"]
    rows = db.session.execute(
        select(
            ValueStream.id, ValueStream.name, ValueStream.customer_id, func.max(day_s),
            func.sum(parts.c.lead),
            func.sum(case((parts.c.classification == "value-adding", parts.c.processing), else_=0.0)),
            func.sum(case((parts.c.classification == "waste", parts.c.lead), else_=0.0)),
            func.sum(case((parts.c.classification.in_(known), 0), else_=parts.c.steps)),
            func.sum(parts.c.unconverted), *_waste_columns(parts),
        )
        .outerjoin(parts, parts.c.stream_id == ValueStream.id)
        .where(ValueStream.state == "current",
               *(() if stream_ids is None else (ValueStream.id.in_(stream_ids),)))
        .group_by(ValueStream.id, ValueStream.name, ValueStream.customer_id)
        .order_by(ValueStream.name, ValueStream.id)
    ).tuples()
    count = len(WASTE_TYPES)
    return [
        StreamTotals(id=stream_id, name=name, customer_id=customer_id,
                     day_s=None if stream_day_s is None else float(stream_day_s),
                     lead_time_known_s=float(lead_s or 0.0), value_added_time_s=float(value_added or 0.0),
                     waste_step_time_s=float(waste or 0.0), untagged_count=int(untagged or 0),
                     waste_time_by_type={w: None if untimed else float(t or 0.0) for w, t, untimed in
                                         zip(WASTE_TYPES, sums[:count], sums[count:], strict=True)},
                     unconverted_steps=int(unconverted_steps or 0))
        for stream_id, name, customer_id, stream_day_s, lead_s, value_added, waste, untagged,
        unconverted_steps, *sums in rows
    ]


# Every table the current streams' totals read.
TOTALS_READS = frozenset(model.__tablename__ for model in (ValueStream, Step))


def organization_stream_totals() -> tuple[StreamTotals, ...]:
    """Return ``current_stream_totals`` of the acting organization (the same for every member).

    Kept across writes that touch no value stream or step (``lms.content``): a new rating or
    measurement adds up no step again.
    """
    return content.cache.get("stream-totals", None, lambda: tuple(current_stream_totals()),
                             reads=TOTALS_READS, update=_add_up_again)


def _add_up_again(kept: tuple[StreamTotals, ...],
                  changes: dict[str, frozenset[int]]) -> tuple[StreamTotals, ...] | None:
    """Return the kept totals with those of the streams whose steps were written since added up again;
    None (add up every stream) after a write to the streams themselves (a name, a state, a new one).

    A step's new cycle time adds up its own stream's 40 steps, not the organization's 8,000. The
    streams keep their places (a stream's name did not change), so the result is the same value.
    """
    if ValueStream.__tablename__ in changes:
        return None
    streams = changes.get(Step.__tablename__, frozenset())
    again = {totals.id: totals for totals in current_stream_totals(streams)} if streams else {}
    return tuple(again.get(totals.id, totals) for totals in kept)


# The list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamRow:
    """One line of the list of value streams."""

    stream: ValueStream
    customer: Customer | None
    owner: User | None
    metrics: StreamMetrics
    staleness: Staleness
    step_count: int


def list_streams(page: int, per_page: int) -> tuple[Page, list[StreamRow]]:
    """Return a page of streams with their figures, in a fixed number of queries whatever its size."""
    result = pagination.paginate(select(ValueStream).order_by(ValueStream.name, ValueStream.id),
                                 page, per_page)
    streams: list[ValueStream] = result.items
    steps_by_stream: dict[int, list[Step]] = defaultdict(list)
    if streams:
        for step in db.session.scalars(select(Step).where(
                Step.value_stream_id.in_([s.id for s in streams])).order_by(Step.position)):
            steps_by_stream[step.value_stream_id].append(step)
    customers = tenancy.by_id(Customer, (s.customer_id for s in streams))
    owners = tenancy.by_id(User, (s.owner_id for s in streams))
    rows = [
        StreamRow(stream, customers.get(stream.customer_id), owners.get(stream.owner_id),
                  compute_metrics(stream_figures(stream, steps_by_stream[stream.id])),
                  _staleness(stream), len(steps_by_stream[stream.id]))
        for stream in streams
    ]
    return result, rows


# One stream ----------------------------------------------------------------------------


@dataclass
class StreamView:
    """Everything the stream page shows: the records, the figures and the flags."""

    stream: ValueStream
    steps: list[Step]
    metrics: StreamMetrics
    flags: dict[int | None, list[WasteFlag]]
    staleness: Staleness
    customer: Customer | None = None
    job: Job | None = None
    owner: User | None = None
    jobs: dict[int, Job] = field(default_factory=dict)
    people: dict[int, User] = field(default_factory=dict)
    derived_from: ValueStream | None = None
    future_states: list[ValueStream] = field(default_factory=list)

    @property
    def waste_time_s(self) -> float | None:
        """Return the lead time spent in steps tagged waste; None while the lead time is incomplete."""
        m = self.metrics
        return None if m.lead_time_s is None else (m.waste_share or 0.0) * m.lead_time_s

    @property
    def timings(self) -> dict[int | None, StepTiming]:
        """Return each step's processing and waiting time by step id."""
        return {timing.step_id: timing for timing in self.metrics.step_timings}

    @property
    def day_s(self) -> float | None:
        """Return the stream's working day in seconds; None when it has none."""
        return working_day(self.stream.available_seconds_per_day)



def stream_view(stream: ValueStream) -> StreamView:
    """Load a stream with its steps and everything they name, and compute its figures."""
    steps = steps_of(stream)
    figures = stream_figures(stream, steps)
    jobs = tenancy.by_id(Job, [stream.job_id] + [s.job_id for s in steps])
    people = tenancy.by_id(User, [stream.owner_id, stream.last_walked_by_id]
                    + [s.owner_id for s in steps] + [s.classified_by_id for s in steps])
    return StreamView(
        stream=stream, steps=steps, metrics=compute_metrics(figures), flags=flag_stream(figures),
        staleness=_staleness(stream),
        customer=tenancy.find(Customer, stream.customer_id), job=jobs.get(stream.job_id),
        owner=people.get(stream.owner_id), jobs=jobs, people=people,
        derived_from=tenancy.find(ValueStream, stream.derived_from_id),
        future_states=list(db.session.scalars(select(ValueStream).where(
            ValueStream.derived_from_id == stream.id).order_by(ValueStream.id.desc()))),
    )


def step_history(step: Step) -> list[AuditEvent]:
    """Return the audit trail of a step, newest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "Step", AuditEvent.record_id == step.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())))


def stream_history(stream: ValueStream, limit: int = 20) -> list[AuditEvent]:
    """Return the newest audit events of a stream itself."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "ValueStream", AuditEvent.record_id == stream.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)))


# Current vs future -------------------------------------------------------------------


@dataclass(frozen=True)
class FigureChange:
    """One figure of the comparison: before, after, and whether the change is for the better."""

    label: str
    kind: str  # duration | ratio | count
    current: float | None
    future: float | None
    lower_is_better: bool = True

    @property
    def change(self) -> float | None:
        """Return future minus current, when both are known."""
        if self.current is None or self.future is None:
            return None
        return self.future - self.current

    @property
    def better(self) -> bool | None:
        """Tell whether the future state improves this figure (None: unchanged or unknown)."""
        if not self.change or self.kind == "count":
            return None  # fewer steps is no virtue in itself
        return (self.change < 0) == self.lower_is_better


@dataclass(frozen=True)
class Comparison:
    """A current state beside a future state made from it."""

    current: StreamView
    future: StreamView
    figures: list[FigureChange]
    removed: list[str]
    added: list[str]


def compare(current: StreamView, future: StreamView) -> Comparison:
    """Compare two maps figure by figure; steps are matched by name."""
    a, b = current.metrics, future.metrics
    figures = [
        FigureChange("Lead time", "duration", a.lead_time_s, b.lead_time_s),
        FigureChange("Processing time", "duration", a.processing_time_s, b.processing_time_s),
        FigureChange("Value-added time", "duration", a.value_added_time_s, b.value_added_time_s, False),
        FigureChange("Process cycle efficiency", "ratio", a.pce, b.pce, False),
        FigureChange("Time in waste steps", "duration", current.waste_time_s, future.waste_time_s),
        FigureChange("Rework-adjusted lead time", "duration", a.rework_adjusted_lead_time_s,
                     b.rework_adjusted_lead_time_s),
        FigureChange("Rolled %C&A", "ratio", a.rolled_pct_complete_accurate,
                     b.rolled_pct_complete_accurate, False),
        FigureChange("Steps", "count", len(current.steps), len(future.steps)),
    ]
    before = {s.name.strip().lower(): s.name for s in current.steps}
    after = {s.name.strip().lower(): s.name for s in future.steps}
    return Comparison(current, future, figures,
                      removed=[name for key, name in before.items() if key not in after],
                      added=[name for key, name in after.items() if key not in before])


def newest_future_state(stream: ValueStream) -> ValueStream | None:
    """Return the newest future state derived from ``stream``."""
    return db.session.scalar(select(ValueStream).where(ValueStream.derived_from_id == stream.id)
                             .order_by(ValueStream.id.desc()).limit(1))
