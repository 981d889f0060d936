"""Durations in working time: written in the stream's working days, read from what people type."""

import math

import pytest

from lms.lean.durations import (
    OUT_OF_RANGE,
    format_day,
    format_duration,
    in_days,
    metrics_in_days,
    parse_duration,
    working_day,
    write_duration,
)

# Working days used below: 7 h 45 min = 27,900 s (Pump repair's), 7 h 40 min = 27,600 s (two shifts
# of 4 h minus breaks), 7 h 30 min = 27,000 s, 8 h = 28,800 s.
PUMP_DAY = 27_900


@pytest.mark.parametrize(
    ("seconds", "day_s", "text"),
    [
        # Under a minute: seconds with one decimal, whatever the day.
        pytest.param(0, None, "0 s", id="nothing"),
        pytest.param(0.5, PUMP_DAY, "0.5 s", id="half-a-second"),
        pytest.param(45, PUMP_DAY, "45 s", id="seconds"),
        pytest.param(59.94, None, "59.9 s", id="just-under-a-minute"),
        pytest.param(59.97, None, "1 min", id="rounds-up-to-a-minute"),
        # Minutes and seconds, then hours and minutes; a zero second unit is left out.
        pytest.param(90, None, "1 min 30 s", id="minute-and-seconds"),
        pytest.param(90.5, None, "1 min 31 s", id="half-second-rounds-up"),
        pytest.param(300, PUMP_DAY, "5 min", id="minutes"),
        pytest.param(3_599.6, None, "1 h", id="rounds-up-to-an-hour"),
        pytest.param(7_200, PUMP_DAY, "2 h", id="hours"),
        # 7,530 s = 125.5 min -> 126 min = 2 h 6 min
        pytest.param(7_530, None, "2 h 6 min", id="half-minute-rounds-up"),
        # Item 1 of issue 14: Pump repair's lead time, 298,800 s = 83 h. In 24-hour days it read
        # "3 d 11 h" beside "10.77 working days"; in its working days of 7 h 45 min it is
        # 298,800 / 27,900 = 10.71 d: 10 d and 19,800 s = 5.5 h -> 10 d 6 h (half up).
        pytest.param(298_800, PUMP_DAY, "10 d 6 h", id="pump-repair-lead-time-in-working-days"),
        # Without a working day there is no d: hours are the largest unit.
        pytest.param(298_800, None, "83 h", id="no-working-day-writes-hours"),
        pytest.param(86_400, None, "24 h", id="a-calendar-day-is-not-a-day"),
        # A 16 h wait on two shifts of 7 h 40 min: 57,600 = 2 x 27,600 + 2,400 -> 2 d 40 min -> 2 d 1 h.
        pytest.param(57_600, 27_600, "2 d 1 h", id="sixteen-hours-on-two-shifts"),
        # A data box's wait of 31 h on Pump repair's day: 111,600 / 27,900 = exactly 4 d, as the
        # timeline says (it read "Wait 1 d 7 h" in 24-hour days).
        pytest.param(111_600, PUMP_DAY, "4 d", id="data-box-and-timeline-agree"),
        # 1.5 d of 7 h 30 min = 40,500 s = 1 d 3 h 45 min -> 1 d 4 h.
        pytest.param(40_500, 27_000, "1 d 4 h", id="day-and-a-half"),
        # Rounding that reaches the next unit carries: 27,899 s = 7 h 44 min 59 s -> 7 h 45 min = 1 d.
        pytest.param(27_899, PUMP_DAY, "1 d", id="rounds-up-to-a-working-day"),
        # 28,790 s on an 8 h day: 7 h 59 min 50 s -> 8 h 0 min = 1 d.
        pytest.param(28_790, 28_800, "1 d", id="hour-carry-reaches-the-day"),
        # 2 d 7 h 30 min on a 7 h 45 min day: 7.5 h rounds half up to 8 h, more than the rest of
        # the day, so it carries: 3 d.
        pytest.param(2 * PUMP_DAY + 27_000, PUMP_DAY, "3 d", id="hours-carry-into-a-day"),
        # A day shorter than an hour: 1 d of 30 min; 2 h = 4 d.
        pytest.param(7_200, 1_800, "4 d", id="short-day"),
        pytest.param(-90, None, "-1 min 30 s", id="negative"),
        pytest.param(math.inf, PUMP_DAY, OUT_OF_RANGE, id="beyond-a-float"),
        pytest.param(math.nan, None, OUT_OF_RANGE, id="not-a-number"),
    ],
)
def test_format_duration(seconds: float, day_s: float | None, text: str) -> None:
    assert format_duration(seconds, day_s) == text


