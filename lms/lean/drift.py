"""Metric drift (Goodhart): does a KPI still move with the customer outcomes it stands for.

A KPI is assessed over a window (as_of - window_days, as_of]. Its trend is a Theil-Sen
fit, which a single mistyped measurement cannot swing; an outcome's change is its
newest minus its oldest satisfaction inside the window.

The rules read a KPI's measurements only through ``WindowFacts`` (how many fall in the window,
on how many days, the newest, the fitted change). ``window_facts_many`` (``drift_window``)
computes them for thousands of KPIs at once from three numpy columns, with a vectorised
Theil-Sen that gives the same floats as ``theil_sen``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean, median

from lms.lazy import LazyModule
from lms.lean.drift_window import NO_FACTS, WindowFacts, as_days, window_facts_many

np = LazyModule("numpy")  # imported on first use: `lms --help` and most commands never need it

STATUSES = ("orphan", "stale", "insufficient-data", "measures-waste", "diverging", "aligned")
DIRECTIONS = ("increase", "decrease")

# Fitted changes are sums of float slopes; without slack a series that rose exactly
# 5 % could compute as 4.9999999999 % and miss the threshold it meets.
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Measurement:
    """One value of a KPI on a date."""

    measured_on: date
    value: float


@dataclass(frozen=True)
class SatisfactionPoint:
    """One survey wave's satisfaction (0-10) with an outcome."""

    rated_on: date
    satisfaction: float


@dataclass(frozen=True)
class LinkedOutcome:
    """A customer outcome a KPI is linked to, with its satisfaction ratings."""

    outcome_id: int
    statement: str
    ratings: tuple[SatisfactionPoint, ...]


@dataclass(frozen=True)
class KpiSeries:
    """A KPI with its measurements, linked outcomes and the classification of its step."""

    kpi_id: int
    name: str
    unit: str
    direction: str
    measurements: tuple[Measurement, ...]
    outcomes: tuple[LinkedOutcome, ...]
    step_classification: str | None = None


@dataclass(frozen=True)
class DriftSettings:
    """The window, staleness and thresholds a drift assessment uses."""

    window_days: int = 180
    stale_days: int = 45
    min_measurements: int = 4
    min_change: float = 0.05


@dataclass(frozen=True)
class DriftAssessment:
    """A KPI's drift status, why, and the changes it rests on."""

    kpi_id: int
    status: str
    reasons: list[str]
    kpi_change: float | None
    outcome_changes: dict[int, float | None]
    window_days: int
    as_of: date

    def as_api_dict(self) -> dict:
        """Render the assessment as the JSON API shows it."""
        return {
            "kpi_id": self.kpi_id,
            "status": self.status,
            "reasons": list(self.reasons),
            "kpi_change": self.kpi_change,
            "outcome_changes": {str(k): v for k, v in self.outcome_changes.items()},
            "window_days": self.window_days,
        }


@dataclass(frozen=True)
class _Window:
    """The days (start, end] an assessment looks at."""

    start: date
    end: date
    days: int

    def holds(self, day: date) -> bool:
        """Tell whether a day falls inside the window."""
        return self.start < day <= self.end


@dataclass(frozen=True)
class _Evidence:
    """What the window holds for one KPI, gathered once for every rule."""

    kpi: KpiSeries
    window: _Window
    settings: DriftSettings
    facts: WindowFacts
    kpi_change: float | None
    ratings: dict[int, list[SatisfactionPoint]]
    outcome_changes: dict[int, float | None]


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


def satisfaction_change(ratings: Sequence[SatisfactionPoint]) -> float | None:
    """Return the newest minus the oldest satisfaction; None with fewer than two rating dates."""
    ends = _satisfaction_ends(ratings)
    return None if ends is None else ends[1] - ends[0]


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
    facts: WindowFacts | None = None,
) -> DriftAssessment:
    """Assess whether a KPI has drifted away from the customer outcomes it is linked to.

    ``facts`` stand in for ``kpi.measurements`` when the caller computed them for many KPIs
    at once (``window_facts_many``); without them they are computed from the measurements.
    """
    if kpi.direction not in DIRECTIONS:
        raise ValueError(f"KPI {kpi.kpi_id}: direction {kpi.direction!r} not in {DIRECTIONS}")
    if facts is None:
        facts = window_facts(kpi.measurements, as_of, settings)
    evidence = _gather(kpi, as_of, settings, facts)
    status, reasons = _judge(evidence)
    return DriftAssessment(
        kpi_id=kpi.kpi_id,
        status=status,
        reasons=reasons,
        kpi_change=evidence.kpi_change,
        outcome_changes=evidence.outcome_changes,
        window_days=settings.window_days,
        as_of=as_of,
    )


def _satisfaction_ends(ratings: Sequence[SatisfactionPoint]) -> tuple[float, float] | None:
    """Return the mean satisfaction on the oldest and on the newest rating date."""
    days = {r.rated_on for r in ratings}
    if len(days) < 2:
        return None

    def mean_on(day: date) -> float:
        return fmean([r.satisfaction for r in ratings if r.rated_on == day])

    return mean_on(min(days)), mean_on(max(days))


