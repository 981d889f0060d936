"""The measured flow of a stream, computed in the database: window functions over its event log.

Nothing here loads the log into Python. Each query reduces the events in SQL (per case, per
step, per week or per day) and returns a handful of rows: the values at the ranks a percentile
needs, counts per day, sums. The working clock (``lms.lean.flow.WorkingCalendar.clock``) is
written once as a SQL expression on the events' whole seconds (``at_s``), integer arithmetic
that SQLite and PostgreSQL compute alike, so a duration measured here is the same number of
working seconds the pure function gives.

Pairing: a start pairs with the next event of the same activity in the case when that is its
completion (processing = start → completion); waiting runs from the case's latest completion of
any activity before the start. A case finishes when it completes the last mapped step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, union_all

from lms.extensions import db
from lms.lean.flow import WORKING_DAYS_PER_WEEK, CaseSpan, WorkingCalendar
from lms.models import FlowActivity, FlowEvent, Step

CALENDAR_DAY_S = 86_400
# Whole weeks from 0001-01-01 to 1970-01-01, added before dividing so every quotient is of a positive
# number (SQLite's integer division truncates towards zero) and taken off the result again.
OFFSET_WEEKS = 102_738
FIRST_MONDAY = date(1969, 12, 29)  # day 0 of the working clock's weeks
SPREAD_PERCENTILES = (0.25, 0.5, 0.75, 0.85)
# A case belongs to the period it starts in: events this long before the period are read to tell
# the cases that began earlier (and are left out) from those that begin in it.
LOOKBACK = timedelta(weeks=13)


def working_clock(seconds: Any, calendar: WorkingCalendar) -> ColumnElement:
    """Return the SQL of ``calendar.clock``: working seconds from the clock's first Monday, given the
    moment's whole seconds from 1970 (``FlowEvent.at_s``)."""
    hours, start = int(calendar.hours_s), int(calendar.start_s)
    shifted = seconds + OFFSET_WEEKS * 7 * CALENDAR_DAY_S
    days = shifted // CALENDAR_DAY_S
    into_day = shifted - days * CALENDAR_DAY_S - start
    weeks = (days + 3) // 7
    weekday = days + 3 - weeks * 7
    today = case((weekday >= WORKING_DAYS_PER_WEEK, 0), (into_day < 0, 0), (into_day > hours, hours),
                 else_=into_day)
    whole_days = weeks * WORKING_DAYS_PER_WEEK + case((weekday < WORKING_DAYS_PER_WEEK, weekday),
                                                      else_=WORKING_DAYS_PER_WEEK)
    return (whole_days - OFFSET_WEEKS * WORKING_DAYS_PER_WEEK) * hours + today


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


