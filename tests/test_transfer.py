"""Whole-organization export and import: round trip unchanged, all or nothing, errors by path."""

from __future__ import annotations

import copy
import io
import json

import pytest
from sqlalchemy import delete, func, select

from lms import tenancy
from lms.cli import cli
from lms.extensions import db
from lms.models import (
    Customer,
    Job,
    Kpi,
    KpiMeasurement,
    Organization,
    Review,
    Step,
    User,
    ValueStream,
)

CONTENT = (Review, Kpi, ValueStream, Job, Customer)


def _generate(app, slug: str) -> None:
    result = app.test_cli_runner().invoke(
        cli,
        [
            "generate",
            "--org",
            slug,
            "--value-streams",
            "3",
            "--steps",
            "6",
            "--kpis",
            "5",
            "--weeks",
            "8",
            "--seed",
            "3",
            "--as-of",
            "2026-10-31",
        ],
    )
    assert result.exit_code == 0, result.output


def _export(app, slug: str) -> dict:
    result = app.test_cli_runner().invoke(cli, ["export", "--org", slug])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _wipe(app, org_id: int) -> None:
    with app.app_context():
        tenancy.scope_to(org_id)
        for model in CONTENT:
            db.session.execute(delete(model))
        db.session.commit()


def _without_timestamp(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc.pop("exported_at")
    return doc


@pytest.fixture()
def filled(make, app):
    org = make.org("Filled", "filled")
    admin = make.user(org, "admin")
    _generate(app, "filled")
    return org, admin


def test_export_imports_back_into_the_emptied_organization_unchanged(app, filled, tmp_path):
    org, _ = filled
    first = _export(app, "filled")
    assert first["schema_version"] == 1
    assert len(first["value_streams"]) == 3 and len(first["value_streams"][0]["steps"]) == 6
    assert sum(len(k["measurements"]) for k in first["kpis"]) == 40
    text = json.dumps(first)
    assert "password" not in text and "lms_" not in text  # no hashes, no tokens
    path = tmp_path / "export.json"
    path.write_text(json.dumps(first))
    _wipe(app, org.id)
    result = app.test_cli_runner().invoke(cli, ["import", str(path), "--org", "filled"])
    assert result.exit_code == 0, result.output
    assert "18 steps" in result.output
    assert _without_timestamp(_export(app, "filled")) == _without_timestamp(first)


def test_import_refuses_an_organization_with_content_and_writes_nothing(app, filled, tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(_export(app, "filled")))
    result = app.test_cli_runner().invoke(cli, ["import", str(path), "--org", "filled"])
    assert result.exit_code != 0
    assert "already has value streams" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(ValueStream.id))) == 3


def _broken(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["value_streams"][0]["steps"][1]["cycle_time_s"] = -5
    doc["value_streams"][0]["steps"][2].update(classification="value-adding", job=None, waste_types=[])
    doc["kpis"][0]["measurements"][0]["value"] = "lots"
    doc["jobs"][0]["surprise"] = 1
    doc["outcomes"][0]["job"] = 999
    return doc


def test_a_bad_document_names_every_problem_by_path_and_writes_nothing(app, filled, make, api_as):
    doc = _export(app, "filled")
    empty = make.org("Empty", "empty")
    admin = make.user(empty, "admin")
    response = api_as(admin).post("/import", json=_broken(doc))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "value_streams.0.steps.1.cycle_time_s" in fields
    assert "value_streams.0.steps.2.job" in fields
    assert "kpis.0.measurements.0.value" in fields
    assert fields["jobs.0.surprise"] == ["Unknown field."]
    assert "No job with ref 999" in fields["outcomes.0.job"][0]
    with app.app_context():
        assert db.session.scalar(select(func.count(Step.id)).where(Step.organization_id == empty.id)) == 0


@pytest.mark.parametrize(("name", "value", "message"), [
    ("drift_min_change_pct", [], "Expected a number from 0 to 100."),
    ("drift_min_change_pct", {"a": 1}, "Expected a number from 0 to 100."),
    ("drift_min_change_pct", 101, "Expected a number from 0 to 100."),
    ("drift_window_days", 90.5, "Expected a whole number from 30 to 730."),
    ("map_stale_days", True, "Expected a whole number from 1 to 3650."),
    ("underserved_threshold", "10", "Expected a number from 0 to 20."),
])
def test_an_organization_setting_out_of_its_range_is_named_and_nothing_is_written(
        app, filled, make, api_as, name, value, message):
    doc = _export(app, "filled")
    doc["organization"]["settings"][name] = value
    empty = make.org("Empty", "empty")
    response = api_as(make.user(empty, "admin")).post("/import", json=doc)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][f"organization.settings.{name}"] == [message]
    with app.app_context():
        assert db.session.scalar(select(func.count(Step.id)).where(Step.organization_id == empty.id)) == 0


