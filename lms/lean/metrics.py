"""Value-stream figures: lead time, processing time, PCE, takt, rolled %C&A, the waste Pareto.

Times are seconds of working time. A day is the stream's available seconds per day; a stream
without one has no working day, so no figure in days (never 86,400 s by default).
A figure whose inputs are missing is not computed: it is None, ``StreamMetrics.missing`` names the
inputs it needs and ``StreamMetrics.reasons`` says in a sentence what to enter. Inventory that cannot
be turned into time (no daily demand or no working day) leaves the lead time incomplete: the time
known is ``lead_time_known_s`` and the figures divided by the lead time are withheld.
Nothing is rounded here; a ratio is None when its denominator is zero.
Stored figures may be anything a float holds: nothing here raises on them. A figure beyond a float
comes out as inf or nan; ``StreamMetrics.out_of_range`` names those figures and the API shows them
as null.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lms.lean.durations import working_day
from lms.lean.missing import STREAM_INPUTS, missing_inputs, missing_reasons

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
# Additions to the API's metrics object (issue 14): what is missing, and the figures of entered data.
API_EXTRA_KEYS: tuple[str, ...] = (
    "lead_time_known_s",
    "unconverted_inventory_units",
    "operators_needed",
    "operators_entered",
)
# Every key of the API's metrics object ("out_of_range" comes only when needed).
API_OBJECT_KEYS: tuple[str, ...] = (*API_METRIC_KEYS, *API_EXTRA_KEYS, "missing", "missing_by_figure",
                                    "process_steps")


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
    """One rung of the timeline ladder: a step's processing and waiting time, and its pace.

    ``waiting_s`` is the time known; ``unconverted_units`` are inventory units it leaves out
    because the stream has no daily demand or no working day to turn them into time.
    """

    step_id: int | None
    position: int
    name: str
    processing_s: float
    waiting_s: float
    over_takt: bool
    effective_cycle_time_s: float | None = None
    stations_needed: int | None = None
    unconverted_units: float = 0.0

    @property
    def lead_time_s(self) -> float:
        """Return the time the step adds to the lead time: processing plus waiting (as known)."""
        return self.processing_s + self.waiting_s

    @property
    def complete(self) -> bool:
        """Tell whether every unit waiting at the step is counted in its waiting time."""
        return not self.unconverted_units


@dataclass(frozen=True)
class StreamMetrics:
    """The figures of a whole value stream, unrounded; None where an input is missing."""

    lead_time_s: float | None
    lead_time_days: float | None
    processing_time_s: float
    value_added_time_s: float
    pce: float | None
    activity_ratio: float | None
    rolled_pct_complete_accurate: float | None
    takt_time_s: float | None
    over_takt_step_ids: list[int]
    rework_adjusted_lead_time_s: float | None
    waste_time_by_type: dict[str, float | None]
    steps_by_classification: dict[str, int]
    untagged_count: int
    waste_share: float | None
    step_timings: list[StepTiming]
    lead_time_known_s: float = 0.0
    unconverted_inventory_units: float = 0.0
    operators_needed: float | None = None
    operators_entered: int | None = None
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def lead_time_complete(self) -> bool:
        """Tell whether every step's time is known, so the lead time is."""
        return self.lead_time_s is not None

    @property
    def missing_inputs(self) -> list[str]:
        """Name the stream inputs some figure is missing, in form order."""
        needed = {name for names in self.missing.values() for name in names}
        return [name for name in STREAM_INPUTS if name in needed]

    @property
    def out_of_range(self) -> list[str]:
        """Name the API figures that came out beyond a float (inf or nan)."""
        names = [key for key in API_METRIC_KEYS + API_EXTRA_KEYS if not _finite(getattr(self, key))]
        names += [f"waste_time_by_type.{waste}" for waste, seconds in self.waste_time_by_type.items()
                  if not _finite(seconds)]
        return names

    def as_api_dict(self) -> dict:
        """Return the API's metrics object; a non-finite figure is null and named in out_of_range."""
        values = {key: _finite_or_none(getattr(self, key)) for key in API_METRIC_KEYS + API_EXTRA_KEYS}
        values["over_takt_step_ids"] = list(self.over_takt_step_ids)
        values["waste_time_by_type"] = {waste: _finite_or_none(seconds)
                                        for waste, seconds in self.waste_time_by_type.items()}
        values["steps_by_classification"] = dict(self.steps_by_classification)
        values["missing"] = self.missing_inputs
        values["missing_by_figure"] = {key: list(names) for key, names in self.missing.items()
                                       if key in API_METRIC_KEYS + API_EXTRA_KEYS}
        values["process_steps"] = [
            {"step_id": t.step_id, "effective_cycle_time_s": _finite_or_none(t.effective_cycle_time_s),
             "over_takt": t.over_takt, "stations_needed": t.stations_needed}
            for t in self.step_timings if t.step_id is not None and t.effective_cycle_time_s is not None
        ]
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