@pytest.mark.parametrize(
    ("text", "day_s", "seconds"),
    [
        pytest.param("45 s", None, 45, id="seconds"),
        pytest.param("15 min", None, 900, id="minutes"),
        pytest.param("2 h", None, 7_200, id="hours"),
        # 1.5 x 27,000 = 40,500
        pytest.param("1.5 d", 27_000, 40_500, id="working-days"),
        pytest.param("1 h 30 min", None, 5_400, id="combination"),
        pytest.param("1h30min", None, 5_400, id="without-spaces"),
        pytest.param("2 d 3 h", PUMP_DAY, 2 * PUMP_DAY + 3 * 3_600, id="days-and-hours"),
        pytest.param("  2 Hours 5 minutes ", None, 7_500, id="words-and-case"),
        pytest.param(".5 h", None, 1_800, id="leading-point"),
        # Item 1 of issue 14: a 16 h wait was typed 57600; both are accepted.
        pytest.param("57600", None, 57_600, id="plain-seconds"),
        pytest.param("16 h", None, 57_600, id="sixteen-hours"),
        pytest.param("27,600", None, 27_600, id="thousands-separator"),
        pytest.param("4.5", None, 4.5, id="plain-fraction"),
        pytest.param("2.5e3", None, 2_500, id="plain-exponent-as-spreadsheets-write"),
        pytest.param("0", None, 0, id="zero"),
    ],
)
def test_parse_duration(text: str, day_s: float | None, seconds: float) -> None:
    assert parse_duration(text, day_s) == seconds


@pytest.mark.parametrize(
    ("text", "day_s", "message"),
    [
        pytest.param("-5", None, "cannot be negative", id="negative-seconds"),
        pytest.param("-2 h", None, "cannot be negative", id="negative-hours"),
        pytest.param("abc", None, "Not a duration: 'abc'", id="garbage"),
        pytest.param("5 weeks", PUMP_DAY, "Not a duration", id="unknown-unit"),
        pytest.param("1 h 30", None, "Not a duration", id="number-without-unit"),
        pytest.param("2 h 2 h", None, "Not a duration", id="unit-twice"),
        pytest.param("1,5 d", PUMP_DAY, "Not a duration", id="decimal-comma"),
        pytest.param("", None, "Enter a duration", id="empty"),
        pytest.param("1 d", None, "no working day", id="days-without-a-working-day"),
    ],
)
def test_parse_duration_refuses(text: str, day_s: float | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_duration(text, day_s)


@pytest.mark.parametrize(
    ("seconds", "day_s", "text"),
    [
        pytest.param(None, None, "", id="empty"),
        pytest.param(7_200, PUMP_DAY, "2 h", id="hours"),
        pytest.param(4.5, None, "4.5 s", id="fraction-under-a-minute"),
        # 40,500 = 27,000 + 3 x 3,600 + 45 x 60
        pytest.param(40_500, 27_000, "1 d 3 h 45 min", id="exact-not-rounded"),
        # 57,600 = 2 x 27,600 + 40 x 60
        pytest.param(57_600, 27_600, "2 d 40 min", id="sixteen-hours-on-two-shifts"),
        pytest.param(57_600, None, "16 h", id="no-working-day"),
        pytest.param(1_234.5, None, "1234.5 s", id="fraction-beyond-a-minute-in-seconds"),
        pytest.param(3_661, None, "1 h 1 min 1 s", id="every-unit"),
    ],
)
def test_write_duration_is_exact_and_reads_back(seconds, day_s, text) -> None:
    assert write_duration(seconds, day_s) == text
    if seconds is not None:
        assert parse_duration(text, day_s) == seconds


@pytest.mark.parametrize(
    ("available", "day_s"),
    # no available time: no working day at all, never a 24-hour day by default
    [(27_600, 27_600.0), (None, None), (0, None), (-5, None), (float("nan"), None)],
)
def test_a_stream_without_available_time_has_no_working_day(available, day_s) -> None:
    assert working_day(available) == day_s


def test_each_page_says_what_a_day_is() -> None:
    assert format_day(27_000) == "1 d = one working day of 7 h 30 min."
    assert "hours and minutes" in format_day(None)


def test_day_figures_are_null_without_a_working_day() -> None:
    # Processing 3 h 52 min 30 s = 13,950 s on a 7 h 45 min day = 0.5 d; waiting 27,900 s = 1 d.
    metrics = {"processing_time_s": 13_950.0, "value_added_time_s": 0.0, "takt_time_s": None,
               "rework_adjusted_lead_time_s": 55_800.0, "waste_time_by_type": {"waiting": 27_900.0}}
    assert metrics_in_days(metrics, PUMP_DAY) == {
        "processing_time_days": 0.5, "value_added_time_days": 0.0, "takt_time_days": None,
        "rework_adjusted_lead_time_days": 2.0, "waste_days_by_type": {"waiting": 1.0},
        "working_day_s": PUMP_DAY}
    assert metrics_in_days(metrics, None) == {
        "processing_time_days": None, "value_added_time_days": None, "takt_time_days": None,
        "rework_adjusted_lead_time_days": None, "waste_days_by_type": {"waiting": None},
        "working_day_s": None}
    assert in_days(math.inf, PUMP_DAY) is None
