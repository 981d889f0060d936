"""Which figures of a value stream cannot be computed from what was entered, and what to enter.

A figure whose inputs are missing is absent, never computed from a default: takt needs the daily
demand and the available time per day; inventory becomes time only with both, so without them the
lead time is incomplete and every figure divided by it is withheld; days need a working day.
"""

from collections.abc import Sequence

# The stream inputs a figure can be missing, in the order a form asks for them, with their names.
STREAM_INPUTS: dict[str, str] = {
    "daily_demand": "the daily demand",
    "available_seconds_per_day": "the available time per day",
}


def _count(value: float) -> str:
    """Write a count for a sentence: 7,000 or 12.5."""
    return f"{value:,.1f}".removesuffix(".0")


def _inputs(names: Sequence[str]) -> str:
    """Name the inputs for a sentence: 'the daily demand and the available time per day'."""
    return " and ".join(STREAM_INPUTS[name] for name in names)


def missing_inputs(
    daily_demand: float | None, day_s: float | None, unconverted: float
) -> dict[str, tuple[str, ...]]:
    """Return, for each figure that cannot be computed, the stream inputs it needs.

    ``day_s`` is the stream's working day (None without one); ``unconverted`` the units waiting
    that cannot be turned into time.
    """
    day_missing = () if day_s else ("available_seconds_per_day",)
    pace = (() if daily_demand and daily_demand > 0 else ("daily_demand",)) + day_missing
    missing: dict[str, tuple[str, ...]] = {}
    if pace:
        missing |= dict.fromkeys(("takt_time_s", "over_takt_step_ids", "operators_needed"), pace)
    if unconverted:
        missing |= dict.fromkeys(("lead_time_s", "pce", "activity_ratio", "rework_adjusted_lead_time_s",
                                  "waste_share", "waste_time_by_type"), pace)
    days = pace if unconverted else day_missing
    if days:
        missing["lead_time_days"] = days
    return missing


def missing_reasons(missing: dict[str, tuple[str, ...]], unconverted: float) -> dict[str, str]:
    """Say for each missing figure, in a sentence a person can act on, what to enter."""
    reasons: dict[str, str] = {}
    if "lead_time_s" in missing:
        reasons["lead_time_s"] = (f"Set {_inputs(missing['lead_time_s'])} to turn the "
                                  f"{_count(unconverted)} units waiting into days.")
        for key in ("pce", "activity_ratio", "rework_adjusted_lead_time_s", "waste_share",
                    "waste_time_by_type"):
            reasons[key] = "Withheld: the lead time is incomplete."
    if "lead_time_days" in missing and "lead_time_s" not in missing:
        reasons["lead_time_days"] = f"Set {_inputs(missing['lead_time_days'])} to count it in working days."
    if "takt_time_s" in missing:
        inputs = _inputs(missing["takt_time_s"])
        reasons["takt_time_s"] = f"No takt: set {inputs} to know the pace of demand."
        reasons["over_takt_step_ids"] = reasons["operators_needed"] = f"Needs takt: set {inputs}."
    return reasons
