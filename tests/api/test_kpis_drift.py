"""Drift through the API for hand-made series, and the bounded, batched queries behind it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.extensions import db
from lms.kpis.drift_queries import drift_settings, load_series, window_start
from lms.models import Kpi, Organization
from tests.rows import counting_queries
from tests.scenarios import TODAY, day, monthly, repair_hotline

FELL = [(day(10), 6.0), (day(170), 4.0)]
ROSE = [(day(20), 5.0), (day(160), 6.5)]


@pytest.fixture()
def world(make, app):
    return repair_hotline(make)


def _drift(api, kpi_id, as_of=None):
    response = api.get(f"/kpis/{kpi_id}/drift" + (f"?as_of={as_of.isoformat()}" if as_of else ""))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_diverging_when_the_kpi_rises_while_satisfaction_falls(world, app, api_as):
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi(outcome_ids=[outcome])
    world.measure(kpi_id, monthly())
    world.rate(outcome, FELL)
    body = _drift(api_as(world.viewer), kpi_id)
    assert body["status"] == "diverging"
    assert body["kpi_id"] == kpi_id and body["window_days"] == 180 and body["as_of"] == TODAY.isoformat()
    assert body["kpi_change"] == pytest.approx(0.10)
    assert body["outcome_changes"] == {str(outcome): pytest.approx(-2.0)}
    assert "rose 10 % in 180 days" in body["reasons"][0]
    assert "'Minimize the time to a correct answer' fell 2.0 points (6.0 → 4.0)" in body["reasons"][0]
    # Without respondent counts there is no sampling error: the -2.0 is beyond the 0.5-point minimum.
    assert body["outcome_margins"] == {str(outcome): None}
    assert body["outcome_moves"] == {str(outcome): "worse"} and body["kpi_move"] == "better"
    assert (body["kpi_start"], body["kpi_end"], body["kpi_noise"]) == (100.0, 110.0, 0.0)


def test_a_decrease_kpi_falling_5_percent_while_satisfaction_falls_is_diverging(world, app, api_as):
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi("Average handling time", direction="decrease", outcome_ids=[outcome])
    world.measure(kpi_id, monthly((100.0, 99.0, 98.0, 97.0, 96.0, 95.0)))
    world.rate(outcome, FELL)
    body = _drift(api_as(world.viewer), kpi_id)
    assert body["status"] == "diverging" and body["kpi_change"] == pytest.approx(-0.05)


def test_aligned_when_satisfaction_rises_with_the_kpi(world, app, api_as):
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi(outcome_ids=[outcome])
    world.measure(kpi_id, monthly())
    world.rate(outcome, ROSE)
    body = _drift(api_as(world.viewer), kpi_id)
    assert body["status"] == "aligned" and body["outcome_changes"] == {str(outcome): pytest.approx(1.5)}
    assert "satisfaction moved with it" in body["reasons"][0]


def test_a_kpi_that_rose_under_5_percent_is_aligned_with_an_outcome_holding_steady(world, app, api_as):
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi(outcome_ids=[outcome])
    world.measure(kpi_id, monthly((100.0, 100.5, 101.0, 101.5, 102.0, 102.5)))
    world.rate(outcome, [(day(10), 5.0), (day(170), 5.2)])  # +0.2 < 0.5: no change
    body = _drift(api_as(world.viewer), kpi_id)
    assert (body["status"], body["kpi_move"]) == ("aligned", "steady")
    assert body["outcome_moves"] == {str(outcome): "steady"}


def test_orphan_when_tied_to_no_outcome(world, app, api_as):
    kpi_id = world.kpi()
    world.measure(kpi_id, monthly())
    body = _drift(api_as(world.viewer), kpi_id)
    assert body["status"] == "orphan" and body["outcome_changes"] == {}
    assert "Tied to no customer outcome" in body["reasons"][0]


def test_stale_when_the_last_measurement_is_older_than_the_limit(world, app, api_as):
    kpi_id = world.kpi(outcome_ids=[world.outcome_ids[0]])
    world.measure(kpi_id, monthly(RISING_4 := (100.0, 102.0, 104.0, 106.0), (30, 60, 90, 120)))
    body = _drift(api_as(world.viewer), kpi_id)
    assert len(RISING_4) == 4 and body["status"] == "stale"
    assert f"No measurement since {day(120).isoformat()} (60 days; stale after 45)" in body["reasons"][0]


def test_stale_sees_a_last_measurement_from_before_the_window(world, app, api_as):
    kpi_id = world.kpi(outcome_ids=[world.outcome_ids[0]])
    world.measure(kpi_id, [(day(-300), 5.0), (day(-200), 6.0)])
    body = _drift(api_as(world.viewer), kpi_id)
    assert body["status"] == "stale" and day(-200).isoformat() in body["reasons"][0]


def test_insufficient_data_with_three_measurements(world, app, api_as):
    kpi_id = world.kpi(outcome_ids=[world.outcome_ids[0]])
    world.measure(kpi_id, monthly((1.0, 2.0, 3.0), (120, 150, 180)))
    body = _drift(api_as(world.viewer), kpi_id)
    assert body["status"] == "insufficient-data" and "Only 3 measurements" in body["reasons"][0]


def test_insufficient_data_without_measurements(world, app, api_as):
    kpi_id = world.kpi(outcome_ids=[world.outcome_ids[0]])
    assert _drift(api_as(world.viewer), kpi_id)["status"] == "insufficient-data"


def test_measures_waste_when_its_step_is_tagged_waste(world, app, api_as):
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi("Tickets re-entered per hour", outcome_ids=[outcome],
                     step_id=world.waste_step_id, stream_id=world.stream_id)
    world.measure(kpi_id, monthly())
    world.rate(outcome, FELL)  # would be diverging; waste comes first
    body = _drift(api_as(world.viewer), kpi_id)
    assert body["status"] == "measures-waste" and "step tagged waste" in body["reasons"][0]


def test_as_of_in_the_past_ignores_later_data(world, app, api_as):
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi(outcome_ids=[outcome])
    # Flat until day 120, then a steep rise; satisfaction falls by day 170.
    world.measure(kpi_id, monthly((100.0, 100.0, 100.0, 100.0, 150.0, 200.0)))
    world.rate(outcome, FELL)
    api = api_as(world.viewer)
    assert _drift(api, kpi_id)["status"] == "diverging"
    past = _drift(api, kpi_id, as_of=day(120))
    assert past["as_of"] == day(120).isoformat()
    assert past["status"] == "inconclusive" and past["kpi_change"] == 0  # one rating up to day 120
    assert past["outcome_changes"] == {str(outcome): None}  # the day-170 rating is in its future
    assert _drift(api, kpi_id, as_of=day(40))["status"] == "insufficient-data"


def test_settings_come_from_the_organization(world, app, api_as):
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi(outcome_ids=[outcome])
    world.measure(kpi_id, monthly())
    world.rate(outcome, FELL)
    with app.app_context():
        org = db.session.get(Organization, world.org.id)
        org.drift_min_change_pct = 20.0
        db.session.commit()
    assert _drift(api_as(world.viewer), kpi_id)["status"] == "inconclusive"  # +10 % is under 20 %: steady
    with app.app_context():
        org = db.session.get(Organization, world.org.id)
        org.drift_min_change_pct, org.drift_min_satisfaction_change = 5.0, 2.5
        db.session.commit()
    body = _drift(api_as(world.viewer), kpi_id)
    # -2.0 points without respondent counts is under a 2.5-point minimum: no change, while the KPI rose 10 %.
    assert (body["status"], body["outcome_moves"]) == ("diverging", {str(outcome): "steady"})


@pytest.mark.parametrize("as_of", ["yesterday", "2026-13-01", "2026-02-30"])
def test_bad_as_of_is_422_naming_it(world, app, api_as, as_of):
    kpi_id = world.kpi()
    response = api_as(world.viewer).get(f"/kpis/{kpi_id}/drift?as_of={as_of}")
    assert response.status_code == 422 and "as_of" in response.get_json()["error"]["fields"]


# --- bounded and batched queries ----------------------------------------------------------------

def test_five_years_of_weekly_data_load_only_the_window(world, app, make, api_as):
    outcome = world.outcome_ids[0]
    kpi_id = world.kpi(outcome_ids=[outcome])
    weekly = [(TODAY - timedelta(weeks=w), 100.0 + w % 7) for w in range(260)]
    world.measure(kpi_id, weekly)
    world.rate(outcome, [(TODAY - timedelta(days=30 * m), 5.0) for m in range(60)])
    ctx = make.acting_as(world.manager)
    try:
        org = db.session.get(Organization, world.org.id)
        settings = drift_settings(org)
        start = window_start(TODAY, settings)
        with counting_queries(app) as statements:
            series, last = load_series([db.session.get(Kpi, kpi_id)], TODAY, settings)
        loaded = series[kpi_id]
        in_window = [d for d, _ in weekly if start < d <= TODAY]
        assert len(loaded.measurements) == len(in_window) == 26
        assert len(loaded.outcomes[0].ratings) == 6
        assert last[kpi_id] == TODAY
        reads = [(sql, params) for sql, params in statements if "kpi_measurements" in sql]
        # Every read of measurements is bounded by the window, or is the max() aggregate.
        for sql, params in reads:
            assert "max(" in sql.lower() or start.isoformat() in _texts(params), sql
    finally:
        ctx.pop()
    with counting_queries(app) as statements:
        assert _drift(api_as(world.viewer), kpi_id)["status"] == "aligned"
    bounded = [params for sql, params in statements
               if "FROM kpi_measurements" in sql and "max(" not in sql.lower()]
    assert bounded and all(start.isoformat() in _texts(p) for p in bounded)


def _texts(params) -> set[str]:
    """Return a statement's parameters as text (SQLite sends dates as strings, PostgreSQL as dates)."""
    values = params.values() if isinstance(params, dict) else params
    return {str(value) for value in values}


