"""References across an imported document: a malformed one is named by its own path (422), never a 500."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Job
from tests.test_transfer import _export, _generate, filled  # noqa: F401


def _post(make, api_as, doc):
    admin = make.user(make.org("Empty", "empty"), "admin")
    return api_as(admin).post("/import", json=doc), admin


def _set_steps(doc):
    doc["value_streams"][0]["steps"] = 5
    return "value_streams.0.steps", "Expected a list."


def _set_links(doc):
    kpi = next(i for i, k in enumerate(doc["kpis"]) if k["outcome_links"])
    doc["kpis"][kpi]["outcome_links"] = 5
    return f"kpis.{kpi}.outcome_links", "Expected a list."


def _set_parent(doc):
    doc["jobs"][0]["parent"] = [1]
    return "jobs.0.parent", "Expected the whole-number ref of a job, or null."


def _set_step_ref(doc):
    doc["value_streams"][0]["steps"][0]["ref"] = [1]
    return "value_streams.0.steps.0.ref", "Give each record a positive whole-number ref."


def _set_kpi_step(doc):
    doc["kpis"][0]["step"] = {"ref": 1}
    return "kpis.0.step", "Expected the whole-number ref of a step, or null."


def _set_circumstance_job(doc):
    doc["circumstances"][0]["job"] = [1]
    return "circumstances.0.job", "Expected the whole-number ref of a job, or null."


@pytest.mark.parametrize("change", [_set_steps, _set_links, _set_parent, _set_step_ref, _set_kpi_step,
                                    _set_circumstance_job])
def test_a_malformed_reference_is_named_and_nothing_is_written(app, filled, make, api_as, change):  # noqa: F811
    doc = copy.deepcopy(_export(app, "filled"))
    path, message = change(doc)
    response, admin = _post(make, api_as, doc)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert message in response.get_json()["error"]["fields"][path]
    with app.app_context():
        assert db.session.scalar(select(func.count(Job.id)).where(Job.organization_id == admin.organization_id)) == 0


def test_a_reference_after_a_record_that_is_not_an_object_is_named_by_its_own_place(app, filled, make, api_as):  # noqa: F811
    doc = copy.deepcopy(_export(app, "filled"))
    first = doc["jobs"][0]["ref"]
    related = next(i for i, job in enumerate(doc["jobs"]) if job["parent"] == first)
    doc["jobs"][0] = "not a job"
    response, _ = _post(make, api_as, doc)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["jobs.0"] == ["Expected an object."]
    assert fields[f"jobs.{related}.parent"] == [f"No job with ref {first} in this document."]
    assert f"jobs.{related - 1}.parent" not in fields
