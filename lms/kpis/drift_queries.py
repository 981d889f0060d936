"""Read KPI series through bounded queries and assess their drift, one KPI or a page at once.

Only what the drift window holds is read: measurements and ratings in (as_of - window, as_of],
plus the date of each KPI's newest measurement up to as_of (an aggregate) to tell staleness.
However many KPIs are assessed, the number of queries stays the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain
from typing import NamedTuple

from sqlalchemy import Integer, Select, String, cast, func, select, type_coerce

from lms import content, tenancy
from lms.db import today
from lms.extensions import db
from lms.lazy import LazyModule
from lms.lean.drift import (
    DriftAssessment,
    DriftSettings,
    KpiSeries,
    LinkedOutcome,
    Measurement,
    SatisfactionPoint,
    assess_drift,
)
from lms.lean.drift_window import NO_FACTS, WindowFacts, as_days, window_facts_many
from lms.models import Kpi, KpiMeasurement, KpiOutcomeLink, Organization, Outcome, OutcomeRating, Step

np = LazyModule("numpy")  # imported on first use: `lms --help` and most commands never need it


@dataclass(frozen=True)
class KpiDrift:
    """A KPI's drift assessment and the day it was last measured (up to the assessment day)."""

    assessment: DriftAssessment
    last_measured_on: date | None

    @property
    def status(self) -> str:
        """Return the drift status."""
        return self.assessment.status

    @property
    def reasons(self) -> list[str]:
        """Return the sentences that explain the status."""
        return self.assessment.reasons


class KpiName(NamedTuple):
    """What an assessment of the whole organization reads of a KPI: no records for 1,000 KPIs."""

    id: int
    name: str
    unit: str
    direction: str
    target: float | None


def acting_organization() -> Organization:
    """Return the organization the current request or command acts for."""
    organization = db.session.get(Organization, tenancy.current_organization_id())
    if organization is None:
        raise RuntimeError("KPI drift needs an organization to act for")
    return organization


def drift_settings(organization: Organization) -> DriftSettings:
    """Return the organization's drift window, staleness limit and minimum changes."""
    return DriftSettings(
        window_days=organization.drift_window_days,
        stale_days=organization.drift_stale_days,
        min_change=organization.drift_min_change_pct / 100,
        min_satisfaction_change=organization.drift_min_satisfaction_change,
    )


def window_start(as_of: date, settings: DriftSettings) -> date:
    """Return the exclusive first day of the window that ends on ``as_of``."""
    return as_of - timedelta(days=settings.window_days)


def _only(stmt: Select, column, ids: Sequence[int] | None) -> Select:
    """Restrict a statement to some KPIs; ``None`` means every KPI of the organization."""
    return stmt if ids is None else stmt.where(column.in_(ids))


_ROWS_PER_FETCH = 5_000


