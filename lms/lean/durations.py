"""Durations as people read and write them: working time, a day being the stream's working day.

Every duration lms stores is seconds of working time. A day, written ``d``, is the stream's working
day: its available time per day. A stream without available time has no working day; its durations
are written in hours and minutes, and ``d`` means nothing there (never 24 hours).

``format_duration`` writes a figure in its two largest units ("10 d 6 h", "2 h 5 min") for pages,
charts and sentences; ``write_duration`` writes a stored value exactly ("1 d 3 h 45 min") for a form
to show back; ``parse_duration`` reads what a person types ("1.5 d", "1 h 30 min", "57600").
"""

from __future__ import annotations

import math
import re

# What a page shows for a figure beyond a float's range, or too large to read (over 31 million years
# in seconds; only values stored before the schemas' bounds get there).
OUT_OF_RANGE = "out of range"
LARGEST_SHOWN = 1e15

_MINUTE_S = 60
_HOUR_S = 3_600
_CLOCK_UNITS: tuple[tuple[str, float], ...] = (("h", _HOUR_S), ("min", _MINUTE_S), ("s", 1))
_UNIT_NAMES = {
    "d": "d", "day": "d", "days": "d",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "min": "min", "mins": "min", "minute": "min", "minutes": "min", "m": "min",
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
}
_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_PART = re.compile(rf"\s*({_NUMBER})\s*([a-z]+)\s*")
# Plain seconds: 57600, 4.5, 27,600 or 1e6 (a number as a spreadsheet writes it).
_PLAIN = re.compile(rf"(?:{_NUMBER}|\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?)(?:e[+-]?\d+)?")
NO_DAY = ("This stream has no working day: set its available time per day to enter days, "
          "or write the duration in hours and minutes (e.g. 16 h).")
EXAMPLES = "45 s, 15 min, 2 h, 1.5 d, 1 h 30 min, or plain seconds such as 57600"


def working_day(available_seconds_per_day: float | None) -> float | None:
    """Return a stream's working day in seconds: its available time per day, or None when not set."""
    if available_seconds_per_day is None or not available_seconds_per_day > 0:
        return None
    return float(available_seconds_per_day)


def _units(day_s: float | None) -> list[tuple[str, float]]:
    """Return the units durations are written in, largest first: d (when there is a day), h, min, s."""
    if day_s is None or not 1 <= day_s <= LARGEST_SHOWN:  # a day under a second is not one
        return list(_CLOCK_UNITS)
    return [("d", day_s), *((name, size) for name, size in _CLOCK_UNITS if size < day_s)]


def _round_half_up(value: float) -> int:
    """Round to the nearest whole number, halves up, as people expect on a page."""
    return math.floor(value + 0.5)


def figure(value: float) -> str:
    """Write a number with thousands separators and at most one decimal: 4,600, 87.5."""
    if not abs(value) <= LARGEST_SHOWN:
        return OUT_OF_RANGE
    return f"{value:,.1f}".removesuffix(".0")


def format_duration(seconds: float, day_s: float | None) -> str:
    """Write a duration in its two largest units: "10 d 6 h" in working days of ``day_s``, "2 h 5 min".

    Without a working day (``day_s`` None) the largest unit is the hour: "83 h 5 min".
    """
    if not abs(seconds) <= LARGEST_SHOWN:  # also true of nan
        return OUT_OF_RANGE
    if seconds < 0:
        return "-" + format_duration(-seconds, day_s)
    if round(seconds, 1) < _MINUTE_S:
        return f"{figure(seconds)} s"
    return _two_units(max(seconds, _MINUTE_S), _units(day_s))  # 59.97 s reads "1 min"


