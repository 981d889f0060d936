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

from sqlalchemy import Select, func, select

from lms import tenancy
from lms.db import utcnow
from lms.extensions import db
from lms.lean.drift import (
    DriftAssessment,
    DriftSettings,
    KpiSeries,
    LinkedOutcome,
    Measurement,
    SatisfactionPoint,
    assess_drift,
)
from lms.models import Kpi, KpiMeasurement, KpiOutcomeLink, Organization, Outcome, OutcomeRating, Step


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


def today() -> date:
    """Return today's date in UTC, the day assessments are made for unless told otherwise."""
    return utcnow().date()


def acting_organization() -> Organization:
    """Return the organization the current request or command acts for."""
    organization = db.session.get(Organization, tenancy.current_organization_id())
    if organization is None:
        raise RuntimeError("KPI drift needs an organization to act for")
    return organization


def drift_settings(organization: Organization) -> DriftSettings:
    """Return the organization's drift window, staleness limit and minimum change."""
    return DriftSettings(
        window_days=organization.drift_window_days,
        stale_days=organization.drift_stale_days,
        min_change=organization.drift_min_change_pct / 100,
    )


def window_start(as_of: date, settings: DriftSettings) -> date:
    """Return the exclusive first day of the window that ends on ``as_of``."""
    return as_of - timedelta(days=settings.window_days)


def _only(stmt: Select, column, ids: Sequence[int] | None) -> Select:
    """Restrict a statement to some KPIs; ``None`` means every KPI of the organization."""
    return stmt if ids is None else stmt.where(column.in_(ids))


def _window_measurements(ids, start: date, as_of: date) -> dict[int, list[Measurement]]:
    stmt = _only(select(KpiMeasurement.kpi_id, KpiMeasurement.measured_on, KpiMeasurement.value)
                 .where(KpiMeasurement.measured_on > start, KpiMeasurement.measured_on <= as_of)
                 .order_by(KpiMeasurement.kpi_id, KpiMeasurement.measured_on), KpiMeasurement.kpi_id, ids)
    found: dict[int, list[Measurement]] = defaultdict(list)
    for kpi_id, measured_on, value in db.session.execute(stmt):
        found[kpi_id].append(Measurement(measured_on, value))
    return found


def _last_measured(ids, as_of: date) -> dict[int, date]:
    # One max() per KPI, correlated: each is a single seek on the (kpi_id, measured_on) index,
    # where a GROUP BY would read every measurement up to as_of.
    newest = (select(func.max(KpiMeasurement.measured_on))
              .where(KpiMeasurement.kpi_id == Kpi.id, KpiMeasurement.measured_on <= as_of)
              .correlate(Kpi).scalar_subquery())
    stmt = _only(select(Kpi.id, newest), Kpi.id, ids)
    return {kpi_id: day for kpi_id, day in db.session.execute(stmt) if day is not None}


def _linked_outcomes(ids) -> dict[int, list[tuple[int, str]]]:
    stmt = _only(select(KpiOutcomeLink.kpi_id, Outcome.id, Outcome.statement)
                 .join(Outcome, Outcome.id == KpiOutcomeLink.outcome_id)
                 .order_by(KpiOutcomeLink.kpi_id, Outcome.id), KpiOutcomeLink.kpi_id, ids)
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for kpi_id, outcome_id, statement in db.session.execute(stmt):
        found[kpi_id].append((outcome_id, statement))
    return found


def _window_ratings(ids, start: date, as_of: date) -> dict[int, list[SatisfactionPoint]]:
    linked = _only(select(KpiOutcomeLink.outcome_id), KpiOutcomeLink.kpi_id, ids)
    stmt = (select(OutcomeRating.outcome_id, OutcomeRating.rated_on, OutcomeRating.satisfaction)
            .where(OutcomeRating.outcome_id.in_(linked.scalar_subquery()),
                   OutcomeRating.rated_on > start, OutcomeRating.rated_on <= as_of)
            .order_by(OutcomeRating.outcome_id, OutcomeRating.rated_on))
    found: dict[int, list[SatisfactionPoint]] = defaultdict(list)
    for outcome_id, rated_on, satisfaction in db.session.execute(stmt):
        found[outcome_id].append(SatisfactionPoint(rated_on, satisfaction))
    return found


