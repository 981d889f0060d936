"""Who may run reviews and move actions through the API, and that nothing crosses organizations."""

from __future__ import annotations

import pytest

from lms.models import Action, Finding, Review
from tests.rows import count, row
from tests.scenarios import plan_review, review_line, review_team


@pytest.fixture()
def team(make):
    return review_team(make)


@pytest.fixture()
def line(make, team):
    return review_line(make, team)


@pytest.fixture()
def running(api_as, team, line):
    """An open review with a finding and an action assigned to the viewer."""
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id, status="open")
    finding = api.post(f"/reviews/{review['id']}/findings", json={"text": "Coils pile up"}).get_json()
    action = api.post(f"/reviews/{review['id']}/actions", json={
        "title": "Pull coils by kanban", "owner_id": team.viewer.id, "expected_effect": "Less inventory"}).get_json()
    return review, finding, action


def test_viewer_reads_but_may_not_write(api_as, team, line, running, app):
    review, finding, action = running
    api = api_as(team.viewer)
    assert api.get(f"/reviews/{review['id']}").status_code == 200
    assert api.get(f"/reviews/{review['id']}/actions").status_code == 200
    writes = [
        api.post("/reviews", json={"value_stream_id": line.stream_id, "held_on": "2026-03-02"}),
        api.patch(f"/reviews/{review['id']}", json={"notes": "mine now"}),
        api.patch(f"/reviews/{review['id']}", json={"status": "closed"}),
        api.delete(f"/reviews/{review['id']}"),
        api.post(f"/reviews/{review['id']}/findings", json={"text": "x"}),
        api.patch(f"/findings/{finding['id']}", json={"text": "y"}),
        api.delete(f"/findings/{finding['id']}"),
        api.post(f"/reviews/{review['id']}/actions", json={"title": "x"}),
        api.delete(f"/actions/{action['id']}"),
    ]
    assert [r.status_code for r in writes] == [403] * len(writes)
    stored = row(app, Review, review["id"])
    assert stored.status == "open" and stored.notes == "" and count(app, Review) == 2


def test_assignee_moves_their_own_action_and_writes_the_result_only(api_as, team, running, app):
    _, _, action = running
    api = api_as(team.viewer)
    moved = api.patch(f"/actions/{action['id']}", json={"stage": "do", "version": 1})
    assert moved.status_code == 200, moved.get_json()
    result = api.patch(f"/actions/{action['id']}", json={"stage": "check", "observed_result": "Stock halved"})
    assert result.status_code == 200 and result.get_json()["observed_result"] == "Stock halved"
    for fields in ({"title": "Something else"}, {"owner_id": team.manager.id}, {"due_on": "2030-01-01"},
                   {"stage": "act", "expected_effect": "More"}):
        refused = api.patch(f"/actions/{action['id']}", json=fields)
        assert refused.status_code == 403, fields
        assert "stage and observed result only" in refused.get_json()["error"]["message"]
    stored = row(app, Action, action["id"])
    assert (stored.stage, stored.title, stored.owner_id) == ("check", "Pull coils by kanban", team.viewer.id)
    # Sending unchanged values of other fields with a stage move is fine.
    same = api.patch(f"/actions/{action['id']}", json={"stage": "act", "title": "Pull coils by kanban"})
    assert same.status_code == 200 and same.get_json()["stage"] == "act"


def test_someone_elses_action_is_not_theirs_to_move(api_as, team, running, app):
    _, _, action = running
    for user in (team.other_owner,):
        response = api_as(user).patch(f"/actions/{action['id']}", json={"stage": "do"})
        assert response.status_code == 403
    assert row(app, Action, action["id"]).stage == "plan"


def test_owner_of_another_stream_may_not_run_this_one(api_as, team, line, running, app):
    review, finding, action = running
    api = api_as(team.other_owner)
    writes = [
        api.post("/reviews", json={"value_stream_id": line.stream_id, "held_on": "2026-03-02"}),
        api.patch(f"/reviews/{review['id']}", json={"status": "closed"}),
        api.post(f"/reviews/{review['id']}/findings", json={"text": "x"}),
        api.post(f"/reviews/{review['id']}/actions", json={"title": "x"}),
        api.patch(f"/actions/{action['id']}", json={"title": "x"}),
    ]
    assert [r.status_code for r in writes] == [403] * len(writes)
    assert row(app, Review, review["id"]).status == "open" and count(app, Finding) == 1


def test_owner_of_the_stream_runs_its_reviews_but_does_not_delete_them(api_as, team, line, app):
    api = api_as(team.owner)
    review = plan_review(api, line.stream_id, kind="gemba-walk")
    assert api.patch(f"/reviews/{review['id']}", json={"status": "open"}).status_code == 200
    finding = api.post(f"/reviews/{review['id']}/findings", json={"text": "Welder waits for coils"})
    action = api.post(f"/reviews/{review['id']}/actions", json={"title": "Buffer of two coils",
                                                                 "owner_id": team.manager.id})
    assert finding.status_code == 201 and action.status_code == 201
    assert api.patch(f"/actions/{action.get_json()['id']}", json={"title": "Buffer of one coil"}).status_code == 200
    assert api.patch(f"/reviews/{review['id']}", json={"status": "closed"}).status_code == 200
    assert api.delete(f"/reviews/{review['id']}").status_code == 403
    assert api.patch(f"/reviews/{review['id']}", json={"status": "open"}).status_code == 403
    assert row(app, Review, review["id"]).status == "closed"


def test_another_organizations_records_are_not_found(api_as, make, app, team, running):
    review, finding, action = running
    other = review_team(make, "Globex")
    api = api_as(other.admin)
    calls = [
        api.get(f"/reviews/{review['id']}"), api.patch(f"/reviews/{review['id']}", json={"notes": "x"}),
        api.delete(f"/reviews/{review['id']}"), api.get(f"/reviews/{review['id']}/agenda"),
        api.get(f"/reviews/{review['id']}/actions"), api.post(f"/reviews/{review['id']}/actions", json={"title": "x"}),
        api.get(f"/reviews/{review['id']}/findings"),
        api.post(f"/reviews/{review['id']}/findings", json={"text": "x"}),
        api.get(f"/actions/{action['id']}"), api.patch(f"/actions/{action['id']}", json={"stage": "done"}),
        api.delete(f"/actions/{action['id']}"),
        api.get(f"/findings/{finding['id']}"), api.patch(f"/findings/{finding['id']}", json={"text": "x"}),
        api.delete(f"/findings/{finding['id']}"),
    ]
    assert [c.status_code for c in calls] == [404] * len(calls)
    assert api.get("/reviews").get_json()["total"] == 0
    assert row(app, Review, review["id"]).notes == ""
    assert row(app, Action, action["id"]).stage == "plan"
    assert row(app, Finding, finding["id"]).text == "Coils pile up"
    assert count(app, Action) == 3 and count(app, Finding) == 1
