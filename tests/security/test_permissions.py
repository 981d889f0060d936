"""Who may use each route is declared where the route is, and checked before any cache.

The routes come from the app's URL map and the OpenAPI document, so a new route is covered
without anyone remembering to add it here: it must declare a permission (a route that declares
none is refused), and for every page and API read and every role, the answer is the same on a
cold cache and after an admin has read the same URL.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from lms import create_app
from lms.auth.boundary import PATH_RECORDS, declared_permission
from lms.content import cache
from lms.models import ROLES
from tests.conftest import login

# Values for the path arguments that are not record ids.
OTHER_ARGS = {"table": "steps", "fmt": "csv", "record_type": "ValueStream", "record_id": 0, "token": "t" * 32}


def _get_routes(app: Flask):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in rule.methods and rule.endpoint != "static":
            unknown = set(rule.arguments) - set(PATH_RECORDS) - set(OTHER_ARGS)
            assert not unknown, f"{rule.rule}: teach this test the argument(s) {unknown}"
            yield rule


def _url(rule, ids: dict[str, int]) -> str:
    values = {**OTHER_ARGS, **ids}
    if "record_type" in rule.arguments:
        values["record_id"] = ids["stream_id"]
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_every_route_declares_who_may_use_it(app):
    undeclared = sorted(rule.rule for rule in app.url_map.iter_rules()
                        if declared_permission(rule.endpoint, app) is None)
    assert undeclared == []


def test_a_route_that_declares_nothing_is_refused_to_everyone(app):
    bare = create_app({**{k: app.config[k] for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH")},
                       "TESTING": True, "WTF_CSRF_ENABLED": False})
    bare.add_url_rule("/undeclared", "undeclared", lambda: "the secret")
    response = bare.test_client().get("/undeclared")
    assert response.status_code == 403
    assert b"the secret" not in response.data


def test_the_openapi_document_lists_exactly_the_api_routes(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    routed = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
    described = [op.get("x-permission") for ops in document["paths"].values() for op in ops.values()]
    assert all(described), "every operation says who may use it"


def test_a_viewer_is_refused_the_export_every_time(client, make, api_as):
    org = make.org()
    viewer, admin = api_as(make.user(org, "viewer")), api_as(make.user(org, "admin"))
    assert viewer.get("/export").status_code == 403
    assert admin.get("/export").status_code == 200
    assert viewer.get("/export").status_code == 403


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_every_read_answers_a_role_the_same_cold_and_after_an_admin_read_it(app, make, filled, role):
    """Pages and API reads alike: nothing an admin's read leaves behind reaches another role."""
    person = make.user(filled.org, role)
    admin_client, client = app.test_client(), app.test_client()
    login(admin_client, filled.admin)
    login(client, person)
    admin_headers = {"Authorization": f"Bearer {filled.token}"}
    headers = {"Authorization": f"Bearer {make.token(person)}"}
    differences, tried = [], 0
    for rule in _get_routes(app):
        url, api = _url(rule, filled.ids), rule.rule.startswith("/api/")
        reader, admin = (app.test_client(), app.test_client()) if api else (client, admin_client)
        reader_headers, admin_read_headers = (headers, admin_headers) if api else ({}, {})
        cache.clear()
        cold = reader.get(url, headers=reader_headers)
        admin.get(url, headers=admin_read_headers)
        warm = reader.get(url, headers=reader_headers)
        tried += 1
        # An API answer must also be the same document; a page differs by its CSRF tokens.
        if cold.status_code != warm.status_code or (api and _document(cold) != _document(warm)):
            differences.append(f"GET {rule.rule}: {cold.status_code} cold, {warm.status_code} after an admin")
    assert tried >= 40, "the URL map lost its read routes"
    assert differences == []


def _document(response):
    """The JSON of an answer without the moment it was made (an export says when it was taken)."""
    body = response.get_json(silent=True)
    if isinstance(body, dict):
        body.pop("exported_at", None)
    return body if body is not None else response.data
