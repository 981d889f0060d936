"""The measured flow of a stream, computed in the database: window functions over its event log.

Nothing here loads the log into Python. Each query reduces the events in SQL (per case, per
step, per week or per day) and returns a handful of rows: the values at the ranks a percentile
needs, counts per day, sums. The working clock (``lms.lean.flow.WorkingCalendar.clock``) is
written once as a SQL expression, integer arithmetic that SQLite and PostgreSQL compute alike,
so a duration measured here is the same number of working seconds the pure function gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, and_, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from lms.extensions import db
from lms.lean.flow import WORKING_DAYS_PER_WEEK, WorkingCalendar
from lms.models import FlowActivity, FlowEvent, Step

CALENDAR_DAY_S = 86_400
FIRST_MONDAY = date(1969, 12, 29)  # day 0 of the working clock's weeks
SPREAD_PERCENTILES = (0.25, 0.5, 0.75, 0.85)
LEAD_PERCENTILES = (0.5, 0.85, 0.95)


class epoch_seconds(FunctionElement):  # noqa: N801 - a SQL function's name
    """Whole seconds from 1970-01-01 to a stored timestamp, in either database."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element, compiler, **kw) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


def working_clock(moment: Any, calendar: WorkingCalendar) -> ColumnElement:
    """Return the SQL of ``calendar.clock(moment)``: working seconds from the clock's first Monday."""
    hours, start = int(calendar.hours_s), int(calendar.start_s)
    seconds = epoch_seconds(moment)
    days = seconds // CALENDAR_DAY_S
    into_day = seconds - days * CALENDAR_DAY_S - start
    weeks = (days + 3) // 7
    weekday = days + 3 - weeks * 7
    today = case((weekday >= WORKING_DAYS_PER_WEEK, 0), (into_day < 0, 0), (into_day > hours, hours),
                 else_=into_day)
    whole_days = weeks * WORKING_DAYS_PER_WEEK + case((weekday < WORKING_DAYS_PER_WEEK, weekday),
                                                      else_=WORKING_DAYS_PER_WEEK)
    return whole_days * hours + today


def day_of_clock(day_index: int) -> date:
    """Return the date of a working-day index (working clock // hours of a day)."""
    weeks, weekday = divmod(day_index, WORKING_DAYS_PER_WEEK)
    return FIRST_MONDAY + timedelta(days=7 * weeks + weekday)


@dataclass(frozen=True)
class LogScope:
    """Which events of which stream are measured, on which calendar."""

    stream_id: int
    calendar: WorkingCalendar
    since: date | None = None
    until: date | None = None  # inclusive


def events(scope: LogScope):
    """Return the stream's events with their step, map position and working-clock time (a subquery)."""
    stmt = (select(FlowEvent.case_id, FlowEvent.activity_id, FlowActivity.step_id, Step.position,
                   FlowEvent.lifecycle, FlowEvent.occurred_at, FlowEvent.customer, FlowEvent.segment,
                   working_clock(FlowEvent.occurred_at, scope.calendar).label("w"))
            .join(FlowActivity, FlowActivity.id == FlowEvent.activity_id)
            .outerjoin(Step, Step.id == FlowActivity.step_id)
            .where(FlowEvent.value_stream_id == scope.stream_id))
    if scope.since is not None:
        stmt = stmt.where(FlowEvent.occurred_at >= datetime.combine(scope.since, datetime.min.time()))
    if scope.until is not None:
        stmt = stmt.where(FlowEvent.occurred_at < datetime.combine(scope.until + timedelta(days=1),
                                                                   datetime.min.time()))
    return stmt.subquery("ev")


def end_position(stream_id: int) -> int | None:
    """Return the map position of the last step any activity maps to: reaching it finishes a case."""
    return db.session.scalar(select(func.max(Step.position))
                             .join(FlowActivity, FlowActivity.step_id == Step.id)
                             .where(FlowActivity.value_stream_id == stream_id))


def cases(scope: LogScope, end: int | None):
    """Return one row per case: start, end and finish on the working clock, customer and segment.

    A case is finished by the completion of the last mapped step (``end``); with no activity
    mapped, by its last event. ``finish_w`` is NULL for a case still open.
    """
    ev = events(scope)
    if end is None:
        finish = func.max(ev.c.w)
        finished_at = func.max(ev.c.occurred_at)
    else:
        reached = and_(ev.c.position == end, ev.c.lifecycle == "complete")
        finish = func.max(case((reached, ev.c.w)))
        finished_at = func.max(case((reached, ev.c.occurred_at)))
    return (select(ev.c.case_id, func.min(ev.c.w).label("start_w"), func.max(ev.c.w).label("last_w"),
                   finish.label("finish_w"), finished_at.label("finished_at"),
                   func.max(ev.c.customer).label("customer"), func.max(ev.c.segment).label("segment"))
            .group_by(ev.c.case_id).subquery("cases"))