def _step_classifications(ids) -> dict[int, str]:
    stmt = _only(select(Kpi.id, Step.classification).join(Step, Step.id == Kpi.step_id), Kpi.id, ids)
    return dict(db.session.execute(stmt).tuples().all())


def load_series(kpis: Sequence[Kpi], as_of: date, settings: DriftSettings, *,
                whole_organization: bool = False) -> tuple[dict[int, KpiSeries], dict[int, date]]:
    """Build each KPI's series from five bounded queries; also return each one's last measured day.

    ``whole_organization`` says that ``kpis`` are all of the organization's KPIs, so the
    queries need no list of ids (which could outgrow a statement's parameters).
    """
    if not kpis:
        return {}, {}
    ids = None if whole_organization else [k.id for k in kpis]
    start = window_start(as_of, settings)
    measurements = _window_measurements(ids, start, as_of)
    last = _last_measured(ids, as_of)
    links = _linked_outcomes(ids)
    ratings = _window_ratings(ids, start, as_of) if links else {}
    classifications = _step_classifications(ids)
    series = {}
    for kpi in kpis:
        points = measurements.get(kpi.id, [])
        newest = last.get(kpi.id)
        if newest is not None and newest <= start:
            # Before the window: it only dates the last measurement, for staleness; no rule
            # reads its value, which is why the aggregate does not fetch it.
            points = [Measurement(newest, 0.0), *points]
        series[kpi.id] = KpiSeries(
            kpi_id=kpi.id, name=kpi.name, unit=kpi.unit, direction=kpi.direction,
            measurements=tuple(points),
            outcomes=tuple(LinkedOutcome(oid, statement, tuple(ratings.get(oid, ())))
                           for oid, statement in links.get(kpi.id, ())),
            step_classification=classifications.get(kpi.id),
        )
    return series, last


def assess_kpis(kpis: Sequence[Kpi], as_of: date | None = None, *, organization: Organization | None = None,
                whole_organization: bool = False) -> dict[int, KpiDrift]:
    """Assess the drift of many KPIs with a fixed number of queries, keyed by KPI id."""
    as_of = as_of or today()
    settings = drift_settings(organization or acting_organization())
    series, last = load_series(kpis, as_of, settings, whole_organization=whole_organization)
    return {kpi_id: KpiDrift(assess_drift(s, as_of, settings), last.get(kpi_id))
            for kpi_id, s in series.items()}


def assess_kpi(kpi: Kpi, as_of: date | None = None) -> KpiDrift:
    """Assess one KPI's drift as of a day (today by default)."""
    return assess_kpis([kpi], as_of)[kpi.id]


def assess_organization(organization: Organization, as_of: date | None = None) -> list[tuple[Kpi, KpiDrift]]:
    """Assess every KPI of an organization, by name; for the command line and reports."""
    kpis = list(db.session.scalars(select(Kpi).order_by(Kpi.name, Kpi.id)))
    drift = assess_kpis(kpis, as_of, organization=organization, whole_organization=True)
    return [(kpi, drift[kpi.id]) for kpi in kpis]


CHART_MIN_DAYS = 365


def trend_spec(kpi: Kpi, as_of: date | None = None) -> dict:
    """Return the data of a KPI's trend chart: a year (or the window, if longer) up to as_of."""
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
        rows = db.session.execute(
            select(OutcomeRating.outcome_id, OutcomeRating.rated_on, func.avg(OutcomeRating.satisfaction))
            .where(OutcomeRating.outcome_id.in_([oid for oid, _ in links]),
                   OutcomeRating.rated_on > start, OutcomeRating.rated_on <= as_of)
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
        "outcomes": [{"id": oid, "statement": statement, "points": ratings.get(oid, [])}
                     for oid, statement in links],
    }
