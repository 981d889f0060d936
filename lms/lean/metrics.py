"""Value-stream figures: lead time, processing time, PCE, takt, rolled %C&A, the waste Pareto.

Times are seconds. A day is the stream's available seconds per day when set, else 86,400.
Nothing is rounded here; a ratio is None when its denominator is zero.
Stored figures may be anything a float holds: nothing here raises on them. A figure beyond a float
comes out as inf or nan; ``StreamMetrics.out_of_range`` names those figures and the API shows them
as null.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WASTE_TYPES: tuple[str, ...] = (
    "transport",
    "inventory",
    "motion",
    "waiting",
    "overproduction",
    "overprocessing",
    "defects",
    "skills",
)
CLASSIFICATIONS: tuple[str, ...] = ("value-adding", "necessary", "waste", "unclassified")
STEP_KINDS: tuple[str, ...] = ("process", "inventory")
SECONDS_PER_DAY = 86_400

API_METRIC_KEYS: tuple[str, ...] = (
    "lead_time_s",
    "lead_time_days",
    "processing_time_s",
    "value_added_time_s",
    "pce",
    "activity_ratio",
    "rolled_pct_complete_accurate",
    "takt_time_s",
    "over_takt_step_ids",
    "rework_adjusted_lead_time_s",
    "waste_time_by_type",
    "steps_by_classification",
)


@dataclass(frozen=True)
class StepFigures:
    """The figures of one step of a value-stream map, as walked on the floor."""

    id: int | None
    position: int
    name: str
    kind: str = "process"
    classification: str = "unclassified"
    waste_types: tuple[str, ...] = ()
    cycle_time_s: float | None = None
    changeover_s: float | None = None
    uptime_pct: float | None = None
    operators: int | None = None
    pct_complete_accurate: float | None = None
    wait_time_s: float | None = None
    inventory_units: float | None = None
    job_id: int | None = None


@dataclass(frozen=True)
class StreamFigures:
    """A value stream's demand, working day and steps."""

    daily_demand: float | None
    available_seconds_per_day: float | None
    steps: tuple[StepFigures, ...]


@dataclass(frozen=True)
class StepTiming:
    """One rung of the timeline ladder: a step's processing and waiting time."""

    step_id: int | None
    position: int
    name: str
    processing_s: float
    waiting_s: float
    over_takt: bool

    @property
    def lead_time_s(self) -> float:
        """Return the time the step adds to the lead time: processing plus waiting."""
        return self.processing_s + self.waiting_s


@dataclass(frozen=True)
class StreamMetrics:
    """The figures of a whole value stream, unrounded."""

    lead_time_s: float
    lead_time_days: float
    processing_time_s: float
    value_added_time_s: float
    pce: float | None
    activity_ratio: float | None
    rolled_pct_complete_accurate: float | None
    takt_time_s: float | None
    over_takt_step_ids: list[int]
    rework_adjusted_lead_time_s: float
    waste_time_by_type: dict[str, float]
    steps_by_classification: dict[str, int]
    untagged_count: int
    waste_share: float | None
    step_timings: list[StepTiming]

    @property
    def out_of_range(self) -> list[str]:
        """Name the API figures that came out beyond a float (inf or nan)."""
        names = [key for key in API_METRIC_KEYS if not _finite(getattr(self, key))]
        names += [f"waste_time_by_type.{waste}" for waste, seconds in self.waste_time_by_type.items()
                  if not _finite(seconds)]
        return names

    def as_api_dict(self) -> dict:
        """Return the API's metrics object; a non-finite figure is null and named in out_of_range."""
        values = {key: _finite_or_none(getattr(self, key)) for key in API_METRIC_KEYS}
        values["over_takt_step_ids"] = list(self.over_takt_step_ids)
        values["waste_time_by_type"] = {waste: _finite_or_none(seconds)
                                        for waste, seconds in self.waste_time_by_type.items()}
        values["steps_by_classification"] = dict(self.steps_by_classification)
        if self.out_of_range:
            values["out_of_range"] = self.out_of_range
        return values


def _finite(value: object) -> bool:
    """Tell whether a figure is usable: anything but a float that is inf or nan."""
    return not isinstance(value, float) or math.isfinite(value)


def _finite_or_none(value: object) -> object:
    """Return the figure, or None when it is inf or nan."""
    return value if _finite(value) else None


def total(values: Iterable[float]) -> float:
    """Add figures exactly (fsum); past a float's range give inf, -inf or nan instead of raising."""
    values = list(values)
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):  # an intermediate overflow, or inf + -inf
        return sum(values, 0.0)


def working_day_s(available_seconds_per_day: float | None) -> float:
    """Return the seconds of a working day: the available time when set, else 86,400."""
    if available_seconds_per_day is not None and available_seconds_per_day > 0:
        return float(available_seconds_per_day)
    return float(SECONDS_PER_DAY)


def processing_time_s(step: StepFigures) -> float:
    """Return a process step's cycle time; an inventory step processes nothing."""
    if step.kind == "inventory" or step.cycle_time_s is None:
        return 0.0
    return float(step.cycle_time_s)


