"""The KPI API: CRUD, validation, versions, roles, tenancy, measurements and audit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import AuditEvent, Kpi, KpiMeasurement, KpiOutcomeLink
from tests.rows import count
from tests.scenarios import day, monthly, repair_hotline


@pytest.fixture()
def world(make, app):
    return repair_hotline(make)



def _events(app, action: str | None = None, record_type: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        if record_type:
            stmt = stmt.where(AuditEvent.record_type == record_type)
        return list(db.session.scalars(stmt))


# --- CRUD -----------------------------------------------------------------------------------

def test_create_read_update_delete(world, api_as, app):
    api = api_as(world.manager)
    created = api.post("/kpis", json={
        "name": "Calls closed per hour", "unit": "calls/h", "direction": "increase", "target": 12,
        "value_stream_id": world.stream_id, "step_id": world.step_id, "owner_id": world.owner.id,
        "description": "Closed tickets / staffed hours", "outcome_ids": [world.outcome_ids[0]]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["id"] and body["version"] == 1
    assert body["outcome_ids"] == [world.outcome_ids[0]] and body["target"] == 12
    assert body["drift_status"] == "insufficient-data"
    kpi_id = body["id"]

    got = api.get(f"/kpis/{kpi_id}").get_json()
    assert got["name"] == "Calls closed per hour" and got["owner_id"] == world.owner.id

    patched = api.patch(f"/kpis/{kpi_id}", json={"version": 1, "name": "Calls closed / h", "target": None})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["version"] == 2 and patched.get_json()["target"] is None
    assert patched.get_json()["unit"] == "calls/h"  # untouched fields stay

    relinked = api.patch(f"/kpis/{kpi_id}", json={"outcome_ids": [world.outcome_ids[1]]}).get_json()
    assert relinked["outcome_ids"] == [world.outcome_ids[1]] and relinked["version"] == 3

    world.measure(kpi_id, monthly())
    assert api.delete(f"/kpis/{kpi_id}").status_code == 204
    assert api.get(f"/kpis/{kpi_id}").status_code == 404
    assert count(app, KpiMeasurement) == 0 and count(app, KpiOutcomeLink) == 0


def test_list_is_paginated_with_drift_status_and_filters(world, api_as, app):
    orphan = world.kpi("Orphan KPI", stream_id=world.other_stream_id)
    linked = world.kpi("Linked KPI", outcome_ids=[world.outcome_ids[0]],
                     owner_id=world.owner.id, stream_id=world.stream_id)
    api = api_as(world.viewer)
    body = api.get("/kpis?per_page=1").get_json()
    assert body["total"] == 2 and body["per_page"] == 1 and len(body["items"]) == 1
    assert body["items"][0]["name"] == "Linked KPI" and body["items"][0]["drift_status"] == "insufficient-data"
    assert [k["id"] for k in api.get("/kpis?status=orphan").get_json()["items"]] == [orphan]
    assert [k["id"] for k in api.get(f"/kpis?owner_id={world.owner.id}").get_json()["items"]] == [linked]
    assert [k["id"] for k in api.get(f"/kpis?value_stream_id={world.other_stream_id}").get_json()["items"]] == [orphan]
    assert [k["id"] for k in api.get(f"/kpis?customer_id={world.customer_id}").get_json()["items"]] == [linked]
    bad = api.get("/kpis?status=fine")
    assert bad.status_code == 422 and "status" in bad.get_json()["error"]["fields"]


def test_outcome_links_carry_rationales_and_outcome_ids_keep_them(world, api_as, app):
    api = api_as(world.admin)
    a, b = world.outcome_ids
    body = api.post("/kpis", json={"name": "First-time fix rate", "unit": "%", "outcome_links": [
        {"outcome_id": a, "rationale": "A fix on the first call is the fastest correct answer."}]}).get_json()
    assert body["outcome_links"] == [{"outcome_id": a, "rationale": "A fix on the first call is the fastest correct answer."}]
    body = api.patch(f"/kpis/{body['id']}", json={"outcome_ids": [a, b]}).get_json()
    rationales = {link["outcome_id"]: link["rationale"] for link in body["outcome_links"]}
    assert rationales == {a: "A fix on the first call is the fastest correct answer.", b: ""}


def test_a_step_alone_brings_its_value_stream(world, api_as):
    body = api_as(world.manager).post("/kpis", json={"name": "Re-entries", "step_id": world.waste_step_id}).get_json()
    assert body["value_stream_id"] == world.stream_id


# --- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "field"), [
    ({"name": "x", "direction": "up"}, "direction"),
    ('{"name": "x", "target": NaN}', "target"),
    ('{"name": "x", "target": Infinity}', "target"),
    ({"name": "x", "outcome_ids": [999999]}, "outcome_ids"),
    ({"name": "x", "outcome_links": [{"outcome_id": 999999, "rationale": "?"}]}, "outcome_links"),
    ({"name": "x", "outcome_ids": [1], "outcome_links": []}, "outcome_links"),
    ({"name": "x", "colour": "red"}, "colour"),
    ({"name": ""}, "name"),
    ({"unit": "h"}, "name"),
    ({"name": "x", "unit": "u" * 51}, "unit"),
    ({"name": "x", "value_stream_id": 999999}, "value_stream_id"),
    ({"name": "x", "owner_id": 999999}, "owner_id"),
    ({"name": "x", "owner_id": True}, "owner_id"),  # true is not an id (it was read as user 1)
    ({"name": "x", "value_stream_id": True}, "value_stream_id"),
    ({"name": "x", "outcome_links": [{"outcome_id": True}]}, "outcome_links.0.outcome_id"),
    ("STEP_OF_ANOTHER_STREAM", "step_id"),
])
def test_invalid_kpi_is_422_naming_the_field_and_nothing_is_saved(world, api_as, app, body, field):
    api = api_as(world.manager)
    if body == "STEP_OF_ANOTHER_STREAM":
        body = {"name": "x", "value_stream_id": world.stream_id, "step_id": world.other_step_id}
    if isinstance(body, str):
        response = api.post("/kpis", data=body, content_type="application/json")
    else:
        response = api.post("/kpis", json=body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error
    assert count(app, Kpi) == 0 and count(app, KpiOutcomeLink) == 0 and not _events(app, record_type="Kpi")


@pytest.mark.parametrize(("body", "field"), [
    ({"name": None}, "name"),
    ({"direction": None}, "direction"),
    ('{"target": NaN}', "target"),
    ("STEP_OF_ANOTHER_STREAM", "step_id"),
    ({"value_stream_id": "OTHER_STREAM"}, "value_stream_id"),
    ({"outcome_ids": [999999]}, "outcome_ids"),
    ({"outcome_ids": [1, 1]}, "outcome_ids"),
    ({"version": 1, "surprise": True}, "surprise"),
])
def test_invalid_patch_changes_nothing(world, api_as, app, body, field):
    kpi_id = world.kpi("Stable", outcome_ids=[world.outcome_ids[0]], stream_id=world.stream_id,
                     step_id=world.step_id, target=5)
    api = api_as(world.manager)
    if body == "STEP_OF_ANOTHER_STREAM":
        body = {"step_id": world.other_step_id}
    if body == {"value_stream_id": "OTHER_STREAM"}:
        body = {"value_stream_id": world.other_stream_id}  # its step belongs to the first stream
    if isinstance(body, str):
        response = api.patch(f"/kpis/{kpi_id}", data=body, content_type="application/json")
    else:
        response = api.patch(f"/kpis/{kpi_id}", json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"], response.get_json()
    after = api.get(f"/kpis/{kpi_id}").get_json()
    assert (after["version"], after["name"], after["target"], after["step_id"], after["value_stream_id"],
            after["outcome_ids"]) == (1, "Stable", 5, world.step_id, world.stream_id, [world.outcome_ids[0]])


def test_stale_version_is_409_and_nothing_changes(world, api_as, app):
    kpi_id = world.kpi("Original", outcome_ids=[world.outcome_ids[0]])
    api = api_as(world.manager)
    assert api.patch(f"/kpis/{kpi_id}", json={"version": 1, "name": "Second"}).status_code == 200
    stale = api.patch(f"/kpis/{kpi_id}", json={"version": 1, "name": "Third", "outcome_ids": []})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "version-conflict"
    after = api.get(f"/kpis/{kpi_id}").get_json()
    assert after["name"] == "Second" and after["version"] == 2 and after["outcome_ids"] == [world.outcome_ids[0]]
    assert api.delete(f"/kpis/{kpi_id}?version=1").status_code == 409
    assert api.get(f"/kpis/{kpi_id}").status_code == 200


# --- audit ------------------------------------------------------------------------------------

def test_kpi_changes_links_and_targets_are_audited(world, api_as, app):
    api = api_as(world.manager)
    a, b = world.outcome_ids
    kpi_id = api.post("/kpis", json={"name": "AHT", "direction": "decrease", "target": 300,
                                     "outcome_ids": [a]}).get_json()["id"]
    api.patch(f"/kpis/{kpi_id}", json={"target": 240, "unit": "s"})
    api.patch(f"/kpis/{kpi_id}", json={"outcome_ids": [b]})
    api.delete(f"/kpis/{kpi_id}")
    actions = [(e.action, e.record_id) for e in _events(app, record_type="Kpi")]
    assert actions == [("create", kpi_id), ("target", kpi_id), ("update", kpi_id), ("link", kpi_id),
                       ("delete", kpi_id)]
    target, update, link = (_events(app, action)[0] for action in ("target", "update", "link"))
    assert target.before == {"target": 300} and target.after == {"target": 240}
    assert update.before == {"unit": ""} and update.after == {"unit": "s"}
    assert link.before["outcome_ids"] == [a] and link.after["outcome_ids"] == [b]
    assert all(e.actor_id == world.manager.id for e in _events(app, record_type="Kpi"))


# --- measurements -----------------------------------------------------------------------------

def test_one_measurement_per_date_a_second_updates_it_and_is_audited(world, api_as, app):
    kpi_id = world.kpi(outcome_ids=[world.outcome_ids[0]])
    api = api_as(world.manager)
    first = api.post(f"/kpis/{kpi_id}/measurements", json={"measured_on": "2026-03-02", "value": 41.5,
                                                            "note": "new script"})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["value"] == 41.5 and first.get_json()["entered_by_id"] == world.manager.id
    second = api.post(f"/kpis/{kpi_id}/measurements", json={"measured_on": "2026-03-02", "value": 43})
    assert second.status_code == 201
    assert second.get_json()["id"] == first.get_json()["id"] and second.get_json()["version"] == 2
    assert count(app, KpiMeasurement) == 1
    created, updated = _events(app, record_type="KpiMeasurement")
    assert created.action == "create" and created.after["value"] == 41.5
    assert updated.action == "update"
    assert updated.before["value"] == 41.5 and updated.after["value"] == 43
    assert updated.before["note"] == "new script" and updated.after["note"] == ""


def test_measurements_list_newest_first_and_paginated(world, api_as, app):
    kpi_id = world.kpi()
    world.measure(kpi_id, monthly())
    body = api_as(world.viewer).get(f"/kpis/{kpi_id}/measurements?per_page=4").get_json()
    assert body["total"] == 6 and len(body["items"]) == 4
    assert [m["measured_on"] for m in body["items"]] == [day(x).isoformat() for x in (180, 150, 120, 90)]


def test_bulk_measurements_are_all_or_nothing(world, api_as, app):
    kpi_id = world.kpi()
    api = api_as(world.manager)
    rows = [{"measured_on": f"2026-01-0{i}", "value": i} for i in range(1, 6)]
    rows[3] = {"measured_on": "2026-01-04", "value": "lots"}
    bad = api.post(f"/kpis/{kpi_id}/measurements", json={"measurements": rows})
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["measurements.3.value"]
    rows[3] = {"measured_on": "2026-01-02", "value": 4}
    duplicate = api.post(f"/kpis/{kpi_id}/measurements", json={"measurements": rows})
    assert duplicate.status_code == 422
    assert list(duplicate.get_json()["error"]["fields"]) == ["measurements.3.measured_on"]
    assert count(app, KpiMeasurement) == 0 and not _events(app, record_type="KpiMeasurement")

    world.measure(kpi_id, [(day(1), 0.5)])
    set_up = len(_events(app, record_type="KpiMeasurement"))  # the set-up's measurement is audited too
    rows[3] = {"measured_on": "2026-01-04", "value": 4}
    rows.append({"measured_on": day(1).isoformat(), "value": 9, "note": "corrected"})
    good = api.post(f"/kpis/{kpi_id}/measurements", json={"measurements": rows})
    assert good.status_code == 201, good.get_json()
    assert [m["value"] for m in good.get_json()["items"]] == [1, 2, 3, 4, 5, 9]
    assert count(app, KpiMeasurement) == 6
    assert sorted(e.action for e in _events(app, record_type="KpiMeasurement")[set_up:]) == ["create"] * 5 + ["update"]


@pytest.mark.parametrize(("body", "field"), [
    ({"measured_on": "2026-02-30", "value": 1}, "measured_on"),
    ({"measured_on": "yesterday", "value": 1}, "measured_on"),
    ('{"measured_on": "2026-02-03", "value": NaN}', "value"),
    ({"measured_on": "2026-02-03", "value": True}, "value"),
    ({"measured_on": "2026-02-03", "value": 1, "note": "n" * 2001}, "note"),
    ({"measured_on": "2026-02-03", "value": 1, "by": "me"}, "by"),
    ({"measurements": []}, "measurements"),
])
def test_invalid_measurement_is_422(world, api_as, app, body, field):
    kpi_id = world.kpi()
    api = api_as(world.manager)
    if isinstance(body, str):
        response = api.post(f"/kpis/{kpi_id}/measurements", data=body, content_type="application/json")
    else:
        response = api.post(f"/kpis/{kpi_id}/measurements", json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert count(app, KpiMeasurement) == 0


# --- roles ------------------------------------------------------------------------------------

def _writes(world, kpi_id):
    return [
        ("post", "/kpis", {"name": "New"}),
        ("patch", f"/kpis/{kpi_id}", {"name": "Renamed"}),
        ("patch", f"/kpis/{kpi_id}", {"outcome_ids": []}),
        ("delete", f"/kpis/{kpi_id}", None),
        ("post", f"/kpis/{kpi_id}/measurements", {"measured_on": "2026-01-01", "value": 1}),
        ("post", f"/kpis/{kpi_id}/measurements", {"measurements": [{"measured_on": "2026-01-01", "value": 1}]}),
    ]


def _call(api, method, path, body):
    return api.delete(path) if method == "delete" else getattr(api, method)(path, json=body)


def test_viewer_may_read_but_every_write_is_403(world, api_as, app):
    kpi_id = world.kpi("Theirs", outcome_ids=[world.outcome_ids[0]], owner_id=world.viewer.id)
    api = api_as(world.viewer)
    for method, path, body in _writes(world, kpi_id):
        response = _call(api, method, path, body)
        assert response.status_code == 403, (method, path, response.get_json())
        assert response.get_json()["error"]["code"] == "forbidden"
    assert api.get(f"/kpis/{kpi_id}").status_code == 200
    assert api.get(f"/kpis/{kpi_id}/drift").status_code == 200
    assert count(app, Kpi) == 1 and count(app, KpiMeasurement) == 0 and count(app, KpiOutcomeLink) == 1
    assert api.get(f"/kpis/{kpi_id}").get_json()["version"] == 1


def test_owner_measures_own_kpi_only_and_cannot_edit_kpis(world, api_as, app):
    own = world.kpi("Mine", owner_id=world.owner.id)
    theirs = world.kpi("Theirs", owner_id=world.other_owner.id)
    api = api_as(world.owner)
    measurement = {"measured_on": "2026-01-05", "value": 3}
    assert api.post(f"/kpis/{own}/measurements", json=measurement).status_code == 201
    assert api.post(f"/kpis/{own}/measurements", json={"measurements": [measurement]}).status_code == 201
    assert api.post(f"/kpis/{theirs}/measurements", json=measurement).status_code == 403
    assert api.post(f"/kpis/{theirs}/measurements", json={"measurements": [measurement]}).status_code == 403
    for method, path, body in _writes(world, own)[:4]:
        assert _call(api, method, path, body).status_code == 403, (method, path)
    assert count(app, Kpi) == 2
    with app.app_context():
        assert db.session.scalars(select(KpiMeasurement.kpi_id)).all() == [own]


def test_managers_and_admins_write(world, api_as, app):
    for user in (world.manager, world.admin):
        api = api_as(user)
        kpi_id = api.post("/kpis", json={"name": f"By {user.role}"}).get_json()["id"]
        assert api.post(f"/kpis/{kpi_id}/measurements", json={"measured_on": "2026-01-01", "value": 1}).status_code == 201
        assert api.delete(f"/kpis/{kpi_id}").status_code == 204


# --- tenancy ----------------------------------------------------------------------------------

def test_another_organizations_kpi_is_404_and_untouched(world, make, app, api_as):
    other = repair_hotline(make, "Globex")
    theirs = other.kpi("Globex KPI", outcome_ids=[other.outcome_ids[0]])
    other.measure(theirs, monthly())
    api = api_as(world.admin)
    calls = [("get", f"/kpis/{theirs}", None), ("patch", f"/kpis/{theirs}", {"name": "mine"}),
             ("delete", f"/kpis/{theirs}", None), ("get", f"/kpis/{theirs}/measurements", None),
             ("post", f"/kpis/{theirs}/measurements", {"measured_on": "2026-01-01", "value": 1}),
             ("get", f"/kpis/{theirs}/drift", None)]
    for method, path, body in calls:
        response = api.delete(path) if method == "delete" else (
            api.get(path) if method == "get" else getattr(api, method)(path, json=body))
        assert response.status_code == 404, (method, path)
    assert api.get("/kpis").get_json()["total"] == 0
    # Their outcomes, streams, steps and people are not ours to name either.
    for body, field in [({"name": "x", "outcome_ids": [other.outcome_ids[0]]}, "outcome_ids"),
                        ({"name": "x", "value_stream_id": other.stream_id}, "value_stream_id"),
                        ({"name": "x", "step_id": other.step_id}, "step_id"),
                        ({"name": "x", "owner_id": other.owner.id}, "owner_id")]:
        response = api.post("/kpis", json=body)
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    with app.app_context():
        kpi = db.session.get(Kpi, theirs)
        assert kpi.name == "Globex KPI" and kpi.version == 1
        assert db.session.scalar(select(func.count()).select_from(KpiMeasurement)) == 6


def test_openapi_documents_the_kpi_operations(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, methods in {"/api/v1/kpis": {"get", "post"}, "/api/v1/kpis/{kpi_id}": {"get", "patch", "delete"},
                          "/api/v1/kpis/{kpi_id}/measurements": {"get", "post"},
                          "/api/v1/kpis/{kpi_id}/drift": {"get"}}.items():
        assert methods <= set(doc["paths"][path]), path
    schemas = doc["components"]["schemas"]
    assert "outcome_links" in schemas["KpiIn"]["properties"]
    assert "drift_status" in schemas["KpiOut"]["properties"]
    assert {"status", "value_stream_id", "owner_id"} <= {
        p["name"] for p in doc["paths"]["/api/v1/kpis"]["get"]["parameters"]}
    assert json.dumps(doc["paths"]["/api/v1/kpis/{kpi_id}/measurements"]["post"]["requestBody"])
