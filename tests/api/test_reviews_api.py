"""The review, finding and action endpoints: CRUD, validation, versions, status and snapshots, audit."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from lms.db import today
from lms.extensions import db
from lms.lean.durations import metrics_in_days
from lms.lean.metrics import API_OBJECT_KEYS
from lms.models import Action, AuditEvent, Finding, Review, Step
from tests.rows import count, row
from tests.scenarios import plan_review, review_line, review_team


@pytest.fixture()
def team(make):
    return review_team(make)


@pytest.fixture()
def line(make, team):
    return review_line(make, team)


def _events(app, record_type: str, record_id: int | None = None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.record_type == record_type).order_by(AuditEvent.id)
        if record_id is not None:
            stmt = stmt.where(AuditEvent.record_id == record_id)
        return list(db.session.scalars(stmt))


# CRUD -----------------------------------------------------------------------------------


def test_review_crud_round_trip(api_as, team, line, app):
    api = api_as(team.manager)
    created = api.post("/reviews", json={
        "value_stream_id": line.stream_id, "kind": "kaizen-event", "held_on": "2026-03-02",
        "facilitator_id": team.manager.id, "participant_ids": [team.owner.id, team.viewer.id],
        "notes": "Cut the welding queue"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["version"] == 1 and body["status"] == "planned" and body["kind"] == "kaizen-event"
    assert body["held_on"] == "2026-03-02" and body["facilitator_id"] == team.manager.id
    assert body["participant_ids"] == sorted([team.owner.id, team.viewer.id])
    assert body["snapshot_open"] is None and body["snapshot_close"] is None
    review_id = body["id"]

    assert api.get(f"/reviews/{review_id}").get_json()["notes"] == "Cut the welding queue"
    listed = api.get(f"/reviews?value_stream_id={line.stream_id}").get_json()
    assert listed["total"] == 2 and {i["id"] for i in listed["items"]} == {review_id, line.earlier_review_id}
    patched = api.patch(f"/reviews/{review_id}", json={"version": 1, "notes": "Cut the queue", "participant_ids": []})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["version"] == 2 and patched.get_json()["participant_ids"] == []
    assert patched.get_json()["kind"] == "kaizen-event"  # untouched fields stay
    only_people = api.patch(f"/reviews/{review_id}", json={"participant_ids": [team.owner.id]}).get_json()
    assert only_people["version"] == 3  # a change of the participants alone raises the version

    assert api.delete(f"/reviews/{review_id}").status_code == 204
    assert api.get(f"/reviews/{review_id}").status_code == 404
    assert [e.action for e in _events(app, "Review", review_id)] == ["create", "update", "update", "delete"]


def test_list_filters_and_pages(api_as, team, line):
    api = api_as(team.manager)
    plan_review(api, line.stream_id, held_on="2026-01-10")
    plan_review(api, line.stream_id, held_on="2026-02-10", status="open")
    assert api.get("/reviews").get_json()["total"] == 3
    assert api.get("/reviews?status=open").get_json()["total"] == 1
    assert api.get("/reviews?status=closed").get_json()["items"][0]["id"] == line.earlier_review_id
    page = api.get("/reviews?per_page=1&page=2").get_json()
    assert page["per_page"] == 1 and page["total"] == 3 and len(page["items"]) == 1
    bad = api.get("/reviews?status=finished")
    assert bad.status_code == 422 and "status" in bad.get_json()["error"]["fields"]
    assert api.get("/reviews?value_stream_id=abc").status_code == 422


def test_findings_crud(api_as, team, line, app):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id, status="open")
    created = api.post(f"/reviews/{review['id']}/findings", json={
        "text": "Coils wait five days before welding", "step_id": line.step_ids[1], "waste_type": "inventory"})
    assert created.status_code == 201, created.get_json()
    finding = created.get_json()
    assert finding["version"] == 1 and finding["review_id"] == review["id"]
    assert finding["created_by_id"] == team.manager.id
    assert api.get(f"/reviews/{review['id']}/findings").get_json()["total"] == 1
    patched = api.patch(f"/findings/{finding['id']}", json={"waste_type": None, "version": 1}).get_json()
    assert patched["waste_type"] is None and patched["version"] == 2
    assert api.get(f"/findings/{finding['id']}").get_json()["text"] == "Coils wait five days before welding"
    assert api.delete(f"/findings/{finding['id']}").status_code == 204
    assert count(app, Finding) == 0
    assert [e.action for e in _events(app, "Finding")] == ["create", "update", "delete"]


def test_actions_crud_and_overdue(api_as, team, line, app):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id, status="open")
    created = api.post(f"/reviews/{review['id']}/actions", json={
        "title": "Weld in the press cell", "step_id": line.step_ids[2], "kpi_id": line.diverging_kpi_id,
        "outcome_id": line.underserved_outcome_id, "owner_id": team.viewer.id, "due_on": "2020-01-31",
        "expected_effect": "Lead time −2 days"})
    assert created.status_code == 201, created.get_json()
    action = created.get_json()
    assert action["stage"] == "plan" and action["overdue"] is True and action["version"] == 1
    listed = api.get(f"/reviews/{review['id']}/actions").get_json()
    assert listed["total"] == 1 and listed["items"][0]["overdue"] is True
    done = api.patch(f"/actions/{action['id']}", json={"stage": "done", "observed_result": "−1.5 days",
                                                        "version": 1})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["overdue"] is False and done.get_json()["observed_result"] == "−1.5 days"
    later = api.patch(f"/actions/{action['id']}", json={"stage": "check", "due_on": str(today())}).get_json()
    assert later["overdue"] is False  # due today is not overdue yet
    assert api.delete(f"/actions/{action['id']}").status_code == 204
    assert api.get(f"/actions/{action['id']}").status_code == 404
    actions = [e.action for e in _events(app, "Action", action["id"])]
    assert actions == ["create", "stage", "update", "stage", "update", "delete"]
    stage_events = [e for e in _events(app, "Action", action["id"]) if e.action == "stage"]
    assert stage_events[0].summary.startswith("Action “Weld in the press cell” moved to done by ")
    assert stage_events[0].before == {"stage": "plan"} and stage_events[0].after == {"stage": "done"}


# Validation -----------------------------------------------------------------------------


@pytest.fixture()
def foreign(make, app):
    """Another organization with its own stream, step, KPI, outcome and user."""
    other = review_team(make, "Globex")
    return other, review_line(make, other)


REVIEW_CASES = [
    ({"colour": "red"}, "colour"),
    ({"kind": "retrospective"}, "kind"),
    ({"held_on": "02/03/2026"}, "held_on"),
    ({"held_on": "2026-02-30"}, "held_on"),
    ({"status": "done"}, "status"),
    ({"facilitator_id": True}, "facilitator_id"),
    ({"facilitator_id": 0}, "facilitator_id"),
    ({"participant_ids": [1, 1]}, "participant_ids"),
    ({"notes": "x" * 20_001}, "notes"),
    ({"value_stream_id": math.nan}, "value_stream_id"),
]


@pytest.mark.parametrize(("fields", "bad"), REVIEW_CASES)
def test_review_fields_are_checked(api_as, team, line, app, fields, bad):
    api = api_as(team.manager)
    response = api.post("/reviews", json={"value_stream_id": line.stream_id, "held_on": "2026-03-02", **fields})
    assert response.status_code == 422, response.get_json()
    assert bad in response.get_json()["error"]["fields"]
    assert count(app, Review) == 1


def test_nan_in_a_raw_body_is_refused(api_as, team, line, client, make):
    token = make.token(team.manager)
    body = '{"value_stream_id": NaN, "held_on": "2026-03-02"}'
    response = client.post("/api/v1/reviews", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (400, 422)
    if response.status_code == 422:
        assert "value_stream_id" in response.get_json()["error"]["fields"]


def test_ids_of_another_organization_are_unknown_fields(api_as, team, line, foreign, app):
    other, theirs = foreign
    api = api_as(team.manager)
    for fields, bad in (({"value_stream_id": theirs.stream_id}, "value_stream_id"),
                        ({"facilitator_id": other.manager.id}, "facilitator_id"),
                        ({"participant_ids": [team.owner.id, other.viewer.id]}, "participant_ids")):
        response = api.post("/reviews", json={"value_stream_id": line.stream_id, "held_on": "2026-03-02",
                                              **fields})
        assert response.status_code == 422, fields
        assert list(response.get_json()["error"]["fields"]) == [bad]
    review = plan_review(api, line.stream_id, status="open")
    for fields, bad in (({"step_id": theirs.step_ids[0]}, "step_id"), ({"kpi_id": theirs.orphan_kpi_id}, "kpi_id"),
                        ({"outcome_id": theirs.underserved_outcome_id}, "outcome_id"),
                        ({"owner_id": other.viewer.id}, "owner_id")):
        response = api.post(f"/reviews/{review['id']}/actions", json={"title": "Try", **fields})
        assert response.status_code == 422 and bad in response.get_json()["error"]["fields"], fields
    finding = api.post(f"/reviews/{review['id']}/findings", json={"text": "x", "step_id": theirs.step_ids[0]})
    assert finding.status_code == 422 and "step_id" in finding.get_json()["error"]["fields"]
    assert count(app, Action) == 2 + 2 and count(app, Finding) == 0  # only the two fixtures' earlier actions each


def test_step_of_another_stream_of_the_same_organization_is_refused(api_as, team, line, app):
    api = api_as(team.manager)
    other_stream = api.post("/value-streams", json={"name": "Paint"}).get_json()
    other_step = api.post(f"/value-streams/{other_stream['id']}/steps", json={"name": "Spray"}).get_json()
    review = plan_review(api, line.stream_id)
    response = api.post(f"/reviews/{review['id']}/findings", json={"text": "x", "step_id": other_step["id"]})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["step_id"] == ["No such step in this review's value stream."]


@pytest.mark.parametrize(("fields", "bad"), [
    ({"title": ""}, "title"), ({"title": "x" * 301}, "title"), ({"stage": "doing"}, "stage"),
    ({"due_on": "tomorrow"}, "due_on"), ({"owner_id": "me"}, "owner_id"), ({"extra": 1}, "extra"),
])
def test_action_fields_are_checked(api_as, team, line, fields, bad):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id)
    response = api.post(f"/reviews/{review['id']}/actions", json={"title": "Try", **fields})
    assert response.status_code == 422 and bad in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(("fields", "bad"), [
    ({"text": ""}, "text"), ({"text": "x" * 20_001}, "text"), ({"waste_type": "laziness"}, "waste_type"),
    ({"step_id": -3}, "step_id"),
])
def test_finding_fields_are_checked(api_as, team, line, fields, bad):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id)
    response = api.post(f"/reviews/{review['id']}/findings", json={"text": "Seen", **fields})
    assert response.status_code == 422 and bad in response.get_json()["error"]["fields"]


def test_patch_refuses_null_for_required_fields(api_as, team, line):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id)
    for fields in ({"kind": None}, {"held_on": None}, {"status": None}, {"value_stream_id": None}):
        response = api.patch(f"/reviews/{review['id']}", json=fields)
        assert response.status_code == 422 and list(fields)[0] in response.get_json()["error"]["fields"]
    action = api.post(f"/reviews/{review['id']}/actions", json={"title": "Try"}).get_json()
    assert api.patch(f"/actions/{action['id']}", json={"title": None}).status_code == 422


def test_stale_version_answers_409_and_changes_nothing(api_as, team, line, app):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id, notes="first")
    assert api.patch(f"/reviews/{review['id']}", json={"notes": "second", "version": 1}).status_code == 200
    stale = api.patch(f"/reviews/{review['id']}", json={"notes": "third", "status": "open", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "version-conflict"
    stored = row(app, Review, review["id"])
    assert stored.notes == "second" and stored.status == "planned" and stored.snapshot_open is None
    action = api.post(f"/reviews/{review['id']}/actions", json={"title": "Try"}).get_json()
    api.patch(f"/actions/{action['id']}", json={"stage": "do"})
    assert api.patch(f"/actions/{action['id']}", json={"stage": "act", "version": 1}).status_code == 409
    assert row(app, Action, action["id"]).stage == "do"
    finding = api.post(f"/reviews/{review['id']}/findings", json={"text": "Seen"}).get_json()
    api.patch(f"/findings/{finding['id']}", json={"text": "Seen twice"})
    assert api.patch(f"/findings/{finding['id']}", json={"text": "Again", "version": 1}).status_code == 409
    assert row(app, Finding, finding["id"]).text == "Seen twice"


# Status and snapshots -------------------------------------------------------------------


def test_snapshots_are_taken_once_and_survive_later_edits_of_the_stream(api_as, team, line, app):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id)
    metrics_before = api.get(f"/value-streams/{line.stream_id}/metrics").get_json()
    opened = api.patch(f"/reviews/{review['id']}", json={"status": "open", "version": 1})
    assert opened.status_code == 200, opened.get_json()
    body = opened.get_json()
    assert body["snapshot_open"] == metrics_before and body["opened_at"] is not None
    # The metrics object, with the same figures in working days beside the times (issue 14).
    day_keys = set(metrics_in_days({}, None))
    assert set(body["snapshot_open"]) == set(API_OBJECT_KEYS) | day_keys and body["snapshot_close"] is None
    assert body["snapshot_open"]["working_day_s"] == metrics_before["working_day_s"]

    # The team improves the welding step while the review is open.
    welding = api.get(f"/steps/{line.step_ids[2]}").get_json()
    api.patch(f"/steps/{line.step_ids[2]}", json={"wait_time_s": 0, "version": welding["version"]})
    metrics_after = api.get(f"/value-streams/{line.stream_id}/metrics").get_json()
    assert metrics_after["lead_time_s"] < metrics_before["lead_time_s"]
    closed = api.patch(f"/reviews/{review['id']}", json={"status": "closed"}).get_json()
    assert closed["snapshot_close"] == metrics_after and closed["snapshot_open"] == metrics_before
    stored = row(app, Review, review["id"])
    stored_open, stored_close = dict(stored.snapshot_open), dict(stored.snapshot_close)

    # Later the map changes again: a cycle time edited, a step deleted.
    stamping = api.get(f"/steps/{line.step_ids[0]}").get_json()
    assert api.patch(f"/steps/{line.step_ids[0]}", json={"cycle_time_s": 500,
                                                        "version": stamping["version"]}).status_code == 200
    assert api.delete(f"/steps/{line.step_ids[1]}").status_code == 204
    assert api.get(f"/value-streams/{line.stream_id}/metrics").get_json() != metrics_after
    again = api.get(f"/reviews/{review['id']}").get_json()
    assert again["snapshot_open"] == metrics_before and again["snapshot_close"] == metrics_after
    stored = row(app, Review, review["id"])
    assert stored.snapshot_open == stored_open and stored.snapshot_close == stored_close

    # A second closing (closed -> closed) changes nothing; neither does an edit of the notes.
    api.patch(f"/reviews/{review['id']}", json={"status": "closed", "notes": "Follow up in 30 days"})
    assert row(app, Review, review["id"]).snapshot_close == stored_close
    status_events = [e for e in _events(app, "Review", review["id"]) if e.action == "status"]
    assert [(e.before, e.after["status"]) for e in status_events] == [
        ({"status": "planned"}, "open"), ({"status": "open"}, "closed")]
    assert "figures recorded at opening" in status_events[0].summary


def test_snapshot_keeps_the_step_timeline_for_the_a3(api_as, team, line, app):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id, status="open")
    stored = row(app, Review, review["id"])
    timeline = stored.snapshot_open["step_timeline"]
    assert [t["name"] for t in timeline][:3] == ["Stamping", "Coils before welding", "Welding"]
    assert "step_timeline" not in review["snapshot_open"]  # the API shows the metrics object only


def test_planned_to_closed_takes_both_snapshots_at_once(api_as, team, line):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id)
    closed = api.patch(f"/reviews/{review['id']}", json={"status": "closed"}).get_json()
    assert closed["status"] == "closed"
    assert closed["snapshot_open"] is not None and closed["snapshot_open"] == closed["snapshot_close"]
    assert closed["opened_at"] == closed["closed_at"]


def test_open_cannot_go_back_to_planned(api_as, team, line, app):
    api = api_as(team.admin)
    review = plan_review(api, line.stream_id, status="open")
    response = api.patch(f"/reviews/{review['id']}", json={"status": "planned"})
    assert response.status_code == 422
    assert "cannot go back to planned" in response.get_json()["error"]["fields"]["status"][0]
    assert row(app, Review, review["id"]).status == "open"


def test_only_an_admin_takes_a_closed_review_back(api_as, team, line, app):
    manager = api_as(team.manager)
    review = plan_review(manager, line.stream_id, status="closed")
    snapshots = (review["snapshot_open"], review["snapshot_close"])
    refused = manager.patch(f"/reviews/{review['id']}", json={"status": "open"})
    assert refused.status_code == 403 and "only an admin" in refused.get_json()["error"]["message"]
    assert manager.patch(f"/reviews/{review['id']}", json={"status": "planned"}).status_code == 403
    assert row(app, Review, review["id"]).status == "closed"

    admin = api_as(team.admin)
    reopened = admin.patch(f"/reviews/{review['id']}", json={"status": "open"})
    assert reopened.status_code == 200 and reopened.get_json()["status"] == "open"
    assert (reopened.get_json()["snapshot_open"], reopened.get_json()["snapshot_close"]) == snapshots
    welding = admin.get(f"/steps/{line.step_ids[2]}").get_json()
    admin.patch(f"/steps/{line.step_ids[2]}", json={"cycle_time_s": 5, "version": welding["version"]})
    closed_again = admin.patch(f"/reviews/{review['id']}", json={"status": "closed"}).get_json()
    assert closed_again["snapshot_close"] == snapshots[1]  # a second closing does not retake it
    events = [e.summary for e in _events(app, "Review", review["id"]) if e.action == "status"]
    assert any("reopened by" in summary for summary in events)


def test_a_review_moves_to_another_stream_only_while_planned(api_as, team, line):
    api = api_as(team.manager)
    other = api.post("/value-streams", json={"name": "Paint"}).get_json()
    review = plan_review(api, line.stream_id)
    moved = api.patch(f"/reviews/{review['id']}", json={"value_stream_id": other["id"]})
    assert moved.status_code == 200 and moved.get_json()["value_stream_id"] == other["id"]
    api.patch(f"/reviews/{review['id']}", json={"status": "open"})
    back = api.patch(f"/reviews/{review['id']}", json={"value_stream_id": line.stream_id})
    assert back.status_code == 422 and "value_stream_id" in back.get_json()["error"]["fields"]


def test_a_closed_review_takes_no_new_findings_or_actions(api_as, team, line, app):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id, status="open")
    action = api.post(f"/reviews/{review['id']}/actions", json={"title": "Try"}).get_json()
    api.patch(f"/reviews/{review['id']}", json={"status": "closed"})
    assert api.post(f"/reviews/{review['id']}/findings", json={"text": "Late"}).status_code == 422
    assert api.post(f"/reviews/{review['id']}/actions", json={"title": "Late"}).status_code == 422
    assert api.delete(f"/actions/{action['id']}").status_code == 422
    # The follow-up of an agreed action goes on after the review closed.
    assert api.patch(f"/actions/{action['id']}", json={"stage": "check"}).status_code == 200


# The agenda -----------------------------------------------------------------------------


def test_agenda_holds_every_kind_of_point(api_as, team, line):
    api = api_as(team.viewer)
    review = api_as(team.manager).post("/reviews", json={"value_stream_id": line.stream_id,
                                                         "held_on": str(today())}).get_json()
    agenda = api.get(f"/reviews/{review['id']}/agenda")
    assert agenda.status_code == 200, agenda.get_json()
    items = agenda.get_json()["items"]
    found = {(item["kind"], item["record_type"], item["record_id"]) for item in items}
    assert ("kpi-diverging", "Kpi", line.diverging_kpi_id) in found
    assert ("kpi-orphan", "Kpi", line.orphan_kpi_id) in found
    assert ("kpi-stale", "Kpi", line.stale_kpi_id) in found
    assert ("untagged-step", "Step", line.untagged_step_id) in found
    assert ("over-takt-step", "Step", line.over_takt_step_id) in found
    assert ("flagged-value-adding-step", "Step", line.flagged_va_step_id) in found
    assert ("underserved-outcome", "Outcome", line.underserved_outcome_id) in found
    assert ("job-gap", "Job", line.gap_job_id) in found
    assert ("overdue-action", "Action", line.overdue_action_id) in found
    by_kind = {item["kind"]: item for item in items}
    assert by_kind["untagged-step"]["url"] == f"/value-streams/{line.stream_id}/steps/{line.untagged_step_id}"
    assert by_kind["kpi-orphan"]["url"] == f"/kpis/{line.orphan_kpi_id}"
    assert by_kind["underserved-outcome"]["url"] == f"/customers/outcomes/{line.underserved_outcome_id}"
    assert by_kind["overdue-action"]["url"].endswith(f"/reviews/{line.earlier_review_id}#action-{line.overdue_action_id}")
    # The stream serves an internal customer (the assembly plant) and its KPI diverges from the plant's
    # outcome: a sub-optimization alert.
    assert by_kind["suboptimization"]["record_type"] == "Customer"
    # Nothing else: the aligned steps and the done action are not on it.
    assert len(items) == 10


def test_agenda_drops_what_was_fixed(api_as, team, line, app):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id)
    action = api.get(f"/actions/{line.overdue_action_id}").get_json()
    api.patch(f"/actions/{line.overdue_action_id}", json={"stage": "done", "version": action["version"]})
    welding = api.get(f"/steps/{line.untagged_step_id}").get_json()
    api.patch(f"/steps/{line.untagged_step_id}", json={"classification": "necessary", "cycle_time_s": 25,
                                                       "version": welding["version"]})
    kinds = {item["kind"] for item in api.get(f"/reviews/{review['id']}/agenda").get_json()["items"]}
    assert "overdue-action" not in kinds and "untagged-step" not in kinds and "over-takt-step" not in kinds


def test_openapi_documents_the_review_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/reviews", "/api/v1/reviews/{review_id}", "/api/v1/reviews/{review_id}/actions",
                 "/api/v1/actions/{action_id}", "/api/v1/reviews/{review_id}/findings",
                 "/api/v1/findings/{finding_id}", "/api/v1/reviews/{review_id}/agenda"):
        assert path in document["paths"], path
    assert "overdue" in document["components"]["schemas"]["ActionOut"]["properties"]
    assert "snapshot_open" in document["components"]["schemas"]["ReviewOut"]["properties"]


def test_deleting_a_review_removes_its_findings_and_actions(api_as, team, line, app):
    api = api_as(team.manager)
    review = plan_review(api, line.stream_id, status="open")
    api.post(f"/reviews/{review['id']}/findings", json={"text": "Seen"})
    api.post(f"/reviews/{review['id']}/actions", json={"title": "Try"})
    assert api.delete(f"/reviews/{review['id']}").status_code == 204
    with app.app_context():
        assert db.session.scalar(select(Finding.id).where(Finding.review_id == review["id"])) is None
        assert db.session.scalar(select(Action.id).where(Action.review_id == review["id"])) is None
        assert db.session.get(Step, line.step_ids[0]) is not None
