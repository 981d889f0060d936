"""Segments in the API: ?segment= on outcomes, by_segment, how all segments combine, the call-outs."""

from __future__ import annotations

import pytest


@pytest.fixture()
def admin(make):
    return make.user(make.org("Acme", "acme"), "admin")


@pytest.fixture()
def api(api_as, admin):
    return api_as(admin)


def created(response, status: int = 201) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def ok(response) -> dict:
    return created(response, 200)


@pytest.fixture()
def homeowners(api):
    """Homeowners with two outcomes: getting a repair date rated by two segments, water by none."""
    cid = created(api.post("/customers", json={"name": "Homeowners", "kind": "external"}))["id"]
    job = created(api.post("/jobs", json={"customer_id": cid, "statement": "Book a technician visit"}))["id"]
    repair = created(api.post("/outcomes", json={"job_id": job,
                                                 "statement": "Minimize the time it takes to get a repair date"}))
    water = created(api.post("/outcomes", json={"job_id": job, "statement": "Minimize the time without water"}))
    rate = lambda oid, **body: created(api.post(f"/outcomes/{oid}/ratings", json=body))  # noqa: E731
    rate(repair["id"], rated_on="2025-03-01", importance=5, satisfaction=5, respondents=40, segment="New customers")
    rate(repair["id"], rated_on="2026-03-01", importance=8.0, satisfaction=7.2, respondents=120,
         segment="Homeowners")
    rate(repair["id"], rated_on="2026-03-01", importance=8.9, satisfaction=4.7, respondents=30,
         segment="New customers")
    rate(water["id"], rated_on="2026-03-01", importance=9, satisfaction=3)
    return {"customer": cid, "job": job, "repair": repair["id"], "water": water["id"]}


def test_an_outcome_combines_the_newest_rating_of_each_segment_weighted_by_respondents(api, homeowners):
    outcome = ok(api.get(f"/outcomes/{homeowners['repair']}"))
    # I = (8.0*120 + 8.9*30) / 150 = 8.18, S = (7.2*120 + 4.7*30) / 150 = 6.70, 8.18 + 1.48 = 9.66.
    assert outcome["importance"] == pytest.approx(8.18) and outcome["satisfaction"] == pytest.approx(6.7)
    assert outcome["opportunity"] == pytest.approx(9.66) and outcome["status"] == "served"
    assert (outcome["weighting"], outcome["respondents"], outcome["segment"]) == ("respondents", 150, None)
    assert outcome["weighting_note"] == "Weighted by respondents (150 in 2 segments)."
    assert outcome["rated_on"] == "2026-03-01"
    by_segment = {s["segment"]: s for s in outcome["by_segment"]}
    assert set(by_segment) == {"Homeowners", "New customers"}
    new = by_segment["New customers"]  # the newest wave of the segment, not the one of 2025
    assert (new["importance"], new["respondents"], new["rated_on"], new["status"]) == (
        8.9, 30, "2026-03-01", "underserved")
    assert new["opportunity"] == pytest.approx(13.1)
    assert outcome["underserved_segments"] == ["New customers"]


def test_segment_filter_gives_that_segments_newest_rating(api, homeowners):
    outcome = ok(api.get(f"/outcomes/{homeowners['repair']}?segment=New customers"))
    assert (outcome["segment"], outcome["importance"], outcome["satisfaction"], outcome["respondents"]) == (
        "New customers", 8.9, 4.7, 30)
    assert outcome["status"] == "underserved" and outcome["overall_opportunity"] == pytest.approx(9.66)
    listed = ok(api.get(f"/outcomes?customer_id={homeowners['customer']}&segment=New customers"))["items"]
    assert {o["id"]: o["status"] for o in listed} == {homeowners["repair"]: "underserved",
                                                     homeowners["water"]: "unrated"}
    # Ratings naming no segment are a group of their own: the water outcome is as before.
    water = ok(api.get(f"/outcomes/{homeowners['water']}"))
    assert (water["importance"], water["weighting"], water["by_segment"][0]["segment"]) == (9.0, "single", None)


@pytest.mark.parametrize("segment", ["", "x" * 101])
def test_a_segment_that_cannot_exist_is_refused(api, homeowners, segment):
    for path in (f"/outcomes/{homeowners['repair']}", "/outcomes"):
        response = api.get(path, query_string={"segment": segment})
        assert response.status_code == 422 and "segment" in response.get_json()["error"]["fields"]


def test_customer_segments_lists_segments_and_call_outs(api, homeowners):
    body = ok(api.get(f"/customers/{homeowners['customer']}/segments"))
    assert body["customer_id"] == homeowners["customer"]
    assert body["segments"] == [
        {"segment": "Homeowners", "outcomes_rated": 1, "respondents": 120},
        {"segment": "New customers", "outcomes_rated": 1, "respondents": 30},
    ]
    [callout] = body["callouts"]
    assert callout["outcome_id"] == homeowners["repair"] and callout["segment"] == "New customers"
    assert callout["opportunity"] == pytest.approx(13.1) and callout["overall_opportunity"] == pytest.approx(9.66)
    assert callout["message"] == ("New customers are underserved on “Minimize the time it takes to get a repair "
                                  "date” (opportunity 13.1 vs 9.7 overall)")


def test_equal_weights_when_a_count_is_missing_and_no_call_out_when_all_are_underserved(api, homeowners):
    created(api.post(f"/outcomes/{homeowners['water']}/ratings",
                     json={"rated_on": "2026-04-01", "importance": 7, "satisfaction": 3, "segment": "Pilot"}))
    water = ok(api.get(f"/outcomes/{homeowners['water']}"))
    # No segment (9, 3) and Pilot (7, 3), no counts: I 8, S 3, opportunity 13 - underserved for all.
    assert (water["weighting"], water["importance"], water["satisfaction"]) == ("equal", 8.0, 3.0)
    assert water["weighting_note"] == "Equal weights: no respondent count for Pilot, No segment."
    assert water["status"] == "underserved" and water["underserved_segments"] == []


def test_segments_of_another_organization_are_not_found(api_as, make, homeowners):
    stranger = api_as(make.user(make.org("Other", "other"), "admin"))
    assert stranger.get(f"/customers/{homeowners['customer']}/segments").status_code == 404
    assert stranger.get(f"/outcomes/{homeowners['repair']}?segment=Homeowners").status_code == 404


def test_a_customer_without_segments_has_none(api):
    cid = created(api.post("/customers", json={"name": "Quiet", "kind": "internal"}))["id"]
    assert ok(api.get(f"/customers/{cid}/segments")) == {"customer_id": cid, "segments": [], "callouts": []}