def test_api_import_links_known_people_and_warns_about_the_rest(app, filled, make, api_as):
    doc = _export(app, "filled")
    other = make.org("Other", "other")
    admin = make.user(other, "admin")
    response = api_as(admin).post("/import", json=doc)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["counts"]["steps"] == 18 and body["counts"]["measurements"] == 40
    assert body["warnings"] and all("left empty" in w for w in body["warnings"])
    with app.app_context():
        owners = db.session.scalars(
            select(ValueStream.owner_id).where(ValueStream.organization_id == other.id)
        )
        assert set(owners) == {None}
        assert db.session.scalar(select(func.count(User.id)).where(User.organization_id == other.id)) == 1


@pytest.mark.parametrize(
    "role, export_status, import_status",
    [("admin", 200, 422), ("manager", 200, 403), ("owner", 403, 403), ("viewer", 403, 403)],
)
def test_roles_for_export_and_import(make, api_as, role, export_status, import_status):
    org = make.org()
    client = api_as(make.user(org, role))
    assert client.get("/export").status_code == export_status
    assert client.post("/import", json={"schema_version": 99}).status_code == import_status


def test_import_page_lists_problems_and_export_downloads(app, filled, client, make, login_as):
    doc = _export(app, "filled")
    empty = make.org("Blank", "blank")
    login_as(make.user(empty, "admin"))
    page = client.post(
        "/transfer/import",
        data={"document": (io.BytesIO(json.dumps(_broken(doc)).encode()), "export.json")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Nothing was imported." in text and "value_streams.0.steps.1.cycle_time_s" in text
    ok = client.post(
        "/transfer/import",
        data={"document": (io.BytesIO(json.dumps(doc).encode()), "e.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Imported" in ok.get_data(as_text=True)
    download = client.get("/transfer/export.json")
    assert download.headers["Content-Disposition"] == 'attachment; filename="lms-blank.json"'
    assert len(download.get_json()["value_streams"]) == 3
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(KpiMeasurement.id)).where(KpiMeasurement.organization_id == empty.id)
            )
            == 40
        )
        assert db.session.get(Organization, empty.id).name == "Blank"


@pytest.fixture()
def closed_review(make, api_as):
    """An organization with a review closed while its step, KPI, customer and owner had their first names."""
    org = make.org("Recorder", "recorder")
    admin = make.user(org, "admin", name="Ada Admin")
    api = api_as(admin)
    customer = api.post("/customers", json={"name": "Claimants", "kind": "external"}).get_json()
    job = api.post("/jobs", json={"customer_id": customer["id"], "statement": "Get a claim paid"}).get_json()
    stream = api.post("/value-streams", json={"name": "Claims", "customer_id": customer["id"],
                                              "job_id": job["id"]}).get_json()
    step = api.post(f"/value-streams/{stream['id']}/steps", json={"name": "Assess claim"}).get_json()
    kpi = api.post("/kpis", json={"name": "Claims closed per day", "unit": "claims", "direction": "increase",
                                  "value_stream_id": stream["id"]}).get_json()
    review = api.post("/reviews", json={"value_stream_id": stream["id"], "kind": "kaizen-event",
                                        "held_on": "2026-11-20", "facilitator_id": admin.id}).get_json()
    api.post(f"/reviews/{review['id']}/findings", json={"text": "Waits for a signature", "step_id": step["id"]})
    api.post(f"/reviews/{review['id']}/actions", json={"title": "One signature", "step_id": step["id"],
                                                       "kpi_id": kpi["id"], "owner_id": admin.id})
    api.patch(f"/reviews/{review['id']}", json={"status": "open"})
    api.patch(f"/reviews/{review['id']}", json={"status": "closed"})
    # After the review closed, the records it named are renamed: it keeps the names as written then.
    api.patch(f"/customers/{customer['id']}", json={"name": "Policy holders"})
    api.patch(f"/steps/{step['id']}", json={"name": "Check claim"})
    api.patch(f"/kpis/{kpi['id']}", json={"name": "Claims settled per day"})
    return org, api


def test_a_closed_review_keeps_what_it_recorded_across_export_and_import(app, closed_review, make, api_as):
    _, api = closed_review
    doc = api.get("/export").get_json()
    [review] = doc["reviews"]
    assert review["recorded_names"]["customer"] == "Claimants" and review["recorded_names"]["facilitator"] == "Ada Admin"
    assert review["findings"][0]["recorded_names"] == {"step": "Assess claim", "by": "Ada Admin"}
    assert review["actions"][0]["recorded_names"]["kpi"] == "Claims closed per day"
    target = make.org("Copy", "copy")
    copy_api = api_as(make.user(target, "admin", name="Cy Copy"))
    assert copy_api.post("/import", json=doc).status_code == 201
    [imported] = copy_api.get("/reviews").get_json()["items"]
    assert imported["status"] == "closed" and imported["recorded_names"] == review["recorded_names"]
    [finding] = copy_api.get(f"/reviews/{imported['id']}/findings").get_json()["items"]
    [action] = copy_api.get(f"/reviews/{imported['id']}/actions").get_json()["items"]
    assert finding["recorded_names"] == review["findings"][0]["recorded_names"]
    assert action["recorded_names"] == review["actions"][0]["recorded_names"]
    # Its people are not in this organization (their references are empty), but what it recorded stays.
    [again] = copy_api.get("/export").get_json()["reviews"]
    assert again["facilitator"] is None and again["recorded_names"] == review["recorded_names"]
    assert [a["recorded_names"] for a in again["actions"]] == [a["recorded_names"] for a in review["actions"]]


def test_a_document_without_recorded_names_still_imports(app, closed_review, make, api_as):
    _, api = closed_review
    doc = api.get("/export").get_json()
    for review in doc["reviews"]:  # a document written before reviews kept their names
        del review["recorded_names"]
        for item in (*review["findings"], *review["actions"]):
            del item["recorded_names"]
    copy_api = api_as(make.user(make.org("Older", "older"), "admin"))
    assert copy_api.post("/import", json=doc).status_code == 201
    [imported] = copy_api.get("/reviews").get_json()["items"]
    assert imported["status"] == "closed" and imported["recorded_names"] is None


@pytest.mark.parametrize("names", ["Claimants", ["Claimants"], {"customer": 3}, {"participants": [None]}])
def test_recorded_names_of_the_wrong_shape_are_named_and_nothing_is_written(app, closed_review, make, api_as,
                                                                           names):
    _, api = closed_review
    doc = api.get("/export").get_json()
    doc["reviews"][0]["actions"][0]["recorded_names"] = names
    target = make.org("Strict", "strict")
    response = api_as(make.user(target, "admin")).post("/import", json=doc)
    assert response.status_code == 422
    assert "reviews.0.actions.0.recorded_names" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Review.id)).where(Review.organization_id == target.id)) == 0
