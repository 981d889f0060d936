"""The API foundation: auth, errors, the OpenAPI document, schema derivation."""

from __future__ import annotations

import json

import pytest
from pydantic import Field

from lms.api.routing import json_response
from lms.schema_types import Out, Strict, TimesInUtc, partial


def test_health_needs_no_token(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_me_names_user_and_organization(client, make, api_as):
    org = make.org("Acme Repair", "acme")
    user = make.user(org, "owner", name="Olga Owner")
    body = api_as(user).get("/me").get_json()
    assert body == {"id": user.id, "email": user.email, "name": "Olga Owner", "role": "owner",
                    "organization": {"id": org.id, "name": "Acme Repair", "slug": "acme"}}


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc", "bearer lms_wrong"])
def test_missing_or_bad_token_is_401_in_the_error_format(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "unauthorized" and error["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_failures_are_throttled_per_address(client, app):
    for _ in range(app.config["LMS_TOKEN_MAX_FAILURES_PER_ADDRESS"]):
        client.get("/api/v1/me", headers={"Authorization": "Bearer lms_wrong"})
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer lms_wrong"})
    assert response.status_code == 429
    assert client.get("/api/v1/health").status_code == 200


def test_unknown_api_route_is_json_404(client, make, api_as):
    response = api_as(make.user(make.org())).get("/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not-found"


def test_api_ignores_session_cookies(client, make):
    from tests.conftest import login

    login(client, make.user(make.org()))
    assert client.get("/api/v1/me").status_code == 401


def test_openapi_document_lists_operations_and_schemas(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/me" in doc["paths"] and "/api/v1/health" in doc["paths"]
    me = doc["paths"]["/api/v1/me"]["get"]
    assert me["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/MeOut"
    assert "401" in me["responses"]
    assert doc["paths"]["/api/v1/health"]["get"]["security"] == []
    assert set(doc["components"]["schemas"]["MeOut"]["required"]) >= {"id", "email", "role", "organization"}
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


class _ThingIn(Strict):
    name: str = Field(min_length=1, max_length=5)
    size: int = Field(ge=0)


def test_partial_schema_keeps_rules_makes_fields_optional_and_adds_version():
    patch = partial(_ThingIn)
    assert patch.model_validate({}).model_fields_set == set()
    assert patch.model_validate({"size": 3, "version": 2}).model_fields_set == {"size", "version"}
    for bad in ({"size": -1}, {"name": "toolong"}, {"other": 1}, {"version": 0}):
        with pytest.raises(ValueError):
            patch.model_validate(bad)


def test_response_times_are_stated_in_utc_at_every_depth():
    """lms stores UTC without an offset: every date-time an answer holds says so ("…Z"), nested too."""
    from datetime import UTC, date, datetime
    from typing import Any

    class Entry(TimesInUtc):
        at: datetime | None
        day: date

    class Answer(TimesInUtc):
        at: datetime
        anything: Any = None
        entries: list[Entry]

    answer = Answer(at=datetime(2026, 1, 2, 3, 4, 5, 123000), anything=datetime(2026, 1, 1),
                    entries=[Entry(at=datetime(2026, 2, 1), day=date(2026, 2, 1)), Entry(at=None, day=date(2026, 2, 2))])
    assert answer.model_dump(mode="json") == {
        "at": "2026-01-02T03:04:05.123000Z", "anything": "2026-01-01T00:00:00Z",
        "entries": [{"at": "2026-02-01T00:00:00Z", "day": "2026-02-01"}, {"at": None, "day": "2026-02-02"}]}
    assert answer.model_dump()["entries"][0]["at"] == datetime(2026, 2, 1, tzinfo=UTC)
    # Written by the API's encoder, the same.
    assert json.loads(json_response(answer.model_dump(mode="json")).get_data())["entries"][0]["at"] == \
        "2026-02-01T00:00:00Z"


def test_a_response_that_can_hold_a_date_time_without_utc_is_refused_where_it_is_defined():
    """A new response schema with a date-time field but without TimesInUtc fails as it is defined,
    so no answer can say a time without its zone; one without a date-time needs no serializer."""
    from datetime import datetime

    with pytest.raises(TypeError, match="Stamped can hold a date-time \\(at\\)"):
        class Stamped(Out):
            at: datetime | None = None

    class Plain(Out):
        name: str

    assert Plain(name="x").model_dump(mode="json") == {"name": "x"}
    assert not issubclass(Plain, TimesInUtc)
