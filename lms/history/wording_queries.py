"""The audit trail in words: fields named as the pages name them, values in the pages' units."""

from __future__ import annotations

from typing import Any

from lms.audit import field_label
from lms.lean.circumstances import percent
from lms.lean.durations import format_duration

# Fields that hold one of a few words (written lower-case with hyphens when stored).
CHOICE_FIELDS = {"kind", "state", "classification", "necessity", "coordination", "dimension", "direction",
                 "status", "stage", "waste_type", "role"}


def value_text(field: str, value: Any) -> str:
    """Return a stored value as the pages write it: durations in time units, lists and counts in words."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.endswith("_s") and isinstance(value, int | float):
        # The trail spans records of many streams: written in hours, which every stream shares.
        return format_duration(value, None)
    if field.endswith("_pct") or field == "pct_complete_accurate":
        return f"{value:g} %" if isinstance(value, int | float) else str(value)
    if isinstance(value, dict):
        return ", ".join(f"{count:,} {what.replace('_', ' ')}" if isinstance(count, int)
                         else f"{what.replace('_', ' ')}: {count}" for what, count in value.items()) or "—"
    if field == "share" and isinstance(value, int | float):
        return percent(value)
    if field.endswith("_jobs") and isinstance(value, list | tuple):
        return ", ".join(f"“{statement}”" for statement in value)
    if isinstance(value, list | tuple):
        return ", ".join(str(item).replace("-", " ") for item in value)
    if isinstance(value, str) and field in CHOICE_FIELDS:
        return value.replace("-", " ").capitalize()
    return str(value)


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """Return (field label, before, after) in words for every field an event names."""
    before, after = before or {}, after or {}
    fields = list(dict.fromkeys([*after, *before]))
    return [(field_label(f), value_text(f, before.get(f)), value_text(f, after.get(f))) for f in fields]