def _gather(kpi: KpiSeries, as_of: date, settings: DriftSettings, facts: WindowFacts) -> _Evidence:
    """Keep the ratings that fall in the window and compute the outcomes' changes."""
    window = _Window(as_of - timedelta(days=settings.window_days), as_of, settings.window_days)
    ratings = {
        o.outcome_id: [r for r in o.ratings if window.holds(r.rated_on)] for o in kpi.outcomes
    }
    return _Evidence(
        kpi=kpi,
        window=window,
        settings=settings,
        facts=facts,
        kpi_change=facts.kpi_change,
        ratings=ratings,
        outcome_changes={oid: satisfaction_change(rs) for oid, rs in ratings.items()},
    )


def _judge(evidence: _Evidence) -> tuple[str, list[str]]:
    """Return the first status that applies, in priority order, with its reasons."""
    for rule in (_orphan, _stale, _insufficient, _measures_waste, _diverging):
        verdict = rule(evidence)
        if verdict is not None:
            return verdict
    return "aligned", _aligned_reasons(evidence)


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
            f"{found} {_plural(count, 'measurement')} in the last {days} days; {needed} are needed."
        ]
    if evidence.facts.distinct_days < 2:
        return "insufficient-data", [
            f"The {count} {_plural(count, 'measurement')} in the last {days} days all fall on "
            f"{evidence.facts.first_day.isoformat()}; spread them over time to show a trend."
        ]
    return None


def _plural(count: int, noun: str) -> str:
    """Put a noun in the singular for a count of one, in the plural otherwise."""
    return noun if count == 1 else f"{noun}s"


def _measures_waste(evidence: _Evidence) -> tuple[str, list[str]] | None:
    """Flag a KPI that measures a step tagged waste."""
    if evidence.kpi.step_classification != "waste":
        return None
    return "measures-waste", [
        f"{evidence.kpi.name} measures a step tagged waste: improving it speeds up work "
        "the customer does not need; remove the step, or measure the outcome instead."
    ]


def _moved_better(evidence: _Evidence) -> bool:
    """Tell whether the KPI moved the better way by at least the minimum change."""
    change = evidence.kpi_change
    if change is None:
        return False
    threshold = evidence.settings.min_change - _TOLERANCE
    return change >= threshold if evidence.kpi.direction == "increase" else -change >= threshold


def _any_outcome_gained(evidence: _Evidence) -> bool:
    """Tell whether any linked outcome gained satisfaction over the window."""
    return any(c is not None and c > 0 for c in evidence.outcome_changes.values())


def _diverging(evidence: _Evidence) -> tuple[str, list[str]] | None:
    """Flag a KPI that improved while none of its outcomes gained satisfaction."""
    if not _moved_better(evidence) or _any_outcome_gained(evidence):
        return None
    outcomes = evidence.kpi.outcomes
    if len(outcomes) == 1:
        tail = f"satisfaction with {_outcome_move(evidence, outcomes[0])}"
    else:
        moves = "; ".join(_outcome_move(evidence, o) for o in outcomes)
        tail = f"none of its {len(outcomes)} linked outcomes gained satisfaction: {moves}"
    return "diverging", [
        f"{_kpi_move(evidence)} while {tail}.",
        "Check that the KPI still stands for what the customer needs before rewarding it.",
    ]


def _aligned_reasons(evidence: _Evidence) -> list[str]:
    """Say why a KPI counts as aligned."""
    if evidence.kpi_change is None:
        return [
            f"{evidence.kpi.name}'s fitted start is 0, so its change cannot be stated "
            "relative to it; read the trend on the chart."
        ]
    if not _moved_better(evidence):
        return [_short_move_reason(evidence)]
    gained = [o for o in evidence.kpi.outcomes if (evidence.outcome_changes[o.outcome_id] or 0) > 0]
    moves = "; ".join(_outcome_move(evidence, o) for o in gained)
    return [f"{_kpi_move(evidence)} and satisfaction moved with it: {moves}."]


def _percent(fraction: float) -> str:
    """Format a fraction as a percentage with at most one decimal: 0.48 -> 48, 0.125 -> 12.5."""
    return f"{abs(fraction) * 100:.1f}".removesuffix(".0")


def _short_move_reason(evidence: _Evidence) -> str:
    """Say why a KPI's move is not one that can drift from its outcomes."""
    change = evidence.kpi_change or 0.0
    better = change > 0 if evidence.kpi.direction == "increase" else change < 0
    if change and not better:
        direction = evidence.kpi.direction
        return f"{_kpi_move(evidence)}, the wrong way for a KPI that should {direction}."
    minimum = _percent(evidence.settings.min_change)
    return f"{_kpi_move(evidence)}, less than the {minimum} % improvement that counts as a move."


def _kpi_move(evidence: _Evidence) -> str:
    """Say how far the KPI moved over the window."""
    name, days, change = evidence.kpi.name, evidence.window.days, evidence.kpi_change or 0.0
    if change == 0:
        return f"{name} held level over {days} days"
    verb = "rose" if change > 0 else "fell"
    return f"{name} {verb} {_percent(change)} % in {days} days"


def _outcome_move(evidence: _Evidence, outcome: LinkedOutcome) -> str:
    """Say how satisfaction with one outcome moved over the window."""
    ends = _satisfaction_ends(evidence.ratings[outcome.outcome_id])
    if ends is None:
        return f"'{outcome.statement}' was not rated twice in the window"
    before, after = ends
    if after == before:
        return f"'{outcome.statement}' stayed at {after:.1f}"
    verb = "rose" if after > before else "fell"
    return f"'{outcome.statement}' {verb} from {before:.1f} to {after:.1f}"
