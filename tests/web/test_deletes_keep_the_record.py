"""Deletes that show their reach and keep the record: closed reviews keep the names they recorded."""

from __future__ import annotations

import html
import re

import pytest


@pytest.fixture()
def world(make, api_as, login_as):
    """A customer job served by a stream of two steps, a KPI on one step, a closed and an open review."""
    org = make.org()
    admin = make.user(org, "admin", name="Ada Admin")
    facilitator = make.user(org, "manager", name="Fay Facilitator")
    api = api_as(admin)
    customer = api.post("/customers", json={"name": "Claimants", "kind": "external"}).get_json()
    job = api.post("/jobs", json={"customer_id": customer["id"], "statement": "Get a claim paid"}).get_json()
    outcome = api.post("/outcomes", json={"job_id": job["id"], "statement": "Minimize the time to payment",
                                          "direction": "minimize"}).get_json()
    stream = api.post("/value-streams", json={"name": "Claims", "customer_id": customer["id"],
                                              "job_id": job["id"]}).get_json()
    steps = [api.post(f"/value-streams/{stream['id']}/steps", json={"name": name, "cycle_time_s": 60}).get_json()
             for name in ("Register claim", "Assess claim")]
    kpi = api.post("/kpis", json={"name": "Claims closed per day", "unit": "claims", "direction": "increase",
                                  "value_stream_id": stream["id"], "step_id": steps[1]["id"],
                                  "outcome_ids": [outcome["id"]]}).get_json()
    reviews = {}
    for status in ("closed", "open"):
        review = api.post("/reviews", json={"value_stream_id": stream["id"], "kind": "kaizen-event",
                                            "held_on": "2026-11-20", "facilitator_id": facilitator.id,
                                            "participant_ids": [admin.id]}).get_json()
        api.post(f"/reviews/{review['id']}/findings", json={"text": "Claims wait for a second signature",
                                                            "step_id": steps[1]["id"], "waste_type": "waiting"})
        api.post(f"/reviews/{review['id']}/actions", json={
            "title": "One signature under 1,000", "step_id": steps[1]["id"], "kpi_id": kpi["id"],
            "outcome_id": outcome["id"], "owner_id": facilitator.id})
        api.patch(f"/reviews/{review['id']}", json={"status": "open"})
        if status == "closed":
            review = api.patch(f"/reviews/{review['id']}", json={"status": "closed"}).get_json()
        reviews[status] = review["id"]
    client = login_as(admin)
    return {"api": api, "client": client, "customer": customer, "job": job, "stream": stream, "steps": steps,
            "kpi": kpi, "outcome": outcome, "reviews": reviews}


def _page(world, review_id) -> str:
    """Return the review page's text as a person reads it: no tags, single spaces."""
    page = world["client"].get(f"/reviews/{review_id}").get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split()).replace(" ,", ",")


def test_a_closed_review_keeps_its_names_after_the_records_are_deleted(world):
    api = world["api"]
    assert api.delete(f"/steps/{world['steps'][1]['id']}").status_code == 204
    assert api.delete(f"/kpis/{world['kpi']['id']}").status_code == 204
    assert api.delete(f"/customers/{world['customer']['id']}").status_code == 204
    closed = _page(world, world["reviews"]["closed"])
    assert "Claimants" in closed and "Get a claim paid" in closed and "not named" not in closed
    assert "Step: Assess claim (since removed)" in closed
    assert "KPI: Claims closed per day (since deleted)" in closed
    assert "Outcome: Minimize the time to payment (since deleted)" in closed
    assert "at Assess claim (since removed)" in closed and "Fay Facilitator" in closed
    body = api.get(f"/reviews/{world['reviews']['closed']}").get_json()
    assert body["recorded_names"]["customer"] == "Claimants" and body["recorded_names"]["job"] == "Get a claim paid"
    action = api.get(f"/reviews/{world['reviews']['closed']}/actions").get_json()["items"][0]
    assert action["kpi_id"] is None and action["recorded_names"]["kpi"] == "Claims closed per day"
    # An open review shows the records as they are today: the customer and the KPI are gone.
    still_open = _page(world, world["reviews"]["open"])
    assert "not named" in still_open and "Claims closed per day" not in still_open


def test_a_closed_review_keeps_names_as_written_then_even_after_a_rename(world):
    api = world["api"]
    api.patch(f"/customers/{world['customer']['id']}", json={"name": "Policy holders"})
    closed, still_open = _page(world, world["reviews"]["closed"]), _page(world, world["reviews"]["open"])
    assert "Claimants" in closed and "Policy holders" not in closed
    assert "Policy holders" in still_open


def test_the_a3_of_a_closed_review_uses_the_recorded_names(world, app):
    from lms import tenancy
    from lms.extensions import db
    from lms.models import Review, User
    from lms.reviews import chart_data, queries

    world["api"].delete(f"/customers/{world['customer']['id']}")
    with app.test_request_context():
        tenancy.act_as(db.session.scalars(db.select(User).where(User.name == "Ada Admin")).one())
        spec = chart_data.a3_spec(queries.review_page(db.session.get(Review, world["reviews"]["closed"])))
    assert spec["customer"] == "Claimants (external)" and spec["facilitator"] == "Fay Facilitator"
    assert spec["findings"][0]["step"] == "Assess claim"


def test_the_stream_delete_confirmation_names_everything_it_reaches(world):
    page = html.unescape(world["client"].get(f"/value-streams/{world['stream']['id']}").get_data(as_text=True))
    assert ("Delete Claims? This deletes 2 steps, 2 reviews (1 closed) with their 2 findings and 2 actions. "
            "It unlinks 1 KPI (measurements stay).") in page


def test_the_kpi_delete_confirmation_names_everything_it_reaches(world):
    api = world["api"]
    api.post(f"/kpis/{world['kpi']['id']}/measurements", json={"measured_on": "2026-11-02", "value": 4})
    page = html.unescape(world["client"].get(f"/kpis/{world['kpi']['id']}").get_data(as_text=True))
    assert ("Delete Claims closed per day? This deletes 1 measurement, 1 link to an outcome. It unlinks 2 review "
            "actions (1 of closed reviews, which keep the KPI's name as recorded).") in page


def test_the_customer_delete_confirmation_says_closed_reviews_keep_their_names(world):
    page = html.unescape(world["client"].get(f"/customers/{world['customer']['id']}").get_data(as_text=True))
    assert "1 value stream(s) lose their customer or job" in page
    assert "1 closed review(s) of those streams keep the names they recorded when they closed." in page
