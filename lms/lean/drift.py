"""Metric drift (Goodhart): does a KPI still move with the customer outcomes it stands for.

A KPI is assessed over a window (as_of - window_days, as_of]. Its trend is a Theil-Sen fit, which
a single mistyped measurement cannot swing, and its noise is the robust scatter of the measurements
about that fit: the KPI moved only when its trend moved further than the noise band. An outcome's
change is its newest minus its oldest satisfaction inside the window, within one segment, with
the survey's sampling error (``drift_outcomes``).

The verdict is the first status that applies, in the order of ``STATUSES``; the last four weigh
the KPI's move (better, worse, steady) against the outcomes' (improved, worse, steady, unsettled,
or unrated).

The rules read a KPI's measurements only through ``WindowFacts`` (how many fall in the window, on
how many days, the newest, the fitted trend and its noise). ``window_facts_many`` (``drift_window``)
computes them for thousands of KPIs at once from three numpy columns, with a vectorised Theil-Sen
that gives the same floats as ``theil_sen`` and ``trend_noise``.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, partial
from statistics import median

from lms.lazy import LazyModule
from lms.lean.drift_outcomes import SatisfactionChange, SatisfactionPoint, outcome_change
from lms.lean.drift_window import MAD_TO_SD, NO_FACTS, WindowFacts, as_days, window_facts_many
from lms.lean.drift_words import KpiTrend, outcome_phrase, plural, verdict_reasons, what_would_settle

np = LazyModule("numpy")  # imported on first use: `lms --help` and most commands never need it

__all__ = ["SatisfactionPoint"]  # defined with the outcomes' evidence; imported from here too

STATUSES = ("orphan", "stale", "insufficient-data", "measures-waste", "worsening", "diverging",
            "inconclusive", "aligned")
ALARMS = ("worsening", "diverging")  # a KPI that moves against its customer: raise it in the review
DIRECTIONS = ("increase", "decrease")
NOISE_BAND = 2.0  # the band is the trend ± 2 robust standard deviations of the measurements

# Fitted changes are sums of float slopes; without slack a series that rose exactly
# 5 % could compute as 4.9999999999 % and miss the threshold it meets.
_TOLERANCE = 1e-9
# Beyond a tripling, "from 0.5 to 3" says more than "+500 %".
_MAX_RELATIVE_RISE = 3.0


@dataclass(frozen=True)
class Measurement:
    """One value of a KPI on a date."""

    measured_on: date
    value: float


@dataclass(frozen=True)
class LinkedOutcome:
    """A customer outcome a KPI is linked to, with its satisfaction ratings."""

    outcome_id: int
    statement: str
    ratings: tuple[SatisfactionPoint, ...]


@dataclass(frozen=True)
class KpiSeries:
    """A KPI with its measurements, linked outcomes, target and the classification of its step."""

    kpi_id: int
    name: str
    unit: str
    direction: str
    measurements: tuple[Measurement, ...]
    outcomes: tuple[LinkedOutcome, ...]
    step_classification: str | None = None
    target: float | None = None


@dataclass(frozen=True)
class DriftSettings:
    """The window, staleness and thresholds a drift assessment uses."""

    window_days: int = 180
    stale_days: int = 45
    min_measurements: int = 4
    min_change: float = 0.05  # the smallest relative KPI change that counts, where percentages apply
    min_satisfaction_change: float = 0.5  # points: a smaller change without respondent counts is none


@dataclass(frozen=True)
class DriftAssessment:
    """A KPI's drift status, why, and the changes it rests on.

    The reasons are worded when first read: the dashboard reads the statuses of 1,000 KPIs and the
    sentences of a few.
    """

    kpi_id: int
    status: str
    kpi_change: float | None
    outcome_changes: dict[int, float | None]
    window_days: int
    as_of: date
    kpi_move: str | None = None  # better, worse or steady; None without a trend
    kpi_start: float | None = None  # the trend's value on the first measuring day in the window
    kpi_end: float | None = None  # ... and on the last
    kpi_noise: float | None = None  # half-width of the noise band, in the KPI's unit
    outcome_margins: dict[int, float | None] = field(default_factory=dict)  # 95 % half-widths
    outcome_moves: dict[int, str] = field(default_factory=dict)  # improved ... or unrated
    outcome_segments: dict[int, str | None] = field(default_factory=dict)
    target_status: str | None = None  # on-track, off-track; None without a target or a value
    latest_value: float | None = None  # the newest measurement in the window
    segment: str | None = None  # the one segment the assessment was asked for
    explain: Callable[[], list[str]] = field(default=list, compare=False, repr=False)

    @cached_property
    def reasons(self) -> list[str]:
        """Return the sentences that say why, a manager's reading of the evidence."""
        return self.explain()

    def as_api_dict(self) -> dict:
        """Render the assessment as the JSON API shows it."""
        return {
            "kpi_id": self.kpi_id,
            "status": self.status,
            "reasons": list(self.reasons),
            "kpi_change": self.kpi_change,
            "outcome_changes": {str(k): v for k, v in self.outcome_changes.items()},
            "window_days": self.window_days,
            "kpi_move": self.kpi_move,
            "kpi_start": self.kpi_start,
            "kpi_end": self.kpi_end,
            "kpi_noise": self.kpi_noise,
            "outcome_margins": {str(k): v for k, v in self.outcome_margins.items()},
            "outcome_moves": {str(k): v for k, v in self.outcome_moves.items()},
            "outcome_segments": {str(k): v for k, v in self.outcome_segments.items()},
            "target_status": self.target_status,
            "latest_value": self.latest_value,
            "segment": self.segment,
        }