def _fill(app, world, first: int, count: int) -> None:
    outcome = world.outcome_ids[0]
    for n in range(first, first + count):
        kpi_id = world.kpi(f"KPI {n:03d}", outcome_ids=[outcome], step_id=world.step_id,
                         stream_id=world.stream_id, owner_id=world.owner.id)
        world.measure(kpi_id, monthly())


def test_kpi_list_api_and_page_issue_the_same_queries_for_5_and_40_kpis(world, app, api_as, client):
    from tests.conftest import login

    world.rate(world.outcome_ids[0], FELL)
    api = api_as(world.manager)
    _fill(app, world, 0, 5)
    with counting_queries(app) as small:
        body = api.get("/kpis?per_page=50").get_json()
    assert body["total"] == 5 and {k["drift_status"] for k in body["items"]} == {"diverging"}
    _fill(app, world, 5, 35)
    with counting_queries(app) as large:
        body = api.get("/kpis?per_page=50").get_json()
    assert body["total"] == 40 and len(body["items"]) == 40
    assert len(large) == len(small)

    page_client = app.test_client()
    login(page_client, world.manager)
    page_client.get("/kpis/")
    with counting_queries(app) as page_40:
        html = page_client.get("/kpis/").get_data(as_text=True)
    assert html.count("kpi-status-diverging") == 40
    with app.app_context():
        for kpi in db.session.scalars(db.select(Kpi).where(Kpi.name >= "KPI 005")):
            db.session.delete(kpi)
        db.session.commit()
    with counting_queries(app) as page_5:
        html = page_client.get("/kpis/").get_data(as_text=True)
    assert html.count("kpi-status-diverging") == 5
    assert len(page_5) == len(page_40)


def test_status_filter_counts_stay_fixed_too(world, app, api_as):
    world.rate(world.outcome_ids[0], FELL)
    api = api_as(world.manager)
    _fill(app, world, 0, 5)
    with counting_queries(app) as small:
        assert api.get("/kpis?status=diverging").get_json()["total"] == 5
    _fill(app, world, 5, 35)
    with counting_queries(app) as large:
        assert api.get("/kpis?status=diverging").get_json()["total"] == 40
    assert len(large) == len(small)
