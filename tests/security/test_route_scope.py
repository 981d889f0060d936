"""Every route with an id, tried with another organization's ids and with roles that may not.

The routes come from the app's URL map, so a new route is attacked without anyone remembering
to add it here: another organization's record answers 404 (never 403, never 200) and nothing
changes; a viewer's write, and a process owner's write to a value stream not theirs, answer 403
and nothing changes.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.extensions import db
from lms.models import ValueStream
from tests.security.records import ID_MODELS
from tests.security.records import fingerprint as _fingerprint

# Child ids that must belong to the parent named in the same URL.
PARENTS = {("stream_id", "step_id"): "value_stream_id", ("outcome_id", "rating_id"): "outcome_id",
           ("kpi_id", "measurement_id"): "kpi_id", ("kpi_id", "outcome_id"): None}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Writing routes a viewer may use: their own account, signing out, and actions assigned to them.
VIEWER_MAY = {"auth.logout", "auth.change_password", "auth.tokens", "auth.revoke_token"}


def _id_routes(app):
    for rule in app.url_map.iter_rules():
        args = [a for a in rule.arguments if a in ID_MODELS]
        if not args or rule.endpoint == "static":
            continue
        unknown = set(rule.arguments) - set(ID_MODELS) - {"table", "fmt", "token"}
        if unknown:
            raise AssertionError(f"{rule.rule}: teach this test the argument(s) {unknown}")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, args


def _url(rule, ids: dict[str, int]) -> str:
    values = {name: ids[name] for name in rule.arguments if name in ids}
    values.update({"table": "steps", "fmt": "csv", "token": "t" * 32})  # an import's token: the path's ids decide
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_another_organizations_ids_answer_404_and_change_nothing(app, client, make, victim, api_as):
    org, ids, before = victim
    intruder = make.user(make.org("Intruder"), "admin")
    api = api_as(intruder)
    from tests.conftest import login

    login(client, intruder)
    failures = []
    for rule, method, _ in _id_routes(app):
        url = _url(rule, ids)
        if url.startswith("/api/"):
            response = api._call(method, url.removeprefix("/api/v1"), json={} if method in WRITE_METHODS else None)
        else:
            response = client.open(url, method=method, data={})
        if response.status_code != 404:
            failures.append(f"{method} {rule.rule} → {response.status_code}")
    with app.app_context():
        after = _fingerprint(org.id)
    assert failures == [], '\n'.join(failures)
    assert after == before


def test_a_viewer_cannot_write_through_any_route(app, client, make, victim, api_as):
    org, ids, _ = victim
    viewer = make.user(org, "viewer")
    api = api_as(viewer)
    from tests.conftest import login

    login(client, viewer)
    with app.app_context():
        before = _fingerprint(org.id)
    failures = []
    for rule, method, _ in _id_routes(app):
        if method not in WRITE_METHODS or rule.endpoint in VIEWER_MAY:
            continue
        url = _url(rule, ids)
        if url.startswith("/api/"):
            response = api._call(method, url.removeprefix("/api/v1"), json={})
        else:
            response = client.open(url, method=method, data={})
        if response.status_code != 403:
            failures.append(f"{method} {rule.rule} → {response.status_code}")
    with app.app_context():
        after = _fingerprint(org.id)
    assert failures == [], '\n'.join(failures)
    assert after == before


STREAM_ARGS = {"stream_id", "step_id"}


def test_an_owner_cannot_write_to_a_stream_they_do_not_own(app, client, make, victim, api_as):
    """Every writing route of a stream or its steps refuses a process owner of another stream: 403."""
    org, ids, _ = victim
    owner = make.user(org, "owner")
    api = api_as(owner)
    from tests.conftest import login

    login(client, owner)
    with app.app_context():
        owned = db.session.scalars(select(ValueStream.owner_id).where(ValueStream.id == ids["stream_id"])
                                   .execution_options(all_organizations=True)).one()
        before = _fingerprint(org.id)
    assert owned != owner.id
    failures, tried = [], 0
    for rule, method, args in _id_routes(app):
        if method not in WRITE_METHODS or not STREAM_ARGS & set(args):
            continue
        tried += 1
        url = _url(rule, ids)
        if url.startswith("/api/"):
            response = api._call(method, url.removeprefix("/api/v1"), json={})
        else:
            response = client.open(url, method=method, data={})
        if response.status_code != 403:
            failures.append(f"{method} {rule.rule} → {response.status_code}")
    with app.app_context():
        after = _fingerprint(org.id)
    assert tried >= 10, "the URL map lost its stream and step routes"
    assert failures == [], '\n'.join(failures)
    assert after == before
