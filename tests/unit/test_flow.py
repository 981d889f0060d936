"""The pure measured-flow domain: working clock, percentiles, Little's law, drawn vs measured, forecasts."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from lms.lean.flow import (
    CaseSpan,
    CaseTotals,
    WorkingCalendar,
    case_totals,
    chance_within,
    compare_figure,
    finished_leads,
    forecast_cases,
    forecast_days,
    histogram,
    interpolate,
    lead_times_by,
    littles_law,
    per_day,
    percentile,
    percentile_ranks,
    what_if_lead_time_days,
    working_days_after,
)

EIGHT_HOURS = WorkingCalendar(28_800, 8 * 3_600)  # weekdays 08:00-16:00


@pytest.mark.parametrize(("start", "end", "hours"), [
    (datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 9, 30), 0.5),     # inside one working day
    (datetime(2026, 3, 2, 7), datetime(2026, 3, 2, 9), 1),           # before 08:00 counts nothing
    (datetime(2026, 3, 2, 15), datetime(2026, 3, 2, 20), 1),         # after 16:00 counts nothing
    (datetime(2026, 3, 2, 14), datetime(2026, 3, 3, 9), 3),          # overnight: 2 h + 1 h
    (datetime(2026, 3, 6, 15), datetime(2026, 3, 9, 9), 2),          # over a weekend: Fri 1 h + Mon 1 h
    (datetime(2026, 3, 7, 10), datetime(2026, 3, 8, 18), 0),         # Saturday to Sunday: nothing
    (datetime(2026, 3, 2, 8), datetime(2026, 3, 9, 8), 40),          # a whole week: 5 working days
    (datetime(1969, 12, 31, 9), datetime(1970, 1, 2, 9), 16),        # across 1970: Wed 9:00 -> Fri 9:00
    (datetime(1066, 10, 13, 9), datetime(1066, 10, 16, 9), 9),       # Sat 13 Oct 1066 (proleptic) -> Tue: Mon 8 h + 1 h
])
def test_working_clock_counts_only_working_hours(start, end, hours):
    assert EIGHT_HOURS.between(start, end) == hours * 3_600


def test_the_clock_inverts_within_working_hours():
    for moment in (datetime(2026, 3, 2, 9, 15), datetime(2026, 3, 6, 15, 59), datetime(1999, 12, 31, 12)):
        assert EIGHT_HOURS.moment(EIGHT_HOURS.clock(moment)) == moment


def test_a_working_day_is_cut_at_midnight():
    late = WorkingCalendar(28_800, 20 * 3_600)  # 20:00 + 8 h would run past midnight: 4 h count
    assert late.hours_s == 14_400
    assert late.between(datetime(2026, 3, 2, 19), datetime(2026, 3, 3, 1)) == 4 * 3_600


@pytest.mark.parametrize(("today", "until", "days"), [
    (date(2026, 3, 2), date(2026, 3, 2), 0), (date(2026, 3, 2), date(2026, 3, 6), 4),
    (date(2026, 3, 6), date(2026, 3, 9), 1), (date(2026, 3, 2), date(2026, 3, 16), 10),
    (date(2026, 3, 7), date(2026, 3, 8), 0),
])
def test_working_days_after(today, until, days):
    assert working_days_after(today, until) == days


@pytest.mark.parametrize(("values", "p", "expected"), [
    ([18_000, 32_400], 0.5, 25_200), ([18_000, 32_400], 0.85, 18_000 + 0.85 * 14_400),
    ([9_000, 9_000, 14_400], 0.85, 12_780), ([1, 2, 3, 4], 0.25, 1.75), ([7], 0.95, 7), ([], 0.5, None),
])
def test_percentiles_interpolate_between_closest_ranks(values, p, expected):
    assert percentile(values, p) == (pytest.approx(expected) if expected is not None else None)


def test_percentile_ranks_name_the_two_values_needed():
    assert percentile_ranks(3, 0.85) == (2, 3)
    assert percentile_ranks(1, 0.5) == (1, 1)
    assert interpolate({2: 9_000, 3: 14_400}, 3, 0.85) == pytest.approx(12_780)
    assert interpolate({1: 5.0}, 3, 0.85) is None  # the ranks it needs are missing


def test_littles_law_explains_the_gap():
    steady = littles_law(2.0, 0.5, 4.0, 0.0)
    assert steady.gap == 0 and "steady state" in steady.explanation
    building = littles_law(3.0, 0.5, 4.0, 0.8)
    assert building.gap == 1.0 and "0.80" in building.explanation and "still open" in building.explanation
    draining = littles_law(1.0, 0.5, 4.0, 0.0)
    assert draining.gap == -1.0 and "began before the period" in draining.explanation


def test_what_if_a_wip_limit():
    assert what_if_lead_time_days(10, 2.5) == 4.0
    assert what_if_lead_time_days(10, 0) is None


@pytest.mark.parametrize(("entered", "measured", "disagrees"), [
    (28_800, 66_240, True), (3_600, 4_000, False), (3_600, 4_600, True), (None, 600, True), (600, None, False),
])
def test_drawn_versus_measured_with_a_tolerance(entered, measured, disagrees):
    assert compare_figure("wait_time_s", entered, measured, 0.25).disagrees is disagrees


def _exponential(mean: float, count: int = 4_000) -> list[float]:
    """Quantiles of an exponential distribution: a sample with exactly its shape."""
    return [-mean * math.log(1 - (i + 0.5) / count) for i in range(count)]


@pytest.mark.parametrize("confidence", [0.5, 0.85, 0.95])
def test_forecast_days_matches_the_analytic_percentile_within_two_percent(confidence):
    analytic = -4.0 * math.log(1 - confidence)  # exponential, mean 4 working days
    forecast = forecast_days(_exponential(4.0), confidence, runs=20_000, seed=3)
    assert forecast.value == pytest.approx(analytic, rel=0.02)
    assert forecast_days(_exponential(4.0), confidence, runs=20_000, seed=3) == forecast  # seeded


@pytest.mark.parametrize("days", [1.0, 4.0, 8.0])
def test_chance_within_matches_the_distribution_function(days):
    assert chance_within(_exponential(4.0), days, runs=20_000).value == pytest.approx(1 - math.exp(-days / 4),
                                                                                     abs=0.02)


def test_cases_forecast_matches_the_sum_of_daily_throughputs():
    # 0-4 cases a day, equally likely: over 100 days mean 200, standard deviation sqrt(100 x 2).
    forecast = forecast_cases([0, 1, 2, 3, 4], 100, runs=20_000, seed=5)
    assert forecast.p50 == pytest.approx(200, rel=0.02)
    assert forecast.p85 == pytest.approx(200 - 1.0364 * math.sqrt(200), rel=0.02)  # 85 % sure of at least
    assert forecast_cases([3], 0).p50 == 0


def test_forecasts_need_data():
    with pytest.raises(ValueError):
        forecast_days([], 0.85)
    with pytest.raises(ValueError):
        forecast_cases([], 10)


# One row per case: the period's figures from the case spans -----------------------------------

# Three cases on the working clock (seconds), the period from 100 (first start) to 900 (last event):
#   A: 100 → finished 400, worked 120 (lead 300)          customer "Acme", segment "new"
#   B: 200 → finished 700, worked unknown (lead 500)      customer "",     segment "new"
#   C: 300 → open, last event 900                         customer "Acme", segment ""
# lead sum = 300 + 500 = 800; processing = 120 (B's unknown worked time adds nothing);
# C stays open from 300 to the period's end 900: 600; case time = 800 + 600 = 1,400.
SPANS = [CaseSpan(100, 400, 400, 120.0, 2, "Acme", "new"), CaseSpan(200, 700, 700, None, 0, "", "new"),
         CaseSpan(300, 900, None, None, 1, "Acme", "")]


@pytest.mark.parametrize(("spans", "expected"), [
    (SPANS, CaseTotals(3, 2, 100, 900, 800.0, 120.0, 1_400.0, 600.0)),
    # no start event anywhere: the processing time is unknown, not 0
    ([CaseSpan(0, 50, 50, None, 0)], CaseTotals(1, 1, 0, 50, 50.0, None, 50.0, 0.0)),
    ([], CaseTotals(0, 0, None, None, 0.0, None, 0.0, 0.0)),
])
def test_case_totals(spans, expected):
    assert case_totals(spans) == expected


def test_finished_leads_newest_first_and_grouped_lead_times():
    assert finished_leads(SPANS) == [(700, 500), (400, 300)]
    assert lead_times_by(SPANS, "customer") == {"Acme": [300]}  # C is open, B names no customer
    assert lead_times_by(SPANS, "segment") == {"new": [300, 500]}


@pytest.mark.parametrize(("values", "width", "bins"), [
    ([0, 0.5, 1, 2.5, 9.99], 1, [(0, 2), (1, 1), (2, 1), (9, 1)]),
    ([3_600, 7_200, 7_199], 3_600, [(1, 2), (2, 1)]),  # 7,199 / 3,600 = 1.99: bin 1
    ([], 1, []),
])
def test_histogram_bins_by_floor(values, width, bins):
    assert histogram(values, width) == bins


def test_per_day_counts_moments_by_working_day():
    # an 8-hour day: 28,800 s; 0 and 28,799 fall on day 0, 28,800 on day 1, 86,400 on day 3
    assert per_day([0, 28_799, 28_800, 86_400], 28_800) == {0: 2, 1: 1, 3: 1}