def percentile_rows(values, value: ColumnElement, groups: Sequence[ColumnElement] = ()) -> list[Any]:
    """Return, per group, the (rank, count, value) rows the percentiles of ``value`` need.

    For each percentile p the value lies between ranks ⌊(n−1)p⌋+1 and the next; a row is kept when
    its rank is one of those two for any p, found by comparison alone (no FLOOR, which SQLite lacks).
    """
    partition = list(groups) or None
    ranked = (select(*groups, value.label("v"),
                     func.row_number().over(partition_by=partition, order_by=value).label("rn"),
                     func.count().over(partition_by=partition).label("n"))
              .select_from(values).subquery())
    position = [(ranked.c.n - 1) * p for p in SPREAD_PERCENTILES + LEAD_PERCENTILES]
    near = or_(*[and_(ranked.c.rn - 2 <= pos, pos < ranked.c.rn) for pos in position])
    names = [ranked.c[g.key] for g in groups]
    return list(db.session.execute(select(*names, ranked.c.rn, ranked.c.n, ranked.c.v).where(near)))


def ranks_by_group(rows: Sequence[Any], groups: int = 0) -> dict[tuple, tuple[int, dict[int, float]]]:
    """Gather percentile rows into {group key: (count, {rank: value})}."""
    gathered: dict[tuple, tuple[int, dict[int, float]]] = {}
    for row in rows:
        key = tuple(row[:groups])
        rank, count, value = row[groups:groups + 3]
        gathered.setdefault(key, (int(count), {}))[1][int(rank)] = float(value)
    return gathered


