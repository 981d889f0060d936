"""Waste flags beside a person's tag, the save rules of a step, and changes of a share in points.

Flags are advice: they say why a step looks like waste, with the numbers, and never
change the classification the process owner gave it.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from lms.lean.durations import LARGEST_SHOWN, OUT_OF_RANGE, figure, format_duration, working_day
from lms.lean.metrics import (
    CLASSIFICATIONS,
    WASTE_TYPES,
    StepFigures,
    StreamFigures,
    effective_cycle_time_s,
    is_over_takt,
    processing_time_s,
    stations_needed,
    unconverted_units,
    waiting_time_s,
)
from lms.lean.metrics import takt_time_s as demand_takt_s

FLAG_CODES: tuple[str, ...] = (
    "no-customer-job",
    "waiting",
    "defects",
    "inventory",
    "over-takt",
    "contradiction",
)
DEFECT_THRESHOLD_PCT = 90.0


@dataclass(frozen=True)
class WasteFlag:
    """A computed sign of waste on a step, with a sentence that gives the reason."""

    code: str
    message: str


def format_points(change: float) -> str:
    """Write a change between two shares in percentage points, with its sign: "+0.44 pp", "−5.0 pp"."""
    if not abs(change) <= LARGEST_SHOWN:
        return OUT_OF_RANGE
    if change == 0:
        return "0 pp"
    points = abs(change) * 100
    return ("+" if change > 0 else "−") + (f"{points:.1f} pp" if points >= 1 else f"{points:.2g} pp")


def _no_customer_job(step: StepFigures) -> WasteFlag | None:
    """Flag a step that serves no customer job."""
    if step.job_id is not None:
        return None
    return WasteFlag(
        "no-customer-job",
        "Serves no customer job: every step exists for a customer's job, "
        "so link it to the job it serves or ask why it is done.",
    )


def _waiting(processing_s: float, waiting_s: float, day_s: float | None) -> WasteFlag | None:
    """Flag a step whose work waits longer than it is worked (``waiting_s`` as far as known)."""
    if waiting_s <= processing_s:
        return None
    return WasteFlag(
        "waiting",
        f"Waits {format_duration(waiting_s, day_s)} but is worked "
        f"{format_duration(processing_s, day_s)}: waiting exceeds processing time.",
    )


def _defects(step: StepFigures) -> WasteFlag | None:
    """Flag a step that hands on less than 90 % of its work complete and accurate."""
    pct = step.pct_complete_accurate
    if pct is None or pct >= DEFECT_THRESHOLD_PCT:
        return None
    return WasteFlag(
        "defects",
        f"Only {figure(pct)} % of its work is complete and accurate "
        f"(below {figure(DEFECT_THRESHOLD_PCT)} %): the rest is corrected or redone downstream.",
    )


def _inventory(step: StepFigures, daily_demand: float | None, day_s: float | None) -> WasteFlag | None:
    """Flag an inventory step, saying how much demand it holds in working days (as the waiting flag
    writes the same queue), or what it takes to know."""
    if step.kind != "inventory":
        return None
    stock = "Stock waits here"
    if step.inventory_units:
        stock = f"Holds {figure(step.inventory_units)} units"
        if daily_demand and daily_demand > 0 and day_s is not None:
            held_s = step.inventory_units / daily_demand * day_s
            stock += f", {format_duration(held_s, day_s)} of demand"
    missing = ""
    if unconverted_units(step, daily_demand, day_s):
        needed = "the available time per day" if daily_demand and daily_demand > 0 else "the daily demand"
        missing = f" Set {needed} to count its waiting time in the lead time."
    return WasteFlag(
        "inventory",
        f"{stock}: inventory lengthens the lead time and hides problems.{missing}",
    )


def _over_takt(step: StepFigures, takt_s: float | None, day_s: float | None) -> WasteFlag | None:
    """Flag a process step whose effective cycle time (C/T over uptime) exceeds takt."""
    effective = effective_cycle_time_s(step)
    if takt_s is None or step.cycle_time_s is None or effective is None or not is_over_takt(step, takt_s):
        return None
    cycle = f"Cycle time {format_duration(step.cycle_time_s, day_s)}"
    if step.uptime_pct is not None:
        cycle += (f" at {figure(step.uptime_pct)} % uptime (effective {format_duration(effective, day_s)})"
                  if math.isfinite(effective) else f" at {figure(step.uptime_pct)} % uptime (never up)")
    needed = stations_needed(effective, takt_s)
    remedy = (f" {needed} operators or stations in parallel would bring it within takt."
              if needed is not None else "")
    return WasteFlag(
        "over-takt",
        f"{cycle} exceeds takt {format_duration(takt_s, day_s)}: this step cannot keep pace with customer "
        f"demand.{remedy}",
    )


def _contradiction(step: StepFigures) -> WasteFlag | None:
    """Flag a tag that contradicts its waste types."""
    if step.classification == "value-adding" and step.waste_types:
        return WasteFlag(
            "contradiction",
            f"Tagged value-adding yet carries waste types ({', '.join(step.waste_types)}): "
            "decide which is true.",
        )
    if step.classification == "waste" and not step.waste_types:
        return WasteFlag(
            "contradiction",
            "Tagged waste but names no waste type: say which of the eight wastes it is.",
        )
    return None


def flag_step(
    step: StepFigures,
    *,
    daily_demand: float | None,
    day_s: float | None,
    takt_time_s: float | None,
) -> list[WasteFlag]:
    """Return the waste flags of one step, in FLAG_CODES order.

    ``day_s`` is the stream's working day: inventory is timed in it and durations are written in its
    days (None: the stream has none, inventory cannot be timed, durations are in hours and minutes).
    """
    processing_s = processing_time_s(step)
    waiting_s = waiting_time_s(step, daily_demand, day_s)
    flags = (
        _no_customer_job(step),
        _waiting(processing_s, waiting_s, day_s),
        _defects(step),
        _inventory(step, daily_demand, day_s),
        _over_takt(step, takt_time_s, day_s),
        _contradiction(step),
    )
    return [flag for flag in flags if flag is not None]


def flag_stream(stream: StreamFigures) -> dict[int | None, list[WasteFlag]]:
    """Return every step's flags keyed by step id; steps without an id share the None key."""
    day_s = working_day(stream.available_seconds_per_day)
    takt_s = demand_takt_s(stream.daily_demand, stream.available_seconds_per_day)
    flags: dict[int | None, list[WasteFlag]] = {}
    for step in sorted(stream.steps, key=lambda step: step.position):
        step_flags = flag_step(
            step, daily_demand=stream.daily_demand, day_s=day_s, takt_time_s=takt_s,
        )
        flags.setdefault(step.id, []).extend(step_flags)
    return flags


def classification_errors(
    *, classification: str, job_id: int | None, waste_types: Sequence[str]
) -> dict[str, str]:
    """Return the save rules a step's tag breaks, as field -> message; empty when none."""
    errors: dict[str, str] = {}
    if classification not in CLASSIFICATIONS:
        errors["classification"] = (
            f"Unknown classification: {classification}. Use one of: {', '.join(CLASSIFICATIONS)}."
        )
    elif classification == "value-adding" and job_id is None:
        errors["job_id"] = "A value-adding step must serve a customer job."
    unknown = [waste for waste in dict.fromkeys(waste_types) if waste not in WASTE_TYPES]
    if unknown:
        label = "Unknown waste type" if len(unknown) == 1 else "Unknown waste types"
        errors["waste_types"] = (
            f"{label}: {', '.join(unknown)}. Use one of: {', '.join(WASTE_TYPES)}."
        )
    return errors
