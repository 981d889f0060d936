"""The one validation of the organization's drift settings: used by the settings form and the service."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from lms.schema_types import Strict, number_within

# The drift settings an admin may change: (label, lowest, highest). The one range of their values,
# for the settings form, this schema and the importer.
DRIFT_SETTINGS: dict[str, tuple[str, float, float]] = {
    "drift_window_days": ("The drift window", 30, 730),
    "drift_stale_days": ("The staleness limit", 1, 365),
    "drift_min_change_pct": ("The minimum KPI change", 0, 100),
    "drift_min_satisfaction_change": ("The minimum meaningful change of satisfaction", 0, 10),
}


def range_message(name: str) -> str:
    """Say the range of a drift setting: "The drift window must be between 30 and 730."."""
    label, low, high = DRIFT_SETTINGS[name]
    return f"{label} must be between {low:g} and {high:g}."


def _setting(name: str) -> Any:
    _, low, high = DRIFT_SETTINGS[name]
    whole = name.endswith("_days")
    return Annotated[int if whole else float, number_within(low, high, range_message(name), whole=whole)]


class DriftSettingsIn(Strict):
    """How the drift of KPIs and outcomes is judged in the organization; days are whole days."""

    drift_window_days: _setting("drift_window_days") = Field(  # type: ignore[valid-type]
        description="A KPI's measurements and its outcomes' ratings in this many days up to today count.")
    drift_stale_days: _setting("drift_stale_days") = Field(  # type: ignore[valid-type]
        description="A KPI not measured for longer is stale.")
    drift_min_change_pct: _setting("drift_min_change_pct") = Field(  # type: ignore[valid-type]
        description="A smaller change of a KPI's trend, in %, counts as holding steady.")
    drift_min_satisfaction_change: _setting("drift_min_satisfaction_change") = Field(  # type: ignore[valid-type]
        description="A smaller change of satisfaction (0-10 points) counts as no change.")
