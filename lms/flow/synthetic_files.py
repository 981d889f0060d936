"""Deterministic synthetic event logs: a realistic mix of waiting and working, rework and seasonality.

Used for the demo organization, ``lms generate`` and the benchmark. Each case arrives on a
working day (more in busy weeks: a yearly and a weekly season), waits at each step (long-tailed,
around the step's entered waiting time), is worked (around its cycle time), and is sent back to
the step before with the chance its %C&A leaves (rework loops). Times lie on the stream's working
calendar, so the measured figures come back near the entered ones.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO

from lms.flow.load_services import LoadSummary, load
from lms.flow.log_files import LogEvent
from lms.lean.flow import WorkingCalendar
from lms.models import ValueStream

CUSTOMERS = (("Northwind", "enterprise"), ("Contoso", "enterprise"), ("Fabrikam", "mid-market"),
             ("Tailspin", "mid-market"), ("Wingtip", "small business"), ("Adventure Works", "small business"))
RESOURCES = ("ana", "ben", "chen", "dana", "eli", "fay")
Row = tuple[str, str, datetime, str, str, str, str]
CSV_HEADER = ("case_id", "activity", "timestamp", "lifecycle", "resource", "customer", "segment")


@dataclass(frozen=True)
class StepShape:
    """What a generated case meets at one step: its name and its typical working and waiting time."""

    name: str
    cycle_time_s: float
    wait_time_s: float
    pct_complete_accurate: float = 100.0


@dataclass(frozen=True)
class LogShape:
    """How many cases over which weeks, on which calendar."""

    cases: int
    first_day: date
    last_day: date
    calendar: WorkingCalendar
    seed: int = 1
    case_prefix: str = "C"


def _long_tail(rng: random.Random, typical_s: float) -> float:
    """Draw a duration around ``typical_s`` (its median) with a long right tail (log-normal)."""
    return typical_s * math.exp(rng.gauss(0.0, 0.6)) if typical_s > 0 else 0.0


def _arrivals(rng: random.Random, shape: LogShape) -> list[float]:
    """Return the working-clock arrival of each case, denser in busy weeks (seasonality)."""
    start = shape.calendar.clock(datetime.combine(shape.first_day, datetime.min.time()))
    end = shape.calendar.clock(datetime.combine(shape.last_day, datetime.min.time()))
    span = max(end - start, 1.0)
    week = 5 * shape.calendar.hours_s
    arrivals: list[float] = []
    while len(arrivals) < shape.cases:
        at = rng.uniform(0, span)
        season = 1 + 0.35 * math.sin(2 * math.pi * at / (52 * week)) + 0.2 * math.sin(2 * math.pi * at / week)
        if rng.uniform(0, 1.55) <= season:  # thinning: keep more arrivals in busy times
            arrivals.append(start + at)
    return sorted(arrivals)


def events(steps: Sequence[StepShape], shape: LogShape) -> Iterator[Row]:
    """Yield (case id, activity, timestamp, lifecycle, resource, customer, segment) case by case."""
    rng = random.Random(shape.seed)  # noqa: S311 - synthetic data, not secrets
    calendar = shape.calendar
    horizon = calendar.clock(datetime.combine(shape.last_day, datetime.min.time()))
    for number, arrival in enumerate(_arrivals(rng, shape), start=1):
        case_id = f"{shape.case_prefix}{number:06d}"
        customer, segment = CUSTOMERS[rng.randrange(len(CUSTOMERS))]
        clock, index, reworks = arrival, 0, 0
        while index < len(steps) and clock < horizon:
            step = steps[index]
            clock += _long_tail(rng, step.wait_time_s) if index else 0.0
            if clock >= horizon:
                break
            resource = RESOURCES[rng.randrange(len(RESOURCES))]
            yield case_id, step.name, calendar.moment(clock), "start", resource, customer, segment
            clock += max(_long_tail(rng, step.cycle_time_s), 60.0)
            if clock >= horizon:
                break
            yield case_id, step.name, calendar.moment(clock), "complete", resource, customer, segment
            failed = rng.uniform(0, 100) > step.pct_complete_accurate
            if failed and index and reworks < 2:
                index, reworks = index - 1, reworks + 1  # sent back: the step before is done again
            else:
                index += 1


def write_csv(handle: IO[str], rows: Iterator[Row]) -> int:
    """Write generated events as a CSV log with the template's header; return how many."""
    writer = csv.writer(handle)
    writer.writerow(CSV_HEADER)
    count = 0
    for case_id, activity, moment, lifecycle, resource, customer, segment in rows:
        writer.writerow((case_id, activity, moment.isoformat(timespec="seconds"), lifecycle, resource,
                         customer, segment))
        count += 1
    return count


def weeks_back(last_day: date, weeks: int) -> date:
    """Return the first day of a log that ends on ``last_day`` and spans ``weeks`` weeks."""
    return last_day - timedelta(weeks=weeks)


# Logs for streams in the database (the demo organization, `lms generate`) -------------------

UNMAPPED_ACTIVITY = "Chase the customer for missing information"


def shapes_of(stream: ValueStream, seed: int) -> list[StepShape]:
    """Return what generated cases meet at each process step of ``stream``: its entered figures,
    each step's waiting stretched or shrunk by a seeded factor so the log disagrees with parts of
    the map as real logs do."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    day_s = stream.available_seconds_per_day or 28_800.0
    shapes, queued = [], 0.0
    for step in sorted(stream.steps, key=lambda s: s.position):
        waiting = step.wait_time_s or 0.0
        if step.inventory_units and stream.daily_demand:
            waiting += step.inventory_units / stream.daily_demand * day_s
        if step.kind == "inventory":
            queued += waiting  # a queue is the waiting before the next process step
            continue
        factor = rng.choice((0.5, 1.0, 1.0, 1.6, 3.0))
        shapes.append(StepShape(step.name, step.cycle_time_s or 600.0, (waiting + queued) * factor or 1_800.0,
                                step.pct_complete_accurate or 97.0))
        queued = 0.0
    return shapes


def generate_log(stream: ValueStream, cases: int, last_day: date, *, weeks: int = 26, seed: int = 1,
                 customers: Sequence[tuple[str, str]] = CUSTOMERS, start_s: int = 8 * 3_600) -> LoadSummary:
    """Write a generated log of ``cases`` cases over ``weeks`` weeks into ``stream`` (no commit)."""
    shapes = shapes_of(stream, seed)
    if not shapes or cases <= 0:
        return LoadSummary()
    calendar = WorkingCalendar(stream.available_seconds_per_day or 28_800.0, start_s)
    # Cases begin eight weeks before the period shown, so it starts with work already in flow.
    shape = LogShape(cases, weeks_back(last_day, weeks + 8), last_day, calendar, seed, f"{stream.id}-")
    rng = random.Random(seed + 1)  # noqa: S311 - synthetic data, not secrets

    def items():
        current, customer, segment = None, "", ""
        for number, row in enumerate(events(shapes, shape)):
            case_id, activity, moment, lifecycle, resource = row[:5]
            if case_id != current:  # a case's events come together: each case is for one customer
                current, (customer, segment) = case_id, customers[rng.randrange(len(customers))]
            yield LogEvent(number, case_id, activity, moment, lifecycle, resource, customer, segment)
            if lifecycle == "complete" and activity == shapes[0].name and rng.random() < 0.15:
                # Work nobody drew: chasing the customer, done in no step of the map.
                yield LogEvent(number, case_id, UNMAPPED_ACTIVITY, moment + timedelta(minutes=20),
                               "complete", resource, customer, segment)

    return load(stream, items())
