"""The reviews section of an import is checked by the reviews feature's own schemas, as the API checks them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Review
from tests.test_transfer import closed_review  # noqa: F401


def _import_into_empty(make, api_as, doc):
    admin = make.user(make.org("Empty", "empty"), "admin")
    response = api_as(admin).post("/import", json=doc)
    return response, admin


def _reviews_in(app, org_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Review.id)).where(Review.organization_id == org_id))


@pytest.mark.parametrize(("part", "field", "value", "api_path"), [
    ("review", "held_on", "2026-11-20T00:00:00", "/reviews"),
    ("finding", "waste_type", "muda", "/reviews/{review_id}/findings"),
    ("finding", "text", "   ", "/reviews/{review_id}/findings"),
    ("action", "stage", "later", "/reviews/{review_id}/actions"),
    ("action", "title", "   ", "/reviews/{review_id}/actions"),
    ("action", "due_on", "2026-12-01T00:00:00", "/reviews/{review_id}/actions"),
])
def test_a_bad_review_finding_or_action_is_named_as_the_api_names_it(
        app, closed_review, make, api_as, part, field, value, api_path):  # noqa: F811
    _, api = closed_review
    doc = api.get("/export").get_json()
    [review] = api.get("/reviews").get_json()["items"]
    records = {"review": doc["reviews"][0], "finding": doc["reviews"][0]["findings"][0],
               "action": doc["reviews"][0]["actions"][0]}
    records[part][field] = value
    path = {"review": "reviews.0", "finding": "reviews.0.findings.0", "action": "reviews.0.actions.0"}[part]
    body = {"review": {"value_stream_id": review["value_stream_id"], "held_on": "2026-11-20"}, "finding": {"text": "Waits"},
            "action": {"title": "One signature"}}[part] | {field: value}
    api_answer = api.post(api_path.format(review_id=review["id"]), json=body)
    assert api_answer.status_code == 422
    response, admin = _import_into_empty(make, api_as, doc)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][f"{path}.{field}"] == api_answer.get_json()["error"]["fields"][field]
    assert _reviews_in(app, admin.organization_id) == 0


@pytest.mark.parametrize("field", ["kind", "status", "value_stream"])
def test_a_document_names_each_review_s_kind_status_and_stream(app, closed_review, make, api_as, field):  # noqa: F811
    """The export always writes them: a review without one is refused, not given the API's default."""
    _, api = closed_review
    doc = api.get("/export").get_json()
    del doc["reviews"][0][field]
    response, admin = _import_into_empty(make, api_as, doc)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][f"reviews.0.{field}"] == ["This field is required."]
    assert _reviews_in(app, admin.organization_id) == 0


@pytest.mark.parametrize("organization", [["Acme"], "Acme", 3])
def test_an_organization_that_is_not_an_object_is_named_and_nothing_is_written(
        app, closed_review, make, api_as, organization):  # noqa: F811
    _, api = closed_review
    doc = api.get("/export").get_json()
    doc["organization"] = organization
    response, admin = _import_into_empty(make, api_as, doc)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["organization"] == ["Expected an object."]
    assert _reviews_in(app, admin.organization_id) == 0
