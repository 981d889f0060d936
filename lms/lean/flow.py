"""Measured flow, the pure part: the working clock, percentiles, Little's law, drawn versus measured,
and Monte-Carlo forecasts. Plain values in, plain values out; the SQL in ``lms.flow.queries`` uses
the same definitions (the working clock and the percentile ranks) so both give the same numbers.

Working time: a stream works Monday to Friday, one working day of ``day_s`` seconds a weekday,
starting at ``start_s`` seconds after midnight. Time outside those hours, and weekends, count
nothing. Every duration measured from timestamps is converted to that working time, and days are
working days of ``day_s``, the same convention as the figures a person enters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

CALENDAR_DAY_S = 86_400
WORKING_DAYS_PER_WEEK = 5
# 1970-01-01 was a Thursday: three days after a Monday.
_EPOCH = datetime(1970, 1, 1)
_EPOCH_WEEKDAY = 3
_FIRST_MONDAY = _EPOCH - timedelta(days=_EPOCH_WEEKDAY)
PERCENTILES = (0.5, 0.85, 0.95)
DEFAULT_RUNS = 5_000
DEFAULT_SEED = 17


@dataclass(frozen=True)
class WorkingCalendar:
    """A weekday working day: ``day_s`` seconds from ``start_s`` after midnight, Monday to Friday."""

    day_s: float
    start_s: int = 8 * 3_600

    @property
    def hours_s(self) -> float:
        """The seconds of a weekday that count: the working day, cut at midnight."""
        return max(min(self.day_s, CALENDAR_DAY_S - self.start_s), 0.0)

    def clock(self, moment: datetime) -> float:
        """Return the working seconds from the epoch's week to ``moment`` (a monotone working clock)."""
        seconds = (moment - _EPOCH).total_seconds()
        days = math.floor(seconds / CALENDAR_DAY_S)
        into_day = seconds - days * CALENDAR_DAY_S
        weeks, weekday = divmod(days + _EPOCH_WEEKDAY, 7)
        working = weekday < WORKING_DAYS_PER_WEEK
        today = min(max(into_day - self.start_s, 0.0), self.hours_s) if working else 0.0
        return (weeks * WORKING_DAYS_PER_WEEK + min(weekday, WORKING_DAYS_PER_WEEK)) * self.hours_s + today

    def moment(self, clock_s: float) -> datetime:
        """Return the moment a working-clock reading stands for (``clock`` inverted, in working hours)."""
        weeks, rest = divmod(clock_s, WORKING_DAYS_PER_WEEK * self.hours_s)
        weekday, into_day = divmod(rest, self.hours_s)
        return _FIRST_MONDAY + timedelta(days=7 * weeks + weekday, seconds=self.start_s + into_day)

    def between(self, start: datetime, end: datetime) -> float:
        """Return the working seconds from ``start`` to ``end``."""
        return self.clock(end) - self.clock(start)

    def days(self, seconds: float) -> float:
        """Return working seconds as working days."""
        return seconds / self.day_s


def working_days_after(today: date, until: date) -> int:
    """Count the weekdays after ``today`` up to and including ``until`` (0 when it is not later)."""
    if until <= today:
        return 0
    whole_weeks, rest = divmod((until - today).days, 7)
    count = whole_weeks * WORKING_DAYS_PER_WEEK
    for offset in range(1, rest + 1):
        if (today + timedelta(days=offset)).weekday() < WORKING_DAYS_PER_WEEK:
            count += 1
    return count


# Percentiles ------------------------------------------------------------------------------


def percentile_ranks(count: int, p: float) -> tuple[int, int]:
    """Return the 1-based ranks whose values the ``p`` percentile of ``count`` sorted values lies between."""
    position = (count - 1) * p
    low = int(position) + 1
    return low, min(low + 1, count)


def interpolate(values_by_rank: Mapping[int, float], count: int, p: float) -> float | None:
    """Return the ``p`` percentile (linear between closest ranks) from the values at its two ranks."""
    if count <= 0:
        return None
    low, high = percentile_ranks(count, p)
    if low not in values_by_rank or high not in values_by_rank:
        return None
    fraction = (count - 1) * p - (low - 1)
    return values_by_rank[low] + fraction * (values_by_rank[high] - values_by_rank[low])


