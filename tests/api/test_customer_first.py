"""GET /suboptimization and GET /stop-doing: the radar's worked case and the stop-doing list."""

from __future__ import annotations

import pytest

from tests.scenarios import RADAR_SENTENCE, STOP_SENTENCE, claims_and_pump_repair


@pytest.fixture()
def story(make, api_as):
    org = make.org("Claims")
    admin = make.user(org, "admin")
    viewer = make.user(org, "viewer")
    built = claims_and_pump_repair(api_as(admin))
    return org, api_as(viewer), built


def test_the_radar_alerts_with_both_sides_figures(story):
    _, api, built = story
    answer = api.get("/suboptimization")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["total"] == 1
    entry = body["items"][0]
    assert (entry["customer_id"], entry["upstream_stream_id"], entry["downstream_stream_id"]) == (
        built["assessment"]["id"], built["intake"]["id"], built["claims"]["id"])
    assert entry["status"] == "alert" and entry["sentence"] == RADAR_SENTENCE
    assert entry["kpis"] == [{"kpi_id": built["kpi"]["id"], "name": "claims closed per clerk day",
                              "move": "better", "change": pytest.approx(0.18)}]
    assert entry["outcomes"][0]["change"] == pytest.approx(-1.4) and entry["outcomes"][0]["move"] == "worse"
    handover = entry["handover"]
    assert handover["step_id"] == built["check"]["id"]
    assert (handover["pct_complete_accurate"]["before"], handover["pct_complete_accurate"]["after"],
            handover["pct_complete_accurate"]["move"]) == (90, 81, "worse")
    assert handover["waiting"]["move"] == "steady"
    assert entry["missing"] == [] and entry["window_days"] == 180


def test_the_radar_filters_by_status_and_stream(story):
    _, api, built = story
    assert api.get("/suboptimization?status=clear").get_json()["total"] == 0
    assert api.get(f"/suboptimization?value_stream_id={built['claims']['id']}").get_json()["total"] == 1
    assert api.get(f"/suboptimization?value_stream_id={built['pump']['id']}").get_json()["total"] == 0
    refused = api.get("/suboptimization?status=bad")
    assert refused.status_code == 422 and "status" in refused.get_json()["error"]["fields"]


def test_without_ratings_the_customer_side_is_absent(make, api_as):
    org = make.org("Bare")
    api = api_as(make.user(org, "admin"))
    customer = api.post("/customers", json={"name": "Next team", "kind": "internal"}).get_json()
    api.post("/value-streams", json={"name": "Upstream", "customer_id": customer["id"]})
    entry = api.get("/suboptimization").get_json()["items"][0]
    assert entry["status"] == "absent" and entry["handover"] is None
    assert "Next team has no outcome to rate." in entry["missing"]
    assert "names no value stream of its own" in " ".join(entry["missing"])


def test_the_stop_doing_list(story):
    _, api, built = story
    body = api.get("/stop-doing").get_json()
    assert body["total"] == 1
    item = body["items"][0]
    assert (item["step_id"], item["outcome_id"], item["value_stream_id"]) == (
        built["report"]["id"], built["detail"]["id"], built["pump"]["id"])
    assert (item["per_unit_s"], item["per_week_s"], item["working_day_s"]) == (5400, 162_000, 27_600)
    assert item["sentence"] == STOP_SENTENCE and item["missing"] == []
    assert api.get(f"/stop-doing?value_stream_id={built['claims']['id']}").get_json()["total"] == 0


def test_a_newer_rating_that_is_not_overserved_takes_it_off_the_list(story, make, api_as):
    org, api, built = story
    admin = api_as(make.user(org, "admin", email="second@claims.test"))
    admin.post(f"/outcomes/{built['detail']['id']}/ratings", json={"rated_on": "2099-01-01", "importance": 8,
                                                                    "satisfaction": 7})
    assert api.get("/stop-doing").get_json()["total"] == 0


def test_another_organization_sees_nothing_of_it(story, make, api_as):
    other = api_as(make.user(make.org("Other"), "admin"))
    assert other.get("/suboptimization").get_json()["total"] == 0
    assert other.get("/stop-doing").get_json()["total"] == 0


def _reads_measurements(app, call) -> tuple[bool, dict]:
    from sqlalchemy import event

    from lms.extensions import db

    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda _c, _cur, statement, *_a: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        answer = call()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert answer.status_code == 200
    return any("kpi_measurements" in statement for statement in seen), answer.get_json()


def test_the_radar_reads_the_drift_kept_across_a_step_write(story, make, api_as, app):
    """The KPIs' moves come from the organization's drift: a step's change does not assess them again."""
    org, api, built = story
    admin = api_as(make.user(org, "admin"))
    _, before = _reads_measurements(app, lambda: api.get("/suboptimization"))
    assert admin.patch(f"/steps/{built['report']['id']}", json={"cycle_time_s": 61}).status_code == 200
    read, after = _reads_measurements(app, lambda: api.get("/suboptimization"))
    assert not read and after["items"][0]["kpis"] == before["items"][0]["kpis"]
    assert admin.post(f"/kpis/{built['kpi']['id']}/measurements",
                      json={"measured_on": "2020-01-01", "value": 1}).status_code == 201
    read, _ = _reads_measurements(app, lambda: api.get("/suboptimization"))
    assert read


def test_stop_doing_pages_split_an_outcomes_steps_where_the_page_ends(make, api_as):
    """Each page starts where the one before ended, also inside one outcome's steps, with the total."""
    api = api_as(make.user(make.org("Pages"), "admin"))
    customer = api.post("/customers", json={"name": "Fleet", "kind": "external"}).get_json()
    first = api.post("/value-streams", json={"name": "A stream", "customer_id": customer["id"]}).get_json()
    second = api.post("/value-streams", json={"name": "B stream", "customer_id": customer["id"]}).get_json()
    steps = {}
    for statement, satisfaction, streams in (("most", 9.0, (first, first, second)), ("less", 7.0, (second, first))):
        job = api.post("/jobs", json={"customer_id": customer["id"], "statement": statement}).get_json()
        outcome = api.post("/outcomes", json={"job_id": job["id"], "statement": f"{statement} served"}).get_json()
        api.post(f"/outcomes/{outcome['id']}/ratings", json={"rated_on": "2026-01-01", "importance": 4.0,
                                                             "satisfaction": satisfaction})
        steps[statement] = [api.post(f"/value-streams/{stream['id']}/steps",
                                     json={"name": f"{statement} {n}", "job_id": job["id"]}).get_json()["id"]
                            for n, stream in enumerate(streams)]
    # Most overserved first; within an outcome by stream name, then position.
    expected = [steps["most"][0], steps["most"][1], steps["most"][2], steps["less"][1], steps["less"][0]]
    pages = [api.get(f"/stop-doing?per_page=2&page={page}").get_json() for page in (1, 2, 3, 4)]
    assert [p["total"] for p in pages] == [5, 5, 5, 5]
    assert [item["step_id"] for p in pages for item in p["items"]] == expected
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
    of_second = api.get(f"/stop-doing?per_page=1&page=2&value_stream_id={second['id']}").get_json()
    assert of_second["total"] == 2 and [i["step_id"] for i in of_second["items"]] == [steps["less"][0]]
