"""Deleting a record with dependants: each dependant is deleted with it or kept unlinked, as documented.

Nothing is left pointing at a record that is gone (the database would refuse, or a page would
fail on it later), and the OpenAPI description of each DELETE says which dependants go with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from lms.api.openapi import build_document


@dataclass
class World:
    customer: int
    internal: int
    job: int
    related: int
    outcome: int
    stream: int
    future: int
    steps: list[int]
    kpi: int
    review: int
    finding: int
    action: int


def _ok(response, status: int = 201) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json() if status != 204 else {}


@pytest.fixture()
def api(make, api_as):
    return api_as(make.user(make.org(), "admin"))


@pytest.fixture()
def world(api) -> World:
    """A customer's job stack served by a stream whose steps a KPI and a review name."""
    customer = _ok(api.post("/customers", {"name": "Garage"}))["id"]
    job = _ok(api.post("/jobs", {"customer_id": customer, "statement": "Keep the car running"}))["id"]
    related = _ok(api.post("/jobs", {"customer_id": customer, "statement": "Repair the car",
                                     "parent_id": job}))["id"]
    outcome = _ok(api.post("/outcomes", {"job_id": related, "statement": "Minimize the time to repair"}))["id"]
    _ok(api.post(f"/outcomes/{outcome}/ratings", {"rated_on": "2026-01-05", "importance": 8, "satisfaction": 3}))
    stream = _ok(api.post("/value-streams", {"name": "Repair", "customer_id": customer, "job_id": job}))["id"]
    steps = [_ok(api.post(f"/value-streams/{stream}/steps", {"name": name, "job_id": related}))["id"]
             for name in ("Receive", "Diagnose", "Fix")]
    internal = _ok(api.post("/customers", {"name": "Assembly", "kind": "internal",
                                           "value_stream_id": stream}))["id"]
    future = _ok(api.post(f"/value-streams/{stream}/future-state"))["id"]
    kpi = _ok(api.post("/kpis", {"name": "Repair hours", "value_stream_id": stream, "step_id": steps[1],
                                 "outcome_ids": [outcome]}))["id"]
    _ok(api.post(f"/kpis/{kpi}/measurements", {"measured_on": "2026-01-05", "value": 4}))
    review = _ok(api.post("/reviews", {"value_stream_id": stream, "held_on": "2026-01-06"}))["id"]
    finding = _ok(api.post(f"/reviews/{review}/findings", {"text": "Parts wait", "step_id": steps[1]}))["id"]
    action = _ok(api.post(f"/reviews/{review}/actions", {"title": "Kanban for parts", "step_id": steps[1],
                                                         "kpi_id": kpi, "outcome_id": outcome}))["id"]
    return World(customer, internal, job, related, outcome, stream, future, steps, kpi, review, finding, action)


def _gone(api, *paths: str) -> None:
    for path in paths:
        assert api.get(path).status_code == 404, f"{path} outlived its parent"


def _field(api, path: str, name: str):
    response = api.get(path)
    assert response.status_code == 200, f"{path} went with its parent"
    return response.get_json()[name]


def _description(method: str, path: str) -> str:
    operation = build_document()["paths"]["/api/v1" + path][method.lower()]
    return re.sub(r"\s+", " ", f"{operation['summary']} {operation.get('description', '')}").lower()


def test_deleting_a_customer_takes_its_jobs_outcomes_and_ratings_and_unlinks_the_rest(api, world):
    _ok(api.delete(f"/customers/{world.customer}"), 204)
    _gone(api, f"/jobs/{world.job}", f"/jobs/{world.related}", f"/outcomes/{world.outcome}",
          f"/outcomes/{world.outcome}/ratings")
    assert _field(api, f"/value-streams/{world.stream}", "customer_id") is None
    assert _field(api, f"/value-streams/{world.stream}", "job_id") is None
    assert _field(api, f"/steps/{world.steps[0]}", "job_id") is None
    assert _field(api, f"/kpis/{world.kpi}", "outcome_ids") == []
    assert _field(api, f"/actions/{world.action}", "outcome_id") is None
    text = _description("DELETE", "/customers/{customer_id}")
    assert all(word in text for word in ("jobs", "outcomes", "ratings", "cascade", "stay, unlinked"))


def test_deleting_a_value_stream_takes_its_steps_and_reviews_and_unlinks_the_rest(api, world):
    _ok(api.delete(f"/value-streams/{world.stream}"), 204)
    _gone(api, *[f"/steps/{step}" for step in world.steps], f"/reviews/{world.review}",
          f"/findings/{world.finding}", f"/actions/{world.action}")
    assert _field(api, f"/kpis/{world.kpi}", "value_stream_id") is None
    assert _field(api, f"/kpis/{world.kpi}", "step_id") is None
    assert _field(api, f"/customers/{world.internal}", "value_stream_id") is None
    assert _field(api, f"/value-streams/{world.future}", "derived_from_id") is None
    text = _description("DELETE", "/value-streams/{stream_id}")
    assert all(word in text for word in ("steps", "reviews", "findings", "actions", "cascade", "stay, unlinked"))


def test_deleting_a_step_unlinks_what_named_it_and_closes_the_gap(api, world):
    _ok(api.delete(f"/steps/{world.steps[1]}"), 204)
    assert _field(api, f"/kpis/{world.kpi}", "step_id") is None
    assert _field(api, f"/findings/{world.finding}", "step_id") is None
    assert _field(api, f"/actions/{world.action}", "step_id") is None
    positions = [step["position"] for step in api.get(f"/value-streams/{world.stream}/steps").get_json()["items"]]
    assert positions == [1, 2]
    assert "stay, unlinked" in _description("DELETE", "/steps/{step_id}")


def test_deleting_a_kpi_takes_its_measurements_and_links_and_unlinks_actions(api, world):
    _ok(api.delete(f"/kpis/{world.kpi}"), 204)
    _gone(api, f"/kpis/{world.kpi}/measurements")
    assert _field(api, f"/actions/{world.action}", "kpi_id") is None
    assert _field(api, f"/outcomes/{world.outcome}", "id") == world.outcome
    text = _description("DELETE", "/kpis/{kpi_id}")
    assert all(word in text for word in ("measurements", "links", "stay, unlinked"))


def test_deleting_an_outcome_takes_its_ratings_and_kpi_links_but_keeps_the_kpi(api, world):
    _ok(api.delete(f"/outcomes/{world.outcome}"), 204)
    _gone(api, f"/outcomes/{world.outcome}/ratings")
    assert _field(api, f"/kpis/{world.kpi}", "outcome_ids") == []
    assert _field(api, f"/actions/{world.action}", "outcome_id") is None
    text = _description("DELETE", "/outcomes/{outcome_id}")
    assert all(word in text for word in ("ratings", "links", "stay"))


def test_people_are_never_deleted_only_deactivated(app):
    """Their names stay on every record they touched; deactivation ends their sessions and tokens."""
    for rule in app.url_map.iter_rules():
        if "user_id" in rule.arguments:
            assert "DELETE" not in rule.methods and not rule.rule.endswith("/delete"), rule.rule