def processing_time_s(step: StepFigures) -> float:
    """Return a process step's cycle time; an inventory step processes nothing."""
    if step.kind == "inventory" or step.cycle_time_s is None:
        return 0.0
    return float(step.cycle_time_s)


def _converts_inventory(daily_demand: float | None, day_s: float | None) -> bool:
    """Tell whether units waiting can be turned into time: a daily demand and a working day."""
    return bool(daily_demand and daily_demand > 0 and day_s)


def unconverted_units(step: StepFigures, daily_demand: float | None, day_s: float | None) -> float:
    """Return the units waiting at the step that cannot be turned into time (0 when all can)."""
    if not step.inventory_units or _converts_inventory(daily_demand, day_s):
        return 0.0
    return float(step.inventory_units)


def waiting_time_s(step: StepFigures, daily_demand: float | None, day_s: float | None) -> float:
    """Return the step's wait time plus the days of demand its inventory holds, in seconds.

    Without a daily demand or a working day the inventory cannot be timed: only the wait time is
    returned, and ``unconverted_units`` says what it leaves out.
    """
    waiting = float(step.wait_time_s or 0.0)
    if step.inventory_units and daily_demand and daily_demand > 0 and day_s:
        waiting += step.inventory_units / daily_demand * day_s
    return waiting


def takt_time_s(
    daily_demand: float | None, available_seconds_per_day: float | None
) -> float | None:
    """Return the pace of customer demand: a working day over daily demand; None without either."""
    day_s = working_day(available_seconds_per_day)
    if daily_demand is None or daily_demand <= 0 or day_s is None:
        return None
    return day_s / daily_demand


def effective_cycle_time_s(step: StepFigures) -> float | None:
    """Return a process step's cycle time over its uptime (C/T when no uptime is entered).

    A machine up 85 % of the time needs 1 / 0.85 of its cycle time per good piece on average;
    an uptime of 0 never makes a piece (infinite). None for inventory or an untimed step.
    """
    if step.kind != "process" or step.cycle_time_s is None:
        return None
    if step.uptime_pct is None:
        return float(step.cycle_time_s)
    if step.uptime_pct <= 0:
        return math.inf
    return step.cycle_time_s * 100 / step.uptime_pct


def is_over_takt(step: StepFigures, takt_s: float | None) -> bool:
    """Tell whether a process step's effective cycle time exceeds takt."""
    effective = effective_cycle_time_s(step)
    if takt_s is None or effective is None:
        return False
    return effective > takt_s


def stations_needed(effective_s: float | None, takt_s: float | None) -> int | None:
    """Return how many operators or stations in parallel bring a step over takt to takt or under.

    ``ceil(effective C/T / takt)``: 62 s against a 60 s takt needs 2. None when the step keeps
    pace, or when no number can (an effective cycle time beyond a float).
    """
    if effective_s is None or not takt_s or effective_s <= takt_s:
        return None
    needed = effective_s / takt_s
    return math.ceil(needed) if math.isfinite(needed) else None


def operators_needed(processing_s: float, takt_s: float | None) -> float | None:
    """Return the operators the work needs to keep pace: total cycle time / takt (Rother & Shook)."""
    return processing_s / takt_s if takt_s else None


def operators_entered(steps: Iterable[StepFigures]) -> int | None:
    """Return the operators entered on the process steps; None when no step says."""
    counts = [step.operators for step in steps if step.kind == "process" and step.operators is not None]
    return sum(counts) if counts else None


