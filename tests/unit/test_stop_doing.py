"""The stop-doing list: the time steps serving overserved outcomes take, per unit and per week."""

from __future__ import annotations

import pytest

from lms.lean.stop_doing import ServingStepTime, candidate, is_overserved, step_time

DAY = 27_600.0  # a 7 h 40 min working day


def step(cycle_time_s: float | None = 5400.0, daily_demand: float | None = 6.0, *, kind: str = "process",
         day_s: float | None = DAY) -> ServingStepTime:
    return ServingStepTime(8, "Write the detailed repair report", kind, cycle_time_s, daily_demand, day_s)


def test_the_worked_example() -> None:
    # 5,400 s per unit = 1 h 30 min; x 6 a day x 5 days = 162,000 s = 5 d (138,000 s) + 6 h 40 min,
    # written "5 d 7 h" in two units. Overserved by 7.8 - 4.3 = 3.5 points.
    found = candidate(step(), 4.3, 7.8)
    assert (found.per_unit_s, found.per_week_s, found.missing) == (5400.0, 162_000.0, ())
    assert found.overserved_by == pytest.approx(3.5)
    assert found.sentence == ("Write the detailed repair report: 1 h 30 min per unit (5 d 7 h a week of demand) "
                              "serves an outcome rated importance 4.3, satisfaction 7.8.")


@pytest.mark.parametrize(
    ("figures", "per_unit", "per_week", "missing"),
    [
        (step(600.0, 3.0), 600.0, 9000.0, ""),  # 600 x 3 x 5
        (step(600.0, 2.5), 600.0, 7500.0, ""),  # a fractional demand: 600 x 2.5 x 5
        (step(600.0, None), 600.0, None, "no daily demand"),
        (step(600.0, 0.0), 600.0, None, "no daily demand"),
        (step(None, 6.0), None, None, "no cycle time"),
        (step(None, 6.0, kind="inventory"), 0.0, 0.0, ""),  # an inventory triangle does no work
    ],
)
def test_step_time(figures: ServingStepTime, per_unit, per_week, missing: str) -> None:
    unit, week, reasons = step_time(figures)
    assert (unit, week) == (per_unit, per_week)
    assert (missing in " ".join(reasons)) if missing else reasons == ()


def test_without_a_working_day_the_week_is_written_in_hours() -> None:
    # 5,400 x 3 x 5 = 81,000 s = 22 h 30 min.
    found = candidate(step(5400.0, 3.0, day_s=None), 4.0, 6.0)
    assert "1 h 30 min per unit (22 h 30 min a week of demand)" in found.sentence


def test_without_a_cycle_time_the_sentence_says_only_what_it_serves() -> None:
    found = candidate(step(None), 4.3, 7.8)
    assert found.sentence == "Write the detailed repair report serves an outcome rated importance 4.3, satisfaction 7.8."
    assert found.per_unit_s is None and "no cycle time" in found.missing[0]


@pytest.mark.parametrize(
    ("importance", "satisfaction", "overserved"),
    [(4.3, 7.8, True), (7.8, 4.3, False), (5.0, 5.0, False), (None, 7.0, False), (4.0, 11.0, False)],
)
def test_is_overserved(importance, satisfaction, overserved) -> None:
    assert is_overserved(importance, satisfaction) is overserved