def _two_units(seconds: float, units: list[tuple[str, float]]) -> str:
    """Write at least a minute in the largest unit it reaches and the next, rounded to the second."""
    index = next((i for i, (_, size) in enumerate(units) if seconds >= size), len(units) - 1)
    name, size = units[index]
    if index == len(units) - 1:
        return f"{_round_half_up(seconds / size)} {name}"
    small_name, small = units[index + 1]
    count = math.floor(seconds / size)
    rest = _round_half_up((seconds - count * size) / small)
    if rest * small >= size:  # the rest rounded up to a whole unit: carry it
        count, rest = count + 1, 0
    rounded = count * size + rest * small
    if index > 0 and rounded >= units[index - 1][1]:  # rounding reached the next unit up
        return _two_units(units[index - 1][1] * (rounded // units[index - 1][1]), units)
    return f"{count} {name} {rest} {small_name}" if rest else f"{count} {name}"


def format_day(day_s: float | None) -> str:
    """Say once what a day is on a stream's pages."""
    if day_s is None:
        return ("No working day is set: durations are written in hours and minutes. "
                "Set the available time per day to read them in working days.")
    return f"1 d = one working day of {format_duration(day_s, None)}."


def write_duration(seconds: float | None, day_s: float | None) -> str:
    """Write a stored duration exactly, for a form to show back: "2 h", "1 d 3 h 45 min", "4.5 s".

    ``parse_duration`` reads the text back to the same seconds. A duration that is not a whole
    number of seconds beyond a minute is written in seconds ("1234.5 s").
    """
    if seconds is None:
        return ""
    if not abs(seconds) <= LARGEST_SHOWN or seconds < 0:
        return _plain(seconds)
    if seconds < _MINUTE_S or not float(seconds).is_integer():
        return f"{_plain(seconds)} s"
    units = _units(day_s)
    if not all(float(size).is_integer() for _, size in units):
        units = list(_CLOCK_UNITS)  # a fractional day does not split whole seconds exactly
    rest = int(seconds)
    parts = []
    for name, size in units:
        count, rest = divmod(rest, int(size))
        if count:
            parts.append(f"{count} {name}")
    return " ".join(parts) or "0 s"


def _plain(value: float) -> str:
    """Write a number the way a person types it: 27600, not 27600.0; 4.5 as 4.5."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def parse_duration(text: str, day_s: float | None, *, no_day_message: str | None = None) -> float:
    """Read a duration a person typed, in seconds: "45 s", "15 min", "2 h", "1.5 d", "1 h 30 min", "57600".

    A plain number is seconds. ``d`` is a working day of ``day_s``; without one it is refused (with
    ``no_day_message`` when given). Raise ValueError with a message a person can act on.
    """
    cleaned = " ".join(str(text).strip().lower().split())
    if not cleaned:
        raise ValueError(f"Enter a duration, e.g. {EXAMPLES}.")
    if cleaned.startswith("-"):
        raise ValueError("A duration cannot be negative.")
    if _PLAIN.fullmatch(cleaned):
        return float(cleaned.replace(",", ""))
    seconds, seen, at = 0.0, set(), 0
    for match in _PART.finditer(cleaned):
        if match.start() != at:
            break
        at = match.end()
        unit = _UNIT_NAMES.get(match.group(2))
        if unit is None or unit in seen:
            raise ValueError(f"Not a duration: {text.strip()!r}. Write it as {EXAMPLES}.")
        seen.add(unit)
        if unit == "d" and day_s is None:
            raise ValueError(no_day_message or NO_DAY)
        size = day_s if unit == "d" else dict(_CLOCK_UNITS)[unit]
        seconds += float(match.group(1)) * float(size)  # type: ignore[arg-type]
    if at != len(cleaned) or not seen:
        raise ValueError(f"Not a duration: {text.strip()!r}. Write it as {EXAMPLES}.")
    return seconds


# The API keeps seconds and adds, beside each duration the pages write in days, the same figure in
# working days: null when the stream has no working day.
DAY_FIGURES: tuple[tuple[str, str], ...] = (
    ("processing_time_s", "processing_time_days"),
    ("value_added_time_s", "value_added_time_days"),
    ("takt_time_s", "takt_time_days"),
    ("rework_adjusted_lead_time_s", "rework_adjusted_lead_time_days"),
)
STEP_DAY_FIGURES: tuple[tuple[str, str], ...] = (
    ("cycle_time_s", "cycle_time_days"),
    ("changeover_s", "changeover_days"),
    ("wait_time_s", "wait_time_days"),
)


def in_days(seconds: float | None, day_s: float | None) -> float | None:
    """Return a duration in working days of ``day_s``; None without a day, a duration, or a finite result."""
    if seconds is None or day_s is None:
        return None
    days = seconds / day_s
    return days if math.isfinite(days) else None


def metrics_in_days(metrics: dict, day_s: float | None) -> dict:
    """Return the day figures of an API metrics object: ``processing_time_days`` and the others, the
    waste time by type in days, and ``working_day_s`` (the day they are counted in)."""
    days: dict = {name: in_days(metrics.get(key), day_s) for key, name in DAY_FIGURES}
    days["waste_days_by_type"] = {waste: in_days(seconds, day_s)
                                  for waste, seconds in (metrics.get("waste_time_by_type") or {}).items()}
    days["working_day_s"] = day_s
    return days