@dataclass(frozen=True)
class _Window:
    """The days (start, end] an assessment looks at."""

    start: date
    end: date
    days: int


@dataclass(frozen=True)
class _Evidence:
    """What the window holds for one KPI, gathered once for every rule."""

    kpi: KpiSeries
    window: _Window
    settings: DriftSettings
    facts: WindowFacts
    trend: KpiTrend | None
    ratings: dict[int, list[SatisfactionPoint]]
    changes: dict[int, SatisfactionChange | None]

    @property
    def kpi_move(self) -> str | None:
        """Return how the KPI moved: better, worse, steady; None without a trend."""
        return None if self.trend is None else self.trend.move

    def outcome_move(self, outcome_id: int) -> str:
        """Return how one outcome moved, or ``unrated`` when it was not rated twice by one segment."""
        change = self.changes[outcome_id]
        return "unrated" if change is None else change.move


def theil_sen(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """Fit (slope, intercept) by the median of pairwise slopes; None with < 2 distinct x."""
    slopes = [
        (y2 - y1) / (x2 - x1)
        for i, (x1, y1) in enumerate(points)
        for x2, y2 in points[i + 1 :]
        if x2 != x1
    ]
    if not slopes:
        return None
    slope = median(slopes)
    intercept = median(y - slope * x for x, y in points)
    return slope, intercept


def trend_noise(points: Sequence[tuple[float, float]], fit: tuple[float, float]) -> float:
    """Return the robust standard deviation of the points about a fit: 1.4826 x median |residual|."""
    slope, intercept = fit
    return MAD_TO_SD * median(abs((y - slope * x) - intercept) for x, y in points)


def relative_change(
    measurements: Sequence[Measurement], *, origin: date | None = None
) -> float | None:
    """Return the fitted change from first to last measurement relative to the fitted start."""
    if len(measurements) < 2:
        return None
    days = sorted(m.measured_on for m in measurements)
    origin = origin or days[0]
    fit = theil_sen([((m.measured_on - origin).days, m.value) for m in measurements])
    if fit is None:
        return None
    slope, intercept = fit
    start = intercept + slope * (days[0] - origin).days
    end = intercept + slope * (days[-1] - origin).days
    return (end - start) / abs(start) if start else None


def satisfaction_change(ratings: Sequence[SatisfactionPoint], minimum: float = 0.5) -> float | None:
    """Return the newest minus the oldest satisfaction of one segment; None unless rated twice."""
    change = outcome_change(ratings, minimum)
    return None if change is None else change.change


def window_facts(
    measurements: Sequence[Measurement], as_of: date, settings: DriftSettings = DriftSettings()
) -> WindowFacts:
    """Return what one KPI's measurements come to in the window that ends on ``as_of``."""
    start = as_of - timedelta(days=settings.window_days)
    past = [m.measured_on for m in measurements if m.measured_on <= as_of]
    inside = [m for m in measurements if start < m.measured_on <= as_of]
    facts = window_facts_many(
        np.zeros(len(inside), dtype=np.int64),
        as_days([m.measured_on for m in inside]),
        np.array([m.value for m in inside], dtype=np.float64),
        start, as_of, {0: max(past)} if past else {},
    )
    return facts.get(0, NO_FACTS)


def assess_drift(
    kpi: KpiSeries, as_of: date, settings: DriftSettings = DriftSettings(),
    facts: WindowFacts | None = None, segment: str | None = None,
) -> DriftAssessment:
    """Assess whether a KPI has drifted away from the customer outcomes it is linked to.

    ``facts`` stand in for ``kpi.measurements`` when the caller computed them for many KPIs
    at once (``window_facts_many``); without them they are computed from the measurements.
    With ``segment``, only that segment's ratings count.
    """
    if kpi.direction not in DIRECTIONS:
        raise ValueError(f"KPI {kpi.kpi_id}: direction {kpi.direction!r} not in {DIRECTIONS}")
    if facts is None:
        facts = window_facts(kpi.measurements, as_of, settings)
    evidence = _gather(kpi, as_of, settings, facts, segment)
    status, explain = _judge(evidence)
    trend = evidence.trend
    changes: dict[int, float | None] = {}
    margins: dict[int, float | None] = {}
    moves: dict[int, str] = {}
    segments: dict[int, str | None] = {}
    for oid, c in evidence.changes.items():
        changes[oid], margins[oid] = (None, None) if c is None else (c.change, c.margin)
        moves[oid], segments[oid] = ("unrated", None) if c is None else (c.move, c.segment)
    return DriftAssessment(
        kpi_id=kpi.kpi_id,
        status=status,
        explain=explain,
        kpi_change=None if trend is None else trend.change,
        outcome_changes=changes,
        window_days=settings.window_days,
        as_of=as_of,
        kpi_move=evidence.kpi_move,
        kpi_start=None if trend is None else trend.start,
        kpi_end=None if trend is None else trend.end,
        kpi_noise=None if trend is None else trend.band,
        outcome_margins=margins,
        outcome_moves=moves,
        outcome_segments=segments,
        target_status=target_status(kpi, facts.newest_value),
        latest_value=facts.newest_value,
        segment=segment,
    )


def target_status(kpi: KpiSeries, latest: float | None) -> str | None:
    """Say whether the newest measurement meets the KPI's target; None without either."""
    if kpi.target is None or latest is None:
        return None
    met = latest >= kpi.target if kpi.direction == "increase" else latest <= kpi.target
    return "on-track" if met else "off-track"


def _kpi_trend(kpi: KpiSeries, facts: WindowFacts, settings: DriftSettings) -> KpiTrend | None:
    """Read the KPI's fitted trend: its ends, noise band, a percentage where meaningful, its move."""
    start, end = facts.fitted_start, facts.fitted_end
    if start is None or end is None:
        return None
    band = NOISE_BAND * (facts.noise or 0.0)
    delta = end - start
    meaningful = start * end > 0 and abs(start) > band and abs(end) <= _MAX_RELATIVE_RISE * abs(start)
    change = facts.kpi_change if meaningful else None
    if abs(delta) <= band or (change is not None and abs(change) < settings.min_change - _TOLERANCE):
        move = "steady"
    else:
        move = "better" if (delta > 0) == (kpi.direction == "increase") else "worse"
    return KpiTrend(kpi.name, kpi.unit, kpi.direction, settings.window_days, start, end, band, change,
                    move, settings.min_change)


def _gather(kpi: KpiSeries, as_of: date, settings: DriftSettings, facts: WindowFacts,
            segment: str | None) -> _Evidence:
    """Keep the ratings that fall in the window and weigh the outcomes' changes."""
    window = _Window(as_of - timedelta(days=settings.window_days), as_of, settings.window_days)
    start, end = window.start, window.end
    ratings = {o.outcome_id: [r for r in o.ratings if start < r.rated_on <= end] for o in kpi.outcomes}
    if segment is not None:
        ratings = {oid: [r for r in rs if r.segment == segment] for oid, rs in ratings.items()}
    minimum = settings.min_satisfaction_change
    return _Evidence(
        kpi=kpi,
        window=window,
        settings=settings,
        facts=facts,
        trend=_kpi_trend(kpi, facts, settings),
        ratings=ratings,
        changes={oid: outcome_change(rs, minimum, segment) for oid, rs in ratings.items()},
    )


def _judge(evidence: _Evidence) -> tuple[str, Callable[[], list[str]]]:
    """Return the first status that applies, in priority order, with what words its reasons."""
    for rule in (_orphan, _stale, _insufficient, _measures_waste):
        verdict = rule(evidence)
        if verdict is not None:
            return verdict[0], partial(list, verdict[1])
    return _weigh(evidence)


def _orphan(evidence: _Evidence) -> tuple[str, list[str]] | None:
    """Flag a KPI tied to no customer outcome."""
    if evidence.kpi.outcomes:
        return None
    return "orphan", [
        "Tied to no customer outcome: link it to the outcome it stands for, or retire it."
    ]


def _stale(evidence: _Evidence) -> tuple[str, list[str]] | None:
    """Flag a KPI whose newest measurement up to as_of is older than the stale limit."""
    as_of = evidence.window.end
    newest = evidence.facts.newest_day
    if newest is None:
        return None
    age = (as_of - newest).days
    limit = evidence.settings.stale_days
    if age <= limit:
        return None
    return "stale", [
        f"No measurement since {newest.isoformat()} ({age} days; stale after {limit})."
    ]


def _insufficient(evidence: _Evidence) -> tuple[str, list[str]] | None:
    """Flag a KPI with too few measurements, or too few measuring days, to show a trend."""
    count = evidence.facts.count
    needed = evidence.settings.min_measurements
    days = evidence.window.days
    if count < needed or not count:
        found = f"Only {count}" if count else "No"
        return "insufficient-data", [
            f"{found} {plural(count, 'measurement')} in the last {days} days; {needed} are needed."
        ]
    if evidence.facts.distinct_days < 2 or evidence.trend is None:
        return "insufficient-data", [
            f"The {count} {plural(count, 'measurement')} in the last {days} days all fall on "
            f"{evidence.facts.first_day.isoformat()}; spread them over time to show a trend."
        ]
    return None


def _measures_waste(evidence: _Evidence) -> tuple[str, list[str]] | None:
    """Flag a KPI that measures a step tagged waste."""
    if evidence.kpi.step_classification != "waste":
        return None
    return "measures-waste", [
        f"{evidence.kpi.name} measures a step tagged waste: improving it speeds up work "
        "the customer does not need; remove the step, or measure the outcome instead."
    ]


def _outcome_side(evidence: _Evidence) -> str:
    """Return how the outcomes moved together: one improvement is enough, then a loss, then doubt."""
    moves = {evidence.outcome_move(o.outcome_id) for o in evidence.kpi.outcomes}
    return next(side for side in ("improved", "worse", "unsettled", "steady", "unrated")
                if side in moves)


# The status for each (KPI move, outcomes' move); any pair not listed is inconclusive.
_VERDICTS = {
    ("better", "improved"): "aligned", ("steady", "improved"): "aligned", ("steady", "steady"): "aligned",
    ("better", "worse"): "diverging", ("better", "steady"): "diverging",
    ("worse", "worse"): "worsening",
}


def _weigh(evidence: _Evidence) -> tuple[str, Callable[[], list[str]]]:
    """Weigh the KPI's move against its outcomes': worsening, diverging, inconclusive or aligned."""
    trend = evidence.trend
    if trend is None:  # guarded by _insufficient: a KPI with measurements on two days has a trend
        raise ValueError(f"KPI {evidence.kpi.kpi_id} has no trend to weigh")
    side = _outcome_side(evidence)
    status = _VERDICTS.get((trend.move, side), "inconclusive")
    return status, partial(_weighed_reasons, evidence, trend, status, side)


def _weighed_reasons(evidence: _Evidence, trend: KpiTrend, status: str, side: str) -> list[str]:
    """Word the reasons of a weighed status, with the KPI's and the outcomes' figures."""
    minimum = evidence.settings.min_satisfaction_change
    phrases = {o.outcome_id: outcome_phrase(o.statement, evidence.changes[o.outcome_id],
                                            evidence.ratings[o.outcome_id], minimum)
               for o in evidence.kpi.outcomes}
    improved = [phrase for oid, phrase in phrases.items() if evidence.outcome_move(oid) == "improved"]
    unsettled = [c for c in evidence.changes.values() if c is not None and c.move == "unsettled"]
    return verdict_reasons(status, trend, side, list(phrases.values()), improved,
                           what_would_settle(side, unsettled, minimum))