def process_cycle_efficiency(value_added_s: float, lead_time_s: float | None) -> float | None:
    """Return the share of the lead time that adds value; None when nothing is timed or unknown."""
    return value_added_s / lead_time_s if lead_time_s else None


def rolled_pct_complete_accurate(steps: Iterable[StepFigures]) -> float | None:
    """Return the chance work passes every step right first time; None when no step says."""
    ratios = [
        step.pct_complete_accurate / 100 for step in steps if step.pct_complete_accurate is not None
    ]
    return math.prod(ratios) if ratios else None


def step_timing(
    step: StepFigures, daily_demand: float | None, day_s: float | None, takt_s: float | None
) -> StepTiming:
    """Return the step's rung of the timeline ladder."""
    effective = effective_cycle_time_s(step)
    return StepTiming(
        step_id=step.id,
        position=step.position,
        name=step.name,
        processing_s=processing_time_s(step),
        waiting_s=waiting_time_s(step, daily_demand, day_s),
        over_takt=is_over_takt(step, takt_s),
        effective_cycle_time_s=effective,
        stations_needed=stations_needed(effective, takt_s),
        unconverted_units=unconverted_units(step, daily_demand, day_s),
    )


def waste_shares(waste_types: Iterable[str]) -> list[str]:
    """Return the known waste types of a step, each once: a step's time is shared equally among them."""
    return [waste for waste in dict.fromkeys(waste_types) if waste in WASTE_TYPES]


def _waste_time_by_type(
    steps: Sequence[StepFigures], timings: Sequence[StepTiming]
) -> dict[str, float | None]:
    """Share each step's time equally among its waste types and add it up per type.

    The types' times add up to the time in waste-tagged steps. A type is None when one of its
    steps holds inventory that cannot be timed.
    """
    parts: dict[str, list[float]] = {waste: [] for waste in WASTE_TYPES}
    unknown: set[str] = set()
    for step, timing in zip(steps, timings, strict=True):
        wastes = waste_shares(step.waste_types)
        for waste in wastes:
            parts[waste].append(timing.lead_time_s / len(wastes))
            if not timing.complete:
                unknown.add(waste)
    return {waste: None if waste in unknown else total(times) for waste, times in parts.items()}


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
    day_s = working_day(stream.available_seconds_per_day)
    takt_s = takt_time_s(stream.daily_demand, stream.available_seconds_per_day)
    timings = [step_timing(step, stream.daily_demand, day_s, takt_s) for step in steps]
    known_s = total(timing.lead_time_s for timing in timings)
    unconverted = total(timing.unconverted_units for timing in timings)
    lead_s = None if unconverted else known_s
    processing_s = total(timing.processing_s for timing in timings)
    value_added_s, _ = _time_in_classification(steps, timings, "value-adding")
    _, waste_s = _time_in_classification(steps, timings, "waste")
    by_classification = _steps_by_classification(steps)
    missing = missing_inputs(stream.daily_demand, day_s, unconverted)
    return StreamMetrics(
        lead_time_s=lead_s,
        lead_time_days=lead_s / day_s if lead_s is not None and day_s else None,
        processing_time_s=processing_s,
        value_added_time_s=value_added_s,
        pce=process_cycle_efficiency(value_added_s, lead_s),
        activity_ratio=processing_s / lead_s if lead_s else None,
        rolled_pct_complete_accurate=rolled_pct_complete_accurate(steps),
        takt_time_s=takt_s,
        over_takt_step_ids=[t.step_id for t in timings if t.over_takt and t.step_id is not None],
        rework_adjusted_lead_time_s=None if lead_s is None else lead_s + _rework_time_s(steps, timings),
        waste_time_by_type=_waste_time_by_type(steps, timings),
        steps_by_classification=by_classification,
        untagged_count=by_classification["unclassified"],
        waste_share=waste_s / lead_s if lead_s else None,
        step_timings=timings,
        lead_time_known_s=known_s,
        unconverted_inventory_units=unconverted,
        operators_needed=operators_needed(processing_s, takt_s),
        operators_entered=operators_entered(steps),
        missing=missing,
        reasons=missing_reasons(missing, unconverted),
    )