def _since(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def events(scope: LogScope, *, annotated: bool = False, lookback: bool = False):
    """Return the stream's events with their step, map position and working-clock time ``w``.

    ``annotated`` adds, by window functions, the case's latest completion before each event
    (``previous_complete_w``) and the next event of the same activity in the case (``next_lifecycle``,
    ``next_w``), which pair starts with completions.
    """
    w = working_clock(FlowEvent.at_s, scope.calendar)
    columns = [FlowEvent.case_id, FlowEvent.activity_id, FlowActivity.step_id, Step.position,
               FlowEvent.lifecycle, FlowEvent.occurred_at, FlowEvent.at_s, FlowEvent.customer,
               FlowEvent.segment, w.label("w")]
    if annotated:
        in_case = {"partition_by": FlowEvent.case_id,
                   "order_by": (FlowEvent.occurred_at, FlowEvent.lifecycle)}  # a completion first
        same_activity = {"partition_by": (FlowEvent.case_id, FlowEvent.activity_id),
                         "order_by": (FlowEvent.occurred_at, FlowEvent.lifecycle.desc())}  # a start first
        columns += [func.max(case((FlowEvent.lifecycle == "complete", w))).over(**in_case, rows=(None, -1))
                    .label("previous_complete_w"),
                    func.lead(FlowEvent.lifecycle).over(**same_activity).label("next_lifecycle"),
                    func.lead(w).over(**same_activity).label("next_w")]
    stmt = (select(*columns)
            .join(FlowActivity, FlowActivity.id == FlowEvent.activity_id)
            .outerjoin(Step, Step.id == FlowActivity.step_id)
            .where(FlowEvent.value_stream_id == scope.stream_id))
    if scope.since is not None:
        since = scope.since - LOOKBACK if lookback else scope.since
        stmt = stmt.where(FlowEvent.occurred_at >= _since(since))
    if scope.until is not None:
        stmt = stmt.where(FlowEvent.occurred_at < datetime.combine(scope.until + timedelta(days=1),
                                                                   datetime.min.time()))
    return stmt.subquery("ev")


def end_position(stream_id: int) -> int | None:
    """Return the map position of the last step any activity maps to: reaching it finishes a case."""
    return db.session.scalar(select(func.max(Step.position))
                             .join(FlowActivity, FlowActivity.step_id == Step.id)
                             .where(FlowActivity.value_stream_id == stream_id))


def cases(scope: LogScope, end: int | None, *, worked: bool = False):
    """Return one row per case (a CTE): start, last event and finish on the working clock, customer
    and segment. With no activity mapped, a case finishes at its last event; ``finish_w`` is NULL
    while the case is open.

    ``worked`` adds the case's processing time without a window: per activity of the case, the
    completions' clock minus the starts' when both are as many (each start then has its
    completion), which is the sum of start → completion times.

    The working clock never runs backwards, so the clock of a case's first (last) moment is the
    first (last) of its events' clocks: it is computed once per case, after the reduction, not per
    event; only the worked time needs each event's clock.
    """
    ev = events(scope, lookback=True)
    if end is None:
        finish, finished_at = func.max(ev.c.at_s), func.max(ev.c.occurred_at)
    else:
        reached = and_(ev.c.position == end, ev.c.lifecycle == "complete")
        finish = func.max(case((reached, ev.c.at_s)))
        finished_at = func.max(case((reached, ev.c.occurred_at)))
    columns = [func.min(ev.c.at_s).label("start_s"), func.max(ev.c.at_s).label("last_s"),
               finish.label("finish_s"), finished_at.label("finished_at"),
               func.max(ev.c.customer).label("customer"), func.max(ev.c.segment).label("segment"),
               func.min(ev.c.occurred_at).label("started_at")]
    in_period = [] if scope.since is None else [func.min(ev.c.occurred_at) >= _since(scope.since)]
    if not worked:
        per_case = select(ev.c.case_id, *columns).group_by(ev.c.case_id).having(*in_period) \
            .subquery("per_case")
        extra: list[ColumnElement] = []
    else:
        is_start = ev.c.lifecycle == "start"
        starts = func.sum(case((is_start, 1), else_=0))
        completes = func.sum(case((is_start, 0), else_=1))
        balance = func.sum(case((is_start, -ev.c.w), else_=ev.c.w))
        per_activity = select(ev.c.case_id, *columns, starts.label("starts"),
                              case((and_(starts > 0, starts == completes), balance)).label("worked_s")) \
            .group_by(ev.c.case_id, ev.c.activity_id).subquery("per_activity")
        a = per_activity.c
        started_in_period = [] if scope.since is None else [func.min(a.started_at) >= _since(scope.since)]
        per_case = select(a.case_id, func.min(a.start_s).label("start_s"), func.max(a.last_s).label("last_s"),
                          func.max(a.finish_s).label("finish_s"),
                          func.max(a.finished_at).label("finished_at"),
                          func.max(a.customer).label("customer"), func.max(a.segment).label("segment"),
                          func.min(a.started_at).label("started_at"),
                          func.sum(a.worked_s).label("worked_s"), func.sum(a.starts).label("starts")) \
            .group_by(a.case_id).having(*started_in_period).subquery("per_case")
        extra = [per_case.c.worked_s, per_case.c.starts]
    p = per_case.c
    return select(p.case_id, working_clock(p.start_s, scope.calendar).label("start_w"),
                  working_clock(p.last_s, scope.calendar).label("last_w"),
                  working_clock(p.finish_s, scope.calendar).label("finish_w"), p.finished_at,
                  p.customer, p.segment, p.started_at, *extra).cte("cases")


def percentile_rows(values, value: ColumnElement, groups: Sequence[ColumnElement] = ()) -> list[Any]:
    """Return, per group, the (group..., rank, count, value) rows the percentiles of ``value`` need.

    For each percentile p the value lies between ranks ⌊(n−1)p⌋+1 and the next; a row is kept when
    its rank is one of those two for any p, found by comparison alone (no FLOOR, which SQLite lacks).
    """
    partition = list(groups) or None
    ranked = (select(*groups, value.label("v"),
                     func.row_number().over(partition_by=partition, order_by=value).label("rn"),
                     func.count().over(partition_by=partition).label("n"))
              .select_from(values).subquery())
    position = [(ranked.c.n - 1) * p for p in SPREAD_PERCENTILES]
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


def step_rows(scope: LogScope) -> list[Any]:
    """Percentile rows of processing and waiting per step in one pass: (kind, step id, rank, count, value)."""
    ev = events(scope, annotated=True)
    # A CTE read twice: both databases compute it once.
    starts = select(ev).where(ev.c.lifecycle == "start", ev.c.step_id.is_not(None)).cte("starts")
    measured = union_all(
        select(literal("processing").label("kind"), starts.c.step_id,
               (starts.c.next_w - starts.c.w).label("s")).where(starts.c.next_lifecycle == "complete"),
        select(literal("waiting").label("kind"), starts.c.step_id, (starts.c.w - starts.c.previous_complete_w)
               .label("s")).where(starts.c.previous_complete_w.is_not(None)),
    ).subquery("measured")
    return percentile_rows(measured, measured.c.s, [measured.c.kind, measured.c.step_id])


def case_counts_by_step(scope: LogScope) -> dict[int, int]:
    """Return how many cases reached each mapped step."""
    ev = events(scope)
    rows = db.session.execute(select(ev.c.step_id, func.count(func.distinct(ev.c.case_id)))
                              .where(ev.c.step_id.is_not(None)).group_by(ev.c.step_id))
    return {step_id: count for step_id, count in rows}


def case_spans(scope: LogScope, end: int | None, *, worked: bool = True) -> list[CaseSpan]:
    """Return one span per case of the period (the log reduced in SQL, one pass): the figures,
    percentiles and charts of the period are all read from these (``lms.lean.flow``)."""
    c = cases(scope, end, worked=worked)
    columns = [c.c.start_w, c.c.last_w, c.c.finish_w, c.c.worked_s if worked else literal(None),
               c.c.starts if worked else literal(0), c.c.customer, c.c.segment]
    rows = db.session.execute(select(*columns))
    return [CaseSpan(int(start), int(last), None if finish is None else int(finish),
                     None if worked_s is None else float(worked_s), int(starts or 0),
                     customer or "", segment or "")
            for start, last, finish, worked_s, starts, customer, segment in rows]


def arrivals_per_day(scope: LogScope, end: int | None, hours_s: int) -> list[tuple[int, int, int]]:
    """Return (step position, working-day index, cases first reaching the step that day) of the cases
    that start in the period (those ``finished_per_day`` counts): the cumulative flow's data."""
    ev = events(scope, lookback=True)
    c = cases(scope, end)
    first = (select(ev.c.position, ev.c.case_id, func.min(ev.c.w).label("w"))
             .join(c, c.c.case_id == ev.c.case_id)
             .where(ev.c.position.is_not(None)).group_by(ev.c.position, ev.c.case_id).subquery())
    day = (first.c.w // hours_s).label("day")
    rows = db.session.execute(select(first.c.position, day, func.count()).group_by(first.c.position, day)
                              .order_by(first.c.position, day))
    return [(int(p), int(d), int(n)) for p, d, n in rows]