def percentile(values: Sequence[float], p: float) -> float | None:
    """Return the ``p`` percentile of ``values`` (linear between closest ranks); None when empty."""
    ordered = sorted(values)
    return interpolate({rank: v for rank, v in enumerate(ordered, start=1)}, len(ordered), p)


@dataclass(frozen=True)
class Spread:
    """A measured duration: median, 85th percentile and interquartile spread, in working seconds."""

    p50: float | None
    p85: float | None
    iqr: float | None
    count: int


def spread_from_ranks(values_by_rank: Mapping[int, float], count: int) -> Spread:
    """Return the spread of ``count`` values from the values at the ranks the percentiles need."""
    p25, p75 = interpolate(values_by_rank, count, 0.25), interpolate(values_by_rank, count, 0.75)
    return Spread(interpolate(values_by_rank, count, 0.5), interpolate(values_by_rank, count, 0.85),
                  None if p25 is None or p75 is None else p75 - p25, count)


# Little's law -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LittlesLaw:
    """Average WIP against throughput × average lead time, with the gap explained."""

    wip_avg: float
    predicted_wip: float
    gap: float
    explanation: str


def littles_law(wip_avg: float, throughput_per_day: float, lead_time_avg_days: float,
                open_wip: float) -> LittlesLaw:
    """Check L = λ·W; ``open_wip`` is the part of the average WIP held by cases still open."""
    predicted = throughput_per_day * lead_time_avg_days
    gap = wip_avg - predicted
    tolerance = max(0.05 * max(wip_avg, predicted), 0.01)
    if abs(gap) <= tolerance:
        explanation = "Average WIP matches throughput × average lead time: the log is in steady state."
    elif gap > 0:
        explanation = (f"Average WIP is {gap:.2f} cases above throughput × lead time: cases still open at "
                       f"the end of the period hold {open_wip:.2f} of it; they count in WIP but not yet "
                       "in throughput or lead time, so WIP is building up or many cases are stuck.")
    else:
        explanation = (f"Average WIP is {-gap:.2f} cases below throughput × lead time: cases that began "
                       "before the period finished in it, counted in throughput and lead time but only "
                       "partly in WIP (the log starts mid-flow, or WIP is being drained).")
    return LittlesLaw(wip_avg, predicted, gap, explanation)


def what_if_lead_time_days(wip_limit: float, throughput_per_day: float) -> float | None:
    """Return the average lead time (working days) a WIP limit gives at today's throughput."""
    if throughput_per_day <= 0 or wip_limit < 0:
        return None
    return wip_limit / throughput_per_day


# Drawn versus measured --------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    """How a step's entered figure compares with the measured median."""

    field: str  # cycle_time_s | wait_time_s
    entered_s: float | None
    measured_s: float | None
    ratio: float | None  # measured / entered
    disagrees: bool


def compare_figure(field: str, entered_s: float | None, measured_s: float | None,
                   tolerance: float) -> Disagreement:
    """Tell whether a measured median lies further from the entered figure than ``tolerance`` (0.25)."""
    if measured_s is None:
        return Disagreement(field, entered_s, None, None, False)
    if not entered_s:
        return Disagreement(field, entered_s, measured_s, None, measured_s > 0)
    ratio = measured_s / entered_s
    return Disagreement(field, entered_s, measured_s, ratio, abs(ratio - 1) > tolerance)


# Monte-Carlo forecasts --------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """The answer of a forecast, with what makes it reproducible."""

    value: float
    runs: int
    seed: int


def _draws(samples: Sequence[float], runs: int, seed: int) -> np.ndarray:
    if not samples:
        raise ValueError("no measured values to forecast from")
    rng = np.random.default_rng(seed)
    return rng.choice(np.asarray(samples, dtype=float), size=runs, replace=True)


def forecast_days(lead_times_days: Sequence[float], confidence: float, runs: int = DEFAULT_RUNS,
                  seed: int = DEFAULT_SEED) -> Forecast:
    """Return the working days within which ``confidence`` of new cases finish (resampled lead times)."""
    draws = _draws(lead_times_days, runs, seed)
    return Forecast(float(np.quantile(draws, confidence)), runs, seed)


def chance_within(lead_times_days: Sequence[float], days: float, runs: int = DEFAULT_RUNS,
                  seed: int = DEFAULT_SEED) -> Forecast:
    """Return the chance that a case started now is done within ``days`` working days."""
    draws = _draws(lead_times_days, runs, seed)
    return Forecast(float(np.mean(draws <= days)), runs, seed)


