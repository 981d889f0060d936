"""Every page that serves values kept across writes shows, after each kind of write, what it would
show computed afresh: nothing a write changes is left out of what the kept values read.

The demo organization has every kind of record (internal customers and their upstream streams,
rated outcomes, KPIs with measurements tied to them, reviews, event logs); each write goes through
the API as its admin, and each page is read right after it, then again with the caches emptied.
"""

from __future__ import annotations

import difflib
import re

import pytest
from sqlalchemy import select

from lms import content
from lms.auth.services import create_token
from lms.extensions import db
from lms.models import (
    Customer,
    Job,
    KpiOutcomeLink,
    Outcome,
    OutcomeRating,
    Step,
    User,
    ValueStream,
)
from lms.seed import DEMO_PASSWORD, seed_demo
from tests.conftest import ApiClient

PAGES = ("/", "/customers/", "/suboptimization", "/stop-doing", "/kpis/")
# What differs between two reads of one page by design: the form tokens and the script nonce.
VOLATILE = re.compile(r'(name="csrf_token" (?:type="hidden" )?value|name="csrf-token" content|nonce)="[^"]*"')


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return VOLATILE.sub(r'\1=""', response.get_data(as_text=True))


def _first(model, *where):
    return db.session.scalar(select(model).where(*where).order_by(model.id).limit(1)
                             .execution_options(all_organizations=True))


@pytest.fixture()
def demo(app, client):
    with app.app_context():
        email = seed_demo().emails[0]
        admin = _first(User, User.email == email)
        rated = _first(OutcomeRating)
        linked = _first(KpiOutcomeLink)
        internal = _first(Customer, Customer.kind == "internal")
        refs = {
            "outcome": rated.outcome_id, "rating": rated.id, "kpi": linked.kpi_id,
            "step": _first(Step, Step.cycle_time_s.is_not(None)).id,
            "stream": _first(ValueStream, ValueStream.state == "current").id,
            "job": _first(Job, Job.parent_id.is_not(None)).id,
            "internal": internal.id,
            "other_outcome": _first(Outcome, Outcome.id != rated.outcome_id).id,
        }
        token = create_token(admin, "kept-equals-fresh").secret
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    return ApiClient(client, token), refs


def _version(api, path: str) -> int:
    return api.get(path).get_json()["version"]


def _delete(api, path: str):
    return api.delete(f"{path}?version={_version(api, path)}")


def _writes(api, refs):
    """Each kind of write the kept values could miss, in an order that leaves the next one a target."""
    r = refs
    yield "a new rating", lambda: api.post(f"/outcomes/{r['outcome']}/ratings", json={
        "rated_on": "2026-11-20", "importance": 9.5, "satisfaction": 1.5, "respondents": 80})
    yield "a rating deleted", lambda: api.delete(f"/outcomes/{r['outcome']}/ratings/{r['rating']}")
    yield "an outcome renamed", lambda: api.patch(f"/outcomes/{r['outcome']}", json={
        "statement": "Minimize the time it takes to know the answer", "version": _version(api, f"/outcomes/{r['outcome']}")})
    yield "a step's cycle time", lambda: api.patch(f"/steps/{r['step']}", json={
        "cycle_time_s": 4321, "version": _version(api, f"/steps/{r['step']}")})
    yield "a measurement", lambda: api.post(f"/kpis/{r['kpi']}/measurements", json={
        "measured_on": "2026-11-23", "value": 1.0})
    yield "a KPI's links removed", lambda: api.patch(f"/kpis/{r['kpi']}", json={
        "outcome_ids": [], "version": _version(api, f"/kpis/{r['kpi']}")})
    yield "a job renamed", lambda: api.patch(f"/jobs/{r['job']}", json={
        "statement": "Get the part to the line", "version": _version(api, f"/jobs/{r['job']}")})
    yield "an outcome deleted", lambda: _delete(api, f"/outcomes/{r['other_outcome']}")
    yield "a step deleted", lambda: _delete(api, f"/steps/{r['step']}")
    yield "a job deleted", lambda: _delete(api, f"/jobs/{r['job']}")
    yield "a KPI deleted", lambda: _delete(api, f"/kpis/{r['kpi']}")
    yield "a value stream deleted", lambda: _delete(api, f"/value-streams/{r['stream']}")
    yield "an internal customer deleted", lambda: _delete(api, f"/customers/{r['internal']}")

def test_every_kept_page_shows_what_a_fresh_one_would_after_each_kind_of_write(client, demo):
    api, refs = demo
    for path in PAGES:  # every kept value is computed once before the first write
        _page(client, path)
    for label, write in _writes(api, refs):
        answer = write()
        assert answer.status_code in (200, 201, 204), (label, answer.status_code, answer.get_data(as_text=True))
        kept = {path: _page(client, path) for path in PAGES}
        content.cache.clear()
        for path in PAGES:
            fresh = _page(client, path)
            diff = "\n".join(difflib.unified_diff(fresh.splitlines(), kept[path].splitlines(), "fresh", "kept", n=1,
                                                  lineterm=""))
            assert kept[path] == fresh, f"after {label}, {path} kept differs from fresh:\n{diff[:3000]}"