def _window_columns(ids, start: date, as_of: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the window's measurements as columns: KPI ids, days (datetime64[D]) and values.

    The statement seeks each KPI's window in the covering (organization, KPI, day, value)
    index; it never reads a measurement outside the window.
    """
    # An IN list of KPIs, not a join: SQLite (without statistics) would otherwise scan the
    # organization's whole index and filter on the day.
    kpis = select(Kpi.id).scalar_subquery() if ids is None else ids
    within = (KpiMeasurement.kpi_id.in_(kpis), KpiMeasurement.measured_on > start,
              KpiMeasurement.measured_on <= as_of)
    if db.engine.dialect.name == "postgresql":
        return _window_arrays(within, start)
    # The day as the driver gives it (an ISO string on SQLite): ``as_days`` reads them in one
    # pass, where the Date type would parse 26,000 strings one by one.
    day = type_coerce(KpiMeasurement.measured_on, String)
    stmt = select(KpiMeasurement.kpi_id, day, KpiMeasurement.value).where(*within)
    if ids is None:
        # The whole organization's window (26,000 rows), fetched in batches into three lists of
        # plain values: no rows outlive their batch for the garbage collector to trace.
        stmt = stmt.execution_options(yield_per=_ROWS_PER_FETCH)
    kpi_ids: list[int] = []
    days: list = []
    values: list[float] = []
    for kpi_id, day_value, value in db.session.execute(stmt):
        kpi_ids.append(kpi_id)
        days.append(day_value)
        values.append(value)
    return np.array(kpi_ids, dtype=np.int64), as_days(days), np.array(values, dtype=np.float64)


def _window_arrays(within, start: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read the window as one row per KPI of two arrays (PostgreSQL): its days and its values.

    26,000 measurements come as 1,000 rows instead of 26,000: building rows in the driver, not
    the statement, was most of the read (200 of 220 ms on the benchmark organization). Days
    come as whole days after ``start`` (``date - date`` is an integer), values as the stored
    floats (SQLite keeps one row per measurement: its float-to-text conversion is not exact).
    """
    offset = cast(KpiMeasurement.measured_on - start, Integer)
    stmt = (select(KpiMeasurement.kpi_id, func.array_agg(offset), func.array_agg(KpiMeasurement.value))
            .where(*within).group_by(KpiMeasurement.kpi_id))
    kpi_ids: list[int] = []
    offsets: list[list[int]] = []
    values: list[list[float]] = []
    for kpi_id, kpi_offsets, kpi_values in db.session.execute(stmt):
        kpi_ids.append(kpi_id)
        offsets.append(kpi_offsets)
        values.append(kpi_values)
    counts = np.fromiter(map(len, offsets), dtype=np.int64, count=len(offsets))
    total = int(counts.sum())
    days = np.datetime64(start, "D") + np.fromiter(chain.from_iterable(offsets), dtype=np.int64, count=total)
    return (np.repeat(np.array(kpi_ids, dtype=np.int64), counts), days,
            np.fromiter(chain.from_iterable(values), dtype=np.float64, count=total))


def _window_measurements(ids, start: date, as_of: date) -> dict[int, list[Measurement]]:
    kpi_ids, days, values = _window_columns(ids, start, as_of)
    order = np.lexsort((days, kpi_ids))
    found: dict[int, list[Measurement]] = defaultdict(list)
    for kpi_id, day, value in zip(kpi_ids[order].tolist(), days[order].tolist(), values[order].tolist(),
                                  strict=True):
        found[kpi_id].append(Measurement(day, value))
    return found


def _kpi_facts(ids, as_of: date) -> tuple[dict[int, date], dict[int, str]]:
    """Return each KPI's newest measurement day up to as_of, and the classification of its step."""
    # One max() per KPI, correlated: each is a single seek on the (kpi_id, measured_on) index,
    # where a GROUP BY would read every measurement up to as_of.
    newest = (select(func.max(KpiMeasurement.measured_on))
              .where(KpiMeasurement.kpi_id == Kpi.id, KpiMeasurement.measured_on <= as_of)
              .correlate(Kpi).scalar_subquery())
    stmt = _only(select(Kpi.id, newest, Step.classification).outerjoin(Step, Step.id == Kpi.step_id),
                 Kpi.id, ids)
    last, classifications = {}, {}
    for kpi_id, day, classification in db.session.execute(stmt):
        if day is not None:
            last[kpi_id] = day
        if classification is not None:
            classifications[kpi_id] = classification
    return last, classifications


def _linked_outcomes(ids) -> dict[int, list[tuple[int, str]]]:
    stmt = _only(select(KpiOutcomeLink.kpi_id, Outcome.id, Outcome.statement)
                 .join(Outcome, Outcome.id == KpiOutcomeLink.outcome_id)
                 .order_by(KpiOutcomeLink.kpi_id, Outcome.id), KpiOutcomeLink.kpi_id, ids)
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for kpi_id, outcome_id, statement in db.session.execute(stmt):
        found[kpi_id].append((outcome_id, statement))
    return found


def _window_ratings(ids, start: date, as_of: date) -> dict[int, list[SatisfactionPoint]]:
    """Return the window's ratings of the linked outcomes, with their respondent counts and segments."""
    linked = _only(select(KpiOutcomeLink.outcome_id), KpiOutcomeLink.kpi_id, ids)
    stmt = (select(OutcomeRating.outcome_id, OutcomeRating.rated_on, OutcomeRating.satisfaction,
                   OutcomeRating.respondents, OutcomeRating.segment)
            .where(OutcomeRating.outcome_id.in_(linked.scalar_subquery()),
                   OutcomeRating.rated_on > start, OutcomeRating.rated_on <= as_of)
            .order_by(OutcomeRating.outcome_id, OutcomeRating.rated_on))
    found: dict[int, list[SatisfactionPoint]] = defaultdict(list)
    for outcome_id, rated_on, satisfaction, respondents, segment in db.session.execute(stmt):
        found[outcome_id].append(SatisfactionPoint(rated_on, satisfaction, respondents, segment))
    return found


def _series(kpis: Sequence[Kpi | KpiName], ids, start: date, as_of: date,
            measurements: dict[int, list[Measurement]],
            classifications: dict[int, str]) -> dict[int, KpiSeries]:
    """Build each KPI's series from its outcomes (with the window's ratings) and its step."""
    links = _linked_outcomes(ids)
    ratings = _window_ratings(ids, start, as_of) if links else {}
    return {
        kpi.id: KpiSeries(
            kpi_id=kpi.id, name=kpi.name, unit=kpi.unit, direction=kpi.direction,
            measurements=tuple(measurements.get(kpi.id, ())),
            outcomes=tuple(LinkedOutcome(oid, statement, tuple(ratings.get(oid, ())))
                           for oid, statement in links.get(kpi.id, ())),
            step_classification=classifications.get(kpi.id), target=kpi.target,
        )
        for kpi in kpis
    }


def load_series(kpis: Sequence[Kpi], as_of: date, settings: DriftSettings, *,
                whole_organization: bool = False) -> tuple[dict[int, KpiSeries], dict[int, date]]:
    """Build each KPI's series from four bounded queries; also return each one's last measured day.

    ``whole_organization`` says that ``kpis`` are all of the organization's KPIs, so the
    queries need no list of ids (which could outgrow a statement's parameters).
    """
    if not kpis:
        return {}, {}
    ids = None if whole_organization else [k.id for k in kpis]
    start = window_start(as_of, settings)
    measurements = _window_measurements(ids, start, as_of)
    last, classifications = _kpi_facts(ids, as_of)
    for kpi_id, newest in last.items():
        if newest <= start:
            # Before the window: it only dates the last measurement, for staleness; no rule
            # reads its value, which is why the aggregate does not fetch it.
            measurements[kpi_id] = [Measurement(newest, 0.0), *measurements.get(kpi_id, [])]
    return _series(kpis, ids, start, as_of, measurements, classifications), last


# Every table the measurements' facts of the whole organization read: a new rating or link does not
# fit 1,000 KPIs' trends again.
FACTS_READS = frozenset(model.__tablename__ for model in (Kpi, KpiMeasurement))


def _measurement_facts(ids, start: date, as_of: date, last: dict[int, date]) -> dict[int, WindowFacts]:
    """Return each KPI's facts of the window (days, newest, fitted trend, noise) from its measurements.

    For the whole organization (``ids`` None) they are kept across writes that touch no KPI or
    measurement (``lms.content``); ``last`` is read from the same measurements.
    """
    def compute() -> dict[int, WindowFacts]:
        return window_facts_many(*_window_columns(ids, start, as_of), start, as_of, last)

    if ids is not None:
        return compute()
    return content.cache.get("kpi-window-facts", (start, as_of), compute, reads=FACTS_READS)


def assess_kpis(kpis: Sequence[Kpi | KpiName], as_of: date | None = None, *,
                organization: Organization | None = None,
                whole_organization: bool = False, segment: str | None = None) -> dict[int, KpiDrift]:
    """Assess the drift of many KPIs with a fixed number of queries, keyed by KPI id.

    The measurements stay numpy columns: their facts for every KPI come from one vectorised
    pass (``window_facts_many``), not from a list of records per KPI. With ``segment``, only
    that segment's ratings count.
    """
    as_of = as_of or today()
    settings = drift_settings(organization or acting_organization())
    if not kpis:
        return {}
    ids = None if whole_organization else [k.id for k in kpis]
    start = window_start(as_of, settings)
    last, classifications = _kpi_facts(ids, as_of)
    facts = _measurement_facts(ids, start, as_of, last)
    series = _series(kpis, ids, start, as_of, {}, classifications)
    return {kpi.id: KpiDrift(assess_drift(series[kpi.id], as_of, settings, facts.get(kpi.id, NO_FACTS),
                                          segment), last.get(kpi.id))
            for kpi in kpis}


def assess_kpi(kpi: Kpi, as_of: date | None = None, segment: str | None = None) -> KpiDrift:
    """Assess one KPI's drift as of a day (today by default), within one segment if given."""
    return assess_kpis([kpi], as_of, segment=segment)[kpi.id]


def assess_organization(organization: Organization,
                        as_of: date | None = None) -> list[tuple[KpiName, KpiDrift]]:
    """Assess every KPI of an organization, by name; for the dashboard, the command line and reports."""
    kpis = [KpiName(*row) for row in db.session.execute(
        select(Kpi.id, Kpi.name, Kpi.unit, Kpi.direction, Kpi.target).order_by(Kpi.name, Kpi.id))]
    drift = assess_kpis(kpis, as_of, organization=organization, whole_organization=True)
    return [(kpi, drift[kpi.id]) for kpi in kpis]


CHART_MIN_DAYS = 365


def trend_spec(kpi: Kpi, as_of: date | None = None, segment: str | None = None) -> dict:
    """Return the data of a KPI's trend chart: a year (or the window, if longer) up to as_of.

    With ``segment`` the outcomes' satisfaction is that segment's ratings only.
    """
    as_of = as_of or today()
    settings = drift_settings(acting_organization())
    start = as_of - timedelta(days=max(settings.window_days, CHART_MIN_DAYS))
    points = db.session.execute(
        select(KpiMeasurement.measured_on, KpiMeasurement.value)
        .where(KpiMeasurement.kpi_id == kpi.id, KpiMeasurement.measured_on > start,
               KpiMeasurement.measured_on <= as_of).order_by(KpiMeasurement.measured_on)).tuples().all()
    links = _linked_outcomes([kpi.id]).get(kpi.id, [])
    ratings: dict[int, list[tuple[str, float]]] = defaultdict(list)
    if links:
        of_segment = () if segment is None else (OutcomeRating.segment == segment,)
        rows = db.session.execute(
            select(OutcomeRating.outcome_id, OutcomeRating.rated_on, func.avg(OutcomeRating.satisfaction))
            .where(OutcomeRating.outcome_id.in_([oid for oid, _ in links]),
                   OutcomeRating.rated_on > start, OutcomeRating.rated_on <= as_of, *of_segment)
            .group_by(OutcomeRating.outcome_id, OutcomeRating.rated_on)
            .order_by(OutcomeRating.outcome_id, OutcomeRating.rated_on)).tuples()
        for outcome_id, rated_on, satisfaction in rows:
            ratings[outcome_id].append((rated_on.isoformat(), round(float(satisfaction), 3)))
    return {
        "kpi_id": kpi.id, "name": kpi.name, "unit": kpi.unit, "direction": kpi.direction,
        "target": kpi.target, "as_of": as_of.isoformat(),
        "chart_start": start.isoformat(), "window_start": window_start(as_of, settings).isoformat(),
        "window_days": settings.window_days,
        "points": [(day.isoformat(), value) for day, value in points],
        "outcomes": [{"id": oid, "statement": statement if segment is None else f"{statement} ({segment})",
                      "points": ratings.get(oid, [])}
                     for oid, statement in links],
    }