def waiting_time_s(step: StepFigures, daily_demand: float | None, day_s: float) -> float:
    """Return the step's wait time plus the days of demand its inventory holds, in seconds."""
    waiting = float(step.wait_time_s or 0.0)
    if daily_demand and daily_demand > 0 and step.inventory_units:
        waiting += step.inventory_units / daily_demand * day_s
    return waiting


def takt_time_s(
    daily_demand: float | None, available_seconds_per_day: float | None
) -> float | None:
    """Return the pace of customer demand: a working day over daily demand; None without demand."""
    if daily_demand is None or daily_demand <= 0:
        return None
    return working_day_s(available_seconds_per_day) / daily_demand


def is_over_takt(step: StepFigures, takt_s: float | None) -> bool:
    """Tell whether a process step's cycle time exceeds takt."""
    if takt_s is None or step.kind != "process" or step.cycle_time_s is None:
        return False
    return step.cycle_time_s > takt_s


def process_cycle_efficiency(value_added_s: float, lead_time_s: float) -> float | None:
    """Return the share of the lead time that adds value; None when nothing is timed."""
    return value_added_s / lead_time_s if lead_time_s else None


def rolled_pct_complete_accurate(steps: Iterable[StepFigures]) -> float | None:
    """Return the chance work passes every step right first time; None when no step says."""
    ratios = [
        step.pct_complete_accurate / 100 for step in steps if step.pct_complete_accurate is not None
    ]
    return math.prod(ratios) if ratios else None


def step_timing(
    step: StepFigures, daily_demand: float | None, day_s: float, takt_s: float | None
) -> StepTiming:
    """Return the step's rung of the timeline ladder."""
    return StepTiming(
        step_id=step.id,
        position=step.position,
        name=step.name,
        processing_s=processing_time_s(step),
        waiting_s=waiting_time_s(step, daily_demand, day_s),
        over_takt=is_over_takt(step, takt_s),
    )


def _waste_time_by_type(
    steps: Sequence[StepFigures], timings: Sequence[StepTiming]
) -> dict[str, float]:
    """Sum each waste's lead time over the steps tagged with it; a step counts once per type."""
    parts: dict[str, list[float]] = {waste: [] for waste in WASTE_TYPES}
    for step, timing in zip(steps, timings, strict=True):
        for waste in dict.fromkeys(step.waste_types):
            if waste in parts:
                parts[waste].append(timing.lead_time_s)
    return {waste: total(times) for waste, times in parts.items()}


def _steps_by_classification(steps: Iterable[StepFigures]) -> dict[str, int]:
    """Count steps per classification; an unknown classification counts as unclassified."""
    counts = dict.fromkeys(CLASSIFICATIONS, 0)
    for step in steps:
        key = step.classification if step.classification in counts else "unclassified"
        counts[key] += 1
    return counts


def _rework_time_s(steps: Sequence[StepFigures], timings: Sequence[StepTiming]) -> float:
    """Sum the expected time lost redoing the share of each step's work that is not right."""
    return total(
        (1 - step.pct_complete_accurate / 100) * timing.lead_time_s
        for step, timing in zip(steps, timings, strict=True)
        if step.pct_complete_accurate is not None
    )


def _time_in_classification(
    steps: Sequence[StepFigures], timings: Sequence[StepTiming], classification: str
) -> tuple[float, float]:
    """Return (processing, processing + waiting) of the steps tagged with a classification."""
    chosen = [
        timing
        for step, timing in zip(steps, timings, strict=True)
        if step.classification == classification
    ]
    return (
        total(timing.processing_s for timing in chosen),
        total(timing.lead_time_s for timing in chosen),
    )


def compute_metrics(stream: StreamFigures) -> StreamMetrics:
    """Compute the figures of a value stream from its steps, in map order."""
    steps = sorted(stream.steps, key=lambda step: step.position)
    day_s = working_day_s(stream.available_seconds_per_day)
    takt_s = takt_time_s(stream.daily_demand, stream.available_seconds_per_day)
    timings = [step_timing(step, stream.daily_demand, day_s, takt_s) for step in steps]
    lead_s = total(timing.lead_time_s for timing in timings)
    processing_s = total(timing.processing_s for timing in timings)
    value_added_s, _ = _time_in_classification(steps, timings, "value-adding")
    _, waste_s = _time_in_classification(steps, timings, "waste")
    by_classification = _steps_by_classification(steps)
    return StreamMetrics(
        lead_time_s=lead_s,
        lead_time_days=lead_s / day_s,
        processing_time_s=processing_s,
        value_added_time_s=value_added_s,
        pce=process_cycle_efficiency(value_added_s, lead_s),
        activity_ratio=processing_s / lead_s if lead_s else None,
        rolled_pct_complete_accurate=rolled_pct_complete_accurate(steps),
        takt_time_s=takt_s,
        over_takt_step_ids=[t.step_id for t in timings if t.over_takt and t.step_id is not None],
        rework_adjusted_lead_time_s=lead_s + _rework_time_s(steps, timings),
        waste_time_by_type=_waste_time_by_type(steps, timings),
        steps_by_classification=by_classification,
        untagged_count=by_classification["unclassified"],
        waste_share=waste_s / lead_s if lead_s else None,
        step_timings=timings,
    )