@dataclass(frozen=True)
class CasesForecast:
    """Cases finished over some working days: p50 (as likely as not), p85 (85 % sure of at least)."""

    p50: float
    p85: float
    working_days: int
    runs: int
    seed: int


def forecast_cases(daily_throughput: Sequence[float], working_days: int, runs: int = DEFAULT_RUNS,
                   seed: int = DEFAULT_SEED) -> CasesForecast:
    """Resample past working days' finished cases to forecast those finished over ``working_days``."""
    if not daily_throughput:
        raise ValueError("no measured throughput to forecast from")
    if working_days <= 0:
        return CasesForecast(0.0, 0.0, 0, runs, seed)
    rng = np.random.default_rng(seed)
    samples = np.asarray(daily_throughput, dtype=float)
    totals = np.zeros(runs)
    for _ in range(working_days):  # one draw per run and day: memory stays runs wide
        totals += rng.choice(samples, size=runs, replace=True)
    return CasesForecast(float(np.quantile(totals, 0.5)), float(np.quantile(totals, 0.15)), working_days,
                         runs, seed)


# One row per case ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSpan:
    """One case of a log on the working clock (seconds): when it started, its last event, when it
    finished (None while open), its worked time (None when its starts and completions do not pair)
    and how many start events it has, with its customer and segment ('' when the log names none)."""

    start_w: int
    last_w: int
    finish_w: int | None
    worked_s: float | None
    starts: int
    customer: str = ""
    segment: str = ""


@dataclass(frozen=True)
class CaseTotals:
    """Counts and sums over a period's cases for throughput, WIP, flow efficiency and Little's law."""

    cases: int
    finished: int
    period_start_w: int | None
    period_end_w: int | None
    lead_time_sum_s: float  # finished cases
    processing_sum_s: float | None  # worked time inside finished cases (None without start events)
    case_time_s: float  # Σ time each case spent inside the period (open cases until its end)
    open_case_time_s: float


def case_totals(spans: Sequence[CaseSpan]) -> CaseTotals:
    """Sum the cases: the period runs from the first start to the last event of any case; an open
    case stays until the period's end."""
    if not spans:
        return CaseTotals(0, 0, None, None, 0.0, None, 0.0, 0.0)
    end = max(s.last_w for s in spans)
    done = [s for s in spans if s.finish_w is not None]
    lead_sum = sum(s.finish_w - s.start_w for s in done)  # type: ignore[operator]
    worked = sum(s.worked_s for s in done if s.worked_s is not None)
    open_time = sum(end - s.start_w for s in spans if s.finish_w is None)
    has_starts = any(s.starts for s in spans)
    return CaseTotals(len(spans), len(done), min(s.start_w for s in spans), end, float(lead_sum),
                      float(worked) if has_starts else None, float(lead_sum + open_time), float(open_time))


def finished_leads(spans: Sequence[CaseSpan]) -> list[tuple[int, int]]:
    """Return (finish, lead time) of the finished cases, on the working clock, newest finish first."""
    done = [(s.finish_w, s.finish_w - s.start_w) for s in spans if s.finish_w is not None]
    return sorted(done, reverse=True)  # type: ignore[arg-type]


def lead_times_by(spans: Sequence[CaseSpan], kind: str) -> dict[str, list[int]]:
    """Group the finished cases' lead times by ``customer`` or ``segment`` (cases naming none left out)."""
    groups: dict[str, list[int]] = {}
    for span in spans:
        name = getattr(span, kind)
        if span.finish_w is not None and name:
            groups.setdefault(name, []).append(span.finish_w - span.start_w)
    return groups


def histogram(values: Sequence[float], width: float) -> list[tuple[int, int]]:
    """Count non-negative values in bins ``width`` wide: [(bin index, count)], by index."""
    counts: dict[int, int] = {}
    for value in values:
        index = math.floor(value / width)
        counts[index] = counts.get(index, 0) + 1
    return sorted(counts.items())


def per_day(clock_values: Sequence[int], hours_s: int) -> dict[int, int]:
    """Count working-clock moments by the working day (index) they fall in."""
    counts: dict[int, int] = {}
    for value in clock_values:
        day = value // hours_s
        counts[day] = counts.get(day, 0) + 1
    return counts
