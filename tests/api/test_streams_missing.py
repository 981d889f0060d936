"""Issue 14, items 2, 3, 6 and 7 reproduced through the API and the pages: each fails on the old code.

- item 2: a figure whose inputs are missing is null with the inputs named, never a silent default;
- item 3: the waste Pareto shares a step's time among its wastes, so it adds up;
- item 6: a rating stored off the 0-10 scale is skipped with a note, never a 500;
- item 7: uptime and operators are used (effective cycle time, operators needed, stations needed).
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from lms.extensions import db
from lms.models import OutcomeRating
from tests.scenarios import stamping_shop


@pytest.fixture()
def shop(make, app):
    return stamping_shop(make)


def _stream(api, steps: list[dict], **fields) -> int:
    stream_id = api.post("/value-streams", json={"name": "Brackets", **fields}).get_json()["id"]
    for step in steps:
        response = api.post(f"/value-streams/{stream_id}/steps", json=step)
        assert response.status_code == 201, response.get_json()
    return stream_id


SEVEN_THOUSAND_WAITING = [
    {"name": "Weld", "cycle_time_s": 60, "classification": "necessary"},
    {"name": "Parts before assembly", "kind": "inventory", "inventory_units": 7_000,
     "classification": "waste", "waste_types": ["inventory"]},
]


def test_inventory_without_daily_demand_leaves_the_lead_time_incomplete(api_as, login_as, shop):
    # Reproduction: 7,000 parts waiting and no daily demand used to give a lead time of 60 s
    # (one minute) and an activity ratio of 100 %, with no warning.
    api = api_as(shop.manager)
    stream_id = _stream(api, SEVEN_THOUSAND_WAITING, available_seconds_per_day=27_600)
    metrics = api.get(f"/value-streams/{stream_id}/metrics").get_json()
    assert metrics["lead_time_s"] is None and metrics["lead_time_days"] is None
    assert metrics["lead_time_known_s"] == 60 and metrics["unconverted_inventory_units"] == 7_000
    assert metrics["pce"] is None and metrics["activity_ratio"] is None
    assert metrics["rework_adjusted_lead_time_s"] is None
    assert metrics["waste_time_by_type"]["inventory"] is None
    assert metrics["missing"] == ["daily_demand"]
    assert metrics["missing_by_figure"]["lead_time_s"] == ["daily_demand"]
    assert metrics["missing_by_figure"]["takt_time_s"] == ["daily_demand"]
    page = login_as(shop.viewer).get(f"/value-streams/{stream_id}").get_data(as_text=True)
    assert "Set the daily demand to turn the 7,000 units waiting into days." in page
    assert "at least 1 min" in page and "incomplete" in page
    # Entering the demand completes it: 7,000 / 1,000 a day = 7 days x 27,600 s = 193,200 s; + 60 s.
    api.patch(f"/value-streams/{stream_id}", json={"daily_demand": 1_000})
    metrics = api.get(f"/value-streams/{stream_id}/metrics").get_json()
    assert metrics["lead_time_s"] == pytest.approx(193_260) and metrics["missing"] == []
    assert metrics["activity_ratio"] == pytest.approx(60 / 193_260)


def test_no_available_time_means_no_takt_and_no_day(api_as, login_as, shop):
    # Reproduction: demand 48 a day without available time used to give takt 86,400 / 48 = 1,800 s,
    # which put a 2,000 s step over takt.
    api = api_as(shop.manager)
    stream_id = _stream(api, [{"name": "Inspect", "cycle_time_s": 2_000}], daily_demand=48)
    metrics = api.get(f"/value-streams/{stream_id}/metrics").get_json()
    assert metrics["takt_time_s"] is None and metrics["over_takt_step_ids"] == []
    assert metrics["operators_needed"] is None
    assert metrics["lead_time_s"] == 2_000 and metrics["lead_time_days"] is None
    assert metrics["missing"] == ["available_seconds_per_day"]
    assert metrics["missing_by_figure"]["lead_time_days"] == ["available_seconds_per_day"]
    step = api.get(f"/value-streams/{stream_id}/steps").get_json()["items"][0]
    assert [flag["code"] for flag in step["flags"]] == ["no-customer-job"]
    page = login_as(shop.viewer).get(f"/value-streams/{stream_id}").get_data(as_text=True)
    assert "No takt: set the available time per day to know the pace of demand." in page
    assert "No working day is set: durations are written in hours and minutes." in page


def test_the_pareto_adds_up_to_the_time_in_waste_tagged_steps(api_as, shop):
    # A queue tagged inventory and waiting holds 2 days (55,200 s): 27,600 s under each, not 55,200 twice.
    api = api_as(shop.manager)
    stream_id = _stream(api, [
        {"name": "Queue", "kind": "inventory", "inventory_units": 40, "classification": "waste",
         "waste_types": ["inventory", "waiting"]},
        {"name": "Report", "cycle_time_s": 600, "classification": "waste", "waste_types": ["overprocessing"]},
    ], daily_demand=20, available_seconds_per_day=27_600)
    metrics = api.get(f"/value-streams/{stream_id}/metrics").get_json()
    assert metrics["waste_time_by_type"]["inventory"] == pytest.approx(27_600)
    assert metrics["waste_time_by_type"]["waiting"] == pytest.approx(27_600)
    assert sum(metrics["waste_time_by_type"].values()) == pytest.approx(metrics["lead_time_s"]) \
        == pytest.approx(55_800)


def test_uptime_and_operators_are_used(api_as, login_as, shop):
    # Takt 27,600 / 460 = 60 s. Stamping 50 s at 80 % uptime runs 62.5 s effective: over takt, and
    # 2 presses in parallel bring it within takt. Work needs (50 + 40) / 60 = 1.5 operators; 3 entered.
    api = api_as(shop.manager)
    stream_id = _stream(api, [
        {"name": "Stamping", "cycle_time_s": 50, "uptime_pct": 80, "operators": 1},
        {"name": "Welding", "cycle_time_s": 40, "operators": 2},
    ], daily_demand=460, available_seconds_per_day=27_600)
    metrics = api.get(f"/value-streams/{stream_id}/metrics").get_json()
    stamping, welding = metrics["process_steps"]
    assert stamping["effective_cycle_time_s"] == pytest.approx(62.5) and stamping["over_takt"]
    assert stamping["stations_needed"] == 2
    assert welding == {"step_id": welding["step_id"], "effective_cycle_time_s": 40, "over_takt": False,
                       "stations_needed": None}
    assert metrics["over_takt_step_ids"] == [stamping["step_id"]]
    assert metrics["operators_needed"] == pytest.approx(1.5) and metrics["operators_entered"] == 3
    step = api.get(f"/steps/{stamping['step_id']}").get_json()
    over = next(flag["message"] for flag in step["flags"] if flag["code"] == "over-takt")
    assert "at 80 % uptime (effective 1 min 3 s)" in over and "2 operators or stations in parallel" in over
    page = login_as(shop.viewer).get(f"/value-streams/{stream_id}").get_data(as_text=True)
    assert 'data-figure="operators-needed">1.5<' in page and "3 entered on the steps" in page


def test_a_rating_stored_off_the_scale_is_skipped_with_a_note(api_as, login_as, shop, app):
    api = api_as(shop.manager)
    outcome = api.post("/outcomes", json={"job_id": shop.job_id, "statement": "Minimize late brackets"})
    outcome_id = outcome.get_json()["id"]
    rating = api.post(f"/outcomes/{outcome_id}/ratings",
                      json={"rated_on": "2026-11-02", "importance": 8, "satisfaction": 3})
    assert rating.status_code == 201
    with app.app_context():  # stored before the bounds existed, or loaded straight into the database
        db.session.execute(update(OutcomeRating).values(importance=12, satisfaction=-3))
        db.session.commit()
    body = api.get(f"/outcomes/{outcome_id}").get_json()
    assert body["opportunity"] is None and body["status"] == "unrated"
    assert api.get(f"/outcomes/{outcome_id}/ratings").get_json()["items"][0]["opportunity"] is None
    client = login_as(shop.viewer)
    for url in (f"/customers/outcomes/{outcome_id}", f"/customers/{shop.customer_id}"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Rating off the 0–10 scale: not scored" in response.get_data(as_text=True)


def test_equal_importance_and_satisfaction_of_ten_is_served(api_as, shop):
    api = api_as(shop.manager)
    outcome_id = api.post("/outcomes", json={"job_id": shop.job_id,
                                             "statement": "Minimize damaged brackets"}).get_json()["id"]
    api.post(f"/outcomes/{outcome_id}/ratings", json={"rated_on": "2026-11-02", "importance": 10,
                                                      "satisfaction": 10})
    body = api.get(f"/outcomes/{outcome_id}").get_json()
    assert body["opportunity"] == 10 and body["status"] == "served"


def test_pages_and_charts_show_an_incomplete_stream(api_as, login_as, shop):
    # Every page that shows a stream's lead time copes with its absence and says "incomplete".
    api = api_as(shop.manager)
    stream_id = _stream(api, SEVEN_THOUSAND_WAITING, available_seconds_per_day=27_600)
    api.patch(f"/value-streams/{stream_id}", json={"customer_id": shop.customer_id})
    future_id = api.post(f"/value-streams/{stream_id}/future-state").get_json()["id"]
    client = login_as(shop.manager)
    for url in (f"/value-streams/{future_id}/compare", "/value-streams/", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "incomplete" in response.get_data(as_text=True), url
    dashboard = client.get("/").get_data(as_text=True)
    assert "Leaves out inventory that cannot be timed (no daily demand or working day) in Brackets." in dashboard
    for chart in ("map.png", "takt.png", "pareto.png"):
        assert client.get(f"/value-streams/{stream_id}/{chart}").status_code == 200, chart
    assert client.get("/dashboard/waste-pareto.png").status_code == 200
