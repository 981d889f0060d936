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