def lead_time_rows(scope: LogScope, end: int | None, by: str | None = None) -> list[Any]:
    """Percentile rows of finished cases' lead times (working seconds): overall, or by customer,
    segment or week of finishing (the working clock's week index)."""
    c = cases(scope, end)
    finished = select(c).where(c.c.finish_w.is_not(None)).subquery("finished")
    week_s = WORKING_DAYS_PER_WEEK * int(scope.calendar.hours_s)
    groups = [] if by is None else [(finished.c.finish_w // week_s).label("week") if by == "week"
                                    else finished.c[by]]
    return percentile_rows(finished, finished.c.finish_w - finished.c.start_w, groups)


def _pairs(scope: LogScope):
    """Return each activity instance: its step, its start and completion on the clock, and the
    completion before its start in the case (the k-th start of an activity in a case pairs with its
    k-th completion)."""
    ev = events(scope)
    before = func.max(case((ev.c.lifecycle == "complete", ev.c.w))).over(
        partition_by=ev.c.case_id, order_by=(ev.c.occurred_at, ev.c.lifecycle), rows=(None, -1))
    nth = func.row_number().over(partition_by=(ev.c.case_id, ev.c.activity_id, ev.c.lifecycle),
                                 order_by=ev.c.occurred_at)
    numbered = select(ev.c.case_id, ev.c.activity_id, ev.c.step_id, ev.c.lifecycle, ev.c.w,
                      before.label("previous_complete_w"), nth.label("nth")).subquery("numbered")
    starts = numbered.alias("starts")
    completes = numbered.alias("completes")
    return (select(starts.c.step_id, starts.c.w.label("start_w"), completes.c.w.label("complete_w"),
                   starts.c.previous_complete_w)
            .select_from(starts)
            .outerjoin(completes, and_(completes.c.case_id == starts.c.case_id,
                                       completes.c.activity_id == starts.c.activity_id,
                                       completes.c.lifecycle == "complete", completes.c.nth == starts.c.nth))
            .where(starts.c.lifecycle == "start")
            .subquery("pairs"))


def step_rows(scope: LogScope) -> tuple[list[Any], list[Any]]:
    """Percentile rows of processing (start → completion) and waiting (completion before → start) per step."""
    pairs = _pairs(scope)
    worked = (select(pairs.c.step_id, (pairs.c.complete_w - pairs.c.start_w).label("s"))
              .where(pairs.c.step_id.is_not(None), pairs.c.complete_w >= pairs.c.start_w).subquery())
    waited = (select(pairs.c.step_id, (pairs.c.start_w - pairs.c.previous_complete_w).label("s"))
              .where(pairs.c.step_id.is_not(None), pairs.c.previous_complete_w.is_not(None)).subquery())
    return (percentile_rows(worked, worked.c.s, [worked.c.step_id]),
            percentile_rows(waited, waited.c.s, [waited.c.step_id]))


def case_counts_by_step(scope: LogScope) -> dict[int, int]:
    """Return how many cases reached each mapped step."""
    ev = events(scope)
    rows = db.session.execute(select(ev.c.step_id, func.count(func.distinct(ev.c.case_id)))
                              .where(ev.c.step_id.is_not(None)).group_by(ev.c.step_id))
    return {step_id: count for step_id, count in rows}


@dataclass(frozen=True)
class Totals:
    """Sums over the log's cases, on the working clock."""

    cases: int
    finished: int
    period_start_w: int | None
    period_end_w: int | None
    lead_time_sum_s: float  # finished cases
    processing_sum_s: float | None  # worked time inside finished cases (None without start events)
    case_time_s: float  # Σ time each case spent inside the period (open cases until its end)
    open_case_time_s: float


def totals(scope: LogScope, end: int | None) -> Totals:
    """Return counts and sums for throughput, WIP, flow efficiency and Little's law."""
    c = cases(scope, end)
    period_start, period_end = db.session.execute(select(func.min(c.c.start_w), func.max(c.c.last_w))).one()
    if period_start is None:
        return Totals(0, 0, None, None, 0.0, None, 0.0, 0.0)
    period_end_value = literal(int(period_end))
    count, finished, lead_sum, stay_sum, open_sum = db.session.execute(select(
        func.count(), func.count(c.c.finish_w), func.coalesce(func.sum(c.c.finish_w - c.c.start_w), 0),
        func.coalesce(func.sum(func.coalesce(c.c.finish_w, period_end_value) - c.c.start_w), 0),
        func.coalesce(func.sum(case((c.c.finish_w.is_(None), period_end_value - c.c.start_w))), 0),
    )).one()
    return Totals(int(count), int(finished), int(period_start), int(period_end), float(lead_sum),
                  _finished_processing(scope, end), float(stay_sum), float(open_sum))


def _finished_processing(scope: LogScope, end: int | None) -> float | None:
    """Return the worked time (start → completion) inside finished cases; None when no event is a start."""
    ev = events(scope)
    nth = func.row_number().over(partition_by=(ev.c.case_id, ev.c.activity_id, ev.c.lifecycle),
                                 order_by=ev.c.occurred_at)
    numbered = select(ev.c.case_id, ev.c.activity_id, ev.c.lifecycle, ev.c.w, nth.label("nth")).subquery()
    s, k = numbered.alias("s"), numbered.alias("k")
    c = cases(scope, end)
    worked = (select(func.count(), func.sum(k.c.w - s.c.w))
              .select_from(s)
              .join(k, and_(k.c.case_id == s.c.case_id, k.c.activity_id == s.c.activity_id,
                            k.c.lifecycle == "complete", k.c.nth == s.c.nth))
              .join(c, c.c.case_id == s.c.case_id)
              .where(s.c.lifecycle == "start", c.c.finish_w.is_not(None), k.c.w >= s.c.w))
    count, total = db.session.execute(worked).one()
    return float(total) if count else None


def finished_per_day(scope: LogScope, end: int | None, hours_s: int) -> dict[int, int]:
    """Return the cases finished on each working day (index of the working clock's days)."""
    c = cases(scope, end)
    day = (c.c.finish_w // hours_s).label("day")
    rows = db.session.execute(select(day, func.count()).where(c.c.finish_w.is_not(None)).group_by(day))
    return {int(index): int(count) for index, count in rows}


def arrivals_per_day(scope: LogScope, hours_s: int) -> list[tuple[int, int, int]]:
    """Return (step position, working-day index, cases first reaching the step that day): the CFD's data."""
    ev = events(scope)
    first = (select(ev.c.position, ev.c.case_id, func.min(ev.c.w).label("w"))
             .where(ev.c.position.is_not(None)).group_by(ev.c.position, ev.c.case_id).subquery())
    day = (first.c.w // hours_s).label("day")
    rows = db.session.execute(select(first.c.position, day, func.count()).group_by(first.c.position, day)
                              .order_by(first.c.position, day))
    return [(int(p), int(d), int(n)) for p, d, n in rows]


def lead_time_histogram(scope: LogScope, end: int | None, width_s: float) -> list[tuple[int, int]]:
    """Return (bin index, finished cases) of lead times in bins ``width_s`` wide."""
    c = cases(scope, end)
    index = func.cast((c.c.finish_w - c.c.start_w) / width_s, Integer).label("bin")
    if db.session.get_bind().dialect.name == "postgresql":
        index = func.floor((c.c.finish_w - c.c.start_w) / width_s).label("bin")
    rows = db.session.execute(select(index, func.count()).where(c.c.finish_w.is_not(None)).group_by(index)
                              .order_by(index))
    return [(int(b), int(n)) for b, n in rows]


def recent_lead_times(scope: LogScope, end: int | None, limit: int = 10_000) -> list[float]:
    """Return the lead times (working seconds) of the newest finished cases, for forecasting."""
    c = cases(scope, end)
    return [float(v) for v in db.session.scalars(
        select(c.c.finish_w - c.c.start_w).where(c.c.finish_w.is_not(None))
        .order_by(c.c.finish_w.desc()).limit(limit))]
