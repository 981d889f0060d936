"""The stop-doing list: steps that serve outcomes customers rate overserved, with the time they take.

An outcome is overserved when its newest rating's satisfaction exceeds its importance (Ulwick):
effort beyond what the customer values. The steps that serve its job are candidates for the
overprocessing waste. Each candidate carries the working time its step takes:

* per unit: the step's processing time (its cycle time; an inventory step does no work);
* per week of demand: per unit x the stream's daily demand x 5 working days (a stream works Monday
  to Friday, as ``lms.lean.flow``); absent, with the reason, without a daily demand.

Durations are written in the stream's working day (``lms.lean.durations``).

Worked example (tests/unit/test_stop_doing.py, computed by hand): "Write the detailed repair
report", cycle time 5,400 s, in a stream with a daily demand of 6 and a working day of 27,600 s,
serves an outcome rated importance 4.3, satisfaction 7.8 (overserved by 3.5 points).
Per unit: 5,400 s = 1 h 30 min. Per week: 5,400 x 6 x 5 = 162,000 s; in 27,600-s days that is
5 d (138,000 s) and 24,000 s = 6 h 40 min, written in its two largest units as "5 d 7 h".
"""

from __future__ import annotations

from dataclasses import dataclass

from lms.lean.durations import format_duration
from lms.lean.opportunity import outcome_status

WORKING_DAYS_PER_WEEK = 5  # as lms.lean.flow: a stream works Monday to Friday


@dataclass(frozen=True)
class ServingStepTime:
    """A step that serves an outcome's job, with what its time depends on."""

    step_id: int
    step_name: str
    kind: str  # process or inventory
    cycle_time_s: float | None
    daily_demand: float | None
    day_s: float | None  # the stream's working day; None when it has none


@dataclass(frozen=True)
class StopDoingCandidate:
    """A step to consider stopping: the time it takes and the overserved outcome it serves."""

    step_id: int
    step_name: str
    importance: float
    satisfaction: float
    per_unit_s: float | None
    per_week_s: float | None
    missing: tuple[str, ...]  # why a time is absent
    sentence: str

    @property
    def overserved_by(self) -> float:
        """Return how far satisfaction exceeds importance, in points."""
        return self.satisfaction - self.importance


def is_overserved(importance: float | None, satisfaction: float | None) -> bool:
    """Tell whether a rating says the outcome is overserved (satisfaction above importance)."""
    if importance is None or satisfaction is None:
        return False
    try:
        return outcome_status(importance, satisfaction) == "overserved"
    except ValueError:  # a rating stored off the 0-10 scale is skipped, never raised on
        return False


def step_time(step: ServingStepTime) -> tuple[float | None, float | None, tuple[str, ...]]:
    """Return the working time a step takes per unit and per week of demand, and what is missing."""
    if step.kind == "inventory":
        return 0.0, 0.0, ()
    if step.cycle_time_s is None:
        return None, None, (f"'{step.step_name}' has no cycle time: enter it to see the time it takes.",)
    per_unit = float(step.cycle_time_s)
    if not step.daily_demand or step.daily_demand <= 0:
        return per_unit, None, ("The stream has no daily demand: the time per week cannot be computed.",)
    return per_unit, per_unit * step.daily_demand * WORKING_DAYS_PER_WEEK, ()


def candidate(step: ServingStepTime, importance: float, satisfaction: float) -> StopDoingCandidate:
    """Make a stop-doing candidate of a step serving an outcome rated ``importance``, ``satisfaction``."""
    per_unit, per_week, missing = step_time(step)
    rated = f"an outcome rated importance {importance:.1f}, satisfaction {satisfaction:.1f}"
    if per_unit is None:
        sentence = f"{step.step_name} serves {rated}."
    else:
        weekly = "" if per_week is None else f" ({format_duration(per_week, step.day_s)} a week of demand)"
        unit = format_duration(per_unit, step.day_s)
        sentence = f"{step.step_name}: {unit} per unit{weekly} serves {rated}."
    return StopDoingCandidate(step.step_id, step.step_name, importance, satisfaction, per_unit, per_week,
                              missing, sentence)
