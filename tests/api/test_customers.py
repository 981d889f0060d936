"""API v1 for customers, jobs, outcomes and ratings: CRUD, validation, versions, roles, tenancy."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import AuditEvent, Customer, Job, Organization, Outcome, OutcomeRating
from tests.rows import count


@pytest.fixture()
def admin(make):
    org = make.org("Acme", "acme")
    return make.user(org, "admin")


@pytest.fixture()
def api(api_as, admin):
    return api_as(admin)


def created(response, status: int = 201) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def new_customer(api, name="Household", kind="external", **extra) -> dict:
    return created(api.post("/customers", json={"name": name, "kind": kind, **extra}))


def new_job(api, customer_id: int, statement: str, **extra) -> dict:
    return created(api.post("/jobs", json={"customer_id": customer_id, "statement": statement, **extra}))


def new_outcome(api, job_id: int, statement="Minimize the time it takes to pay a bill", **extra) -> dict:
    return created(api.post("/outcomes", json={"job_id": job_id, "statement": statement, **extra}))



def audit_actions(app, record_type: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_type == record_type)
                                       .order_by(AuditEvent.id)))


# --- Customers ------------------------------------------------------------------------------

def test_customer_crud_with_versions_and_audit(api, app):
    body = new_customer(api, "Billing team", "internal", description="Takes our invoices next")
    assert body == {"id": body["id"], "version": 1, "name": "Billing team", "kind": "internal",
                    "description": "Takes our invoices next", "value_stream_id": None}
    cid = body["id"]
    assert api.get(f"/customers/{cid}").get_json() == body

    patched = api.patch(f"/customers/{cid}", json={"description": "The next team", "version": 1})
    assert patched.status_code == 200
    assert patched.get_json()["version"] == 2 and patched.get_json()["description"] == "The next team"

    listing = api.get("/customers").get_json()
    assert listing["total"] == 1 and listing["page"] == 1 and listing["items"][0]["id"] == cid

    assert api.delete(f"/customers/{cid}").status_code == 204
    assert api.get(f"/customers/{cid}").status_code == 404
    assert audit_actions(app, "Customer") == ["create", "update", "delete"]


def test_customers_list_filters_by_kind_and_paginates(api):
    for i in range(3):
        new_customer(api, f"Outside {i}")
    new_customer(api, "Inside", "internal")
    page = api.get("/customers?per_page=2&page=2").get_json()
    assert (page["total"], page["per_page"], len(page["items"])) == (4, 2, 2)
    internal = api.get("/customers?kind=internal").get_json()
    assert [c["name"] for c in internal["items"]] == ["Inside"]
    assert api.get("/customers?kind=alien").status_code == 422
    assert api.get("/customers?per_page=201").status_code == 422


def test_customer_name_is_unique_in_the_organization(api, app, make, api_as):
    new_customer(api, "Household")
    response = api.post("/customers", json={"name": "household"})
    assert response.status_code == 422
    assert "name" in response.get_json()["error"]["fields"]
    other = api_as(make.user(make.org("Other", "other"), "admin"))
    new_customer(other, "Household")  # another organization may use the name
    assert count(app, Customer) == 2


def test_only_internal_customers_name_the_value_stream_they_are(api, app, admin, make):
    own_id = make.stream(admin, "Billing").id
    foreign_id = make.stream(make.user(make.org("Other", "other"), "admin"), "Theirs").id
    external = api.post("/customers", json={"name": "Shop", "kind": "external", "value_stream_id": own_id})
    assert external.status_code == 422 and "value_stream_id" in external.get_json()["error"]["fields"]
    elsewhere = api.post("/customers", json={"name": "Team", "kind": "internal", "value_stream_id": foreign_id})
    assert elsewhere.status_code == 422 and "value_stream_id" in elsewhere.get_json()["error"]["fields"]
    team = new_customer(api, "Team", "internal", value_stream_id=own_id)
    assert team["value_stream_id"] == own_id
    # Turning it external drops the stream it was.
    assert api.patch(f"/customers/{team['id']}", json={"kind": "external"}).get_json()["value_stream_id"] is None
    # A PATCH is checked with the stored fields it leaves out: the stored kind is external now.
    refused = api.patch(f"/customers/{team['id']}", json={"value_stream_id": own_id})
    assert refused.status_code == 422 and "value_stream_id" in refused.get_json()["error"]["fields"]
    assert api.get(f"/customers/{team['id']}").get_json()["value_stream_id"] is None


# --- Jobs -----------------------------------------------------------------------------------

def test_job_crud_filter_and_audit(api, app):
    cid = new_customer(api)["id"]
    other_cid = new_customer(api, "Runner")["id"]
    high = new_job(api, cid, "Improve a credit score", circumstance="Before applying for a mortgage")
    assert high["parent_id"] is None and high["necessity"] == "required" and high["version"] == 1
    related = new_job(api, cid, "Pay a bill", parent_id=high["id"], coordination="sequential", position=1)
    new_job(api, other_cid, "Improve cardio conditioning")
    assert related["parent_id"] == high["id"] and related["position"] == 1

    mine = api.get(f"/jobs?customer_id={cid}").get_json()
    assert [j["id"] for j in mine["items"]] == [high["id"], related["id"]]
    assert api.get(f"/jobs?parent_id={high['id']}").get_json()["total"] == 1
    assert api.get("/jobs?customer_id=abc").status_code == 422

    patched = api.patch(f"/jobs/{related['id']}", json={"dimension": "emotional", "version": 1}).get_json()
    assert patched["dimension"] == "emotional" and patched["version"] == 2
    assert api.delete(f"/jobs/{related['id']}").status_code == 204
    assert api.get(f"/jobs/{related['id']}").status_code == 404
    assert audit_actions(app, "Job") == ["create", "create", "create", "update", "delete"]


def test_deleting_a_customer_or_high_level_job_cascades(api, app):
    cid = new_customer(api)["id"]
    high = new_job(api, cid, "Improve a credit score")
    related = new_job(api, cid, "Pay a bill", parent_id=high["id"])
    outcome = new_outcome(api, related["id"])
    api.post(f"/outcomes/{outcome['id']}/ratings", json={"rated_on": "2026-01-10", "importance": 8,
                                                         "satisfaction": 3})
    assert api.delete(f"/jobs/{high['id']}").status_code == 204
    for path in (f"/jobs/{related['id']}", f"/outcomes/{outcome['id']}"):
        assert api.get(path).status_code == 404
    assert count(app, OutcomeRating) == 0

    second = new_job(api, cid, "Improve cardio conditioning")
    new_outcome(api, second["id"], "Minimize the time it takes to get fit")
    assert api.delete(f"/customers/{cid}").status_code == 204
    assert (count(app, Job), count(app, Outcome)) == (0, 0)
    doc = api.get("/openapi.json").get_json()
    assert "cascade" in doc["paths"]["/api/v1/customers/{customer_id}"]["delete"]["description"]


@pytest.fixture()
def stack(api):
    """One customer with a high-level job and a related job, and a second customer."""
    cid = new_customer(api)["id"]
    high = new_job(api, cid, "Improve a credit score")
    related = new_job(api, cid, "Pay a bill", parent_id=high["id"])
    other = new_customer(api, "Runner")["id"]
    other_high = new_job(api, other, "Improve cardio conditioning")
    return {"customer": cid, "high": high["id"], "related": related["id"], "other": other,
            "other_high": other_high}


def _job_body(stack, **changes):
    return {"customer_id": stack["customer"], "statement": "Reduce credit-card debt",
            "parent_id": stack["high"], **changes}


@pytest.mark.parametrize(("make_body", "field"), [
    (lambda s: _job_body(s, parent_id=s["other_high"]["id"]), "parent_id"),  # another customer's job
    (lambda s: _job_body(s, parent_id=s["related"]), "parent_id"),  # a related job cannot head a stack
    (lambda s: _job_body(s, parent_id=999_999), "parent_id"),
    (lambda s: _job_body(s, customer_id=999_999), "customer_id"),
    (lambda s: _job_body(s, necessity="interchangeable"), "interchangeable_group"),
    (lambda s: _job_body(s, necessity="required", interchangeable_group="x"), "interchangeable_group"),
    (lambda s: _job_body(s, necessity="essential"), "necessity"),
    (lambda s: _job_body(s, coordination="parallel"), "coordination"),
    (lambda s: _job_body(s, dimension="spiritual"), "dimension"),
    (lambda s: _job_body(s, position=0), "position"),
    (lambda s: _job_body(s, position=1.5), "position"),
    (lambda s: _job_body(s, statement=""), "statement"),
    (lambda s: _job_body(s, statement="x" * 501), "statement"),
    (lambda s: _job_body(s, colour="blue"), "colour"),
    (lambda s: {"statement": "No customer"}, "customer_id"),
])
def test_invalid_job_is_422_naming_the_field_and_nothing_is_saved(api, app, stack, make_body, field):
    before = count(app, Job)
    response = api.post("/jobs", json=make_body(stack))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert count(app, Job) == before


def test_a_job_cannot_become_its_own_ancestor(api, app, stack):
    for parent in (stack["related"], stack["high"]):
        response = api.patch(f"/jobs/{stack['high']}", json={"parent_id": parent})
        assert response.status_code == 422
        assert "ancestor" in response.get_json()["error"]["fields"]["parent_id"][0]
    with app.app_context():
        assert db.session.get(Job, stack["high"]).parent_id is None


def test_a_related_job_moves_only_within_its_customer(api, app, stack):
    response = api.patch(f"/jobs/{stack['related']}", json={"customer_id": stack["other"]})
    assert response.status_code == 422 and "parent_id" in response.get_json()["error"]["fields"]
    response = api.patch(f"/jobs/{stack['high']}", json={"customer_id": stack["other"]})
    assert response.status_code == 422 and "customer_id" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert {j.customer_id for j in db.session.scalars(select(Job).where(Job.id.in_(
            [stack["high"], stack["related"]])))} == {stack["customer"]}


def test_interchangeable_group_is_dropped_when_a_job_stops_being_interchangeable(api, stack):
    job = new_job(api, stack["customer"], "Run", parent_id=stack["high"], necessity="interchangeable",
                  interchangeable_group="exercise")
    assert job["interchangeable_group"] == "exercise"
    body = api.patch(f"/jobs/{job['id']}", json={"necessity": "optional"}).get_json()
    assert (body["necessity"], body["interchangeable_group"]) == ("optional", None)


def test_a_job_patch_is_checked_with_the_stored_necessity(api, stack):
    """The group rule joins the field a PATCH sends with the stored one it leaves out."""
    grouped = api.patch(f"/jobs/{stack['related']}", json={"interchangeable_group": "exercise"})
    assert grouped.status_code == 422
    assert grouped.get_json()["error"]["fields"]["interchangeable_group"] == [
        "Only interchangeable jobs belong to a group; leave it empty."]
    ungrouped = api.patch(f"/jobs/{stack['related']}", json={"necessity": "interchangeable"})
    assert ungrouped.status_code == 422 and "interchangeable_group" in ungrouped.get_json()["error"]["fields"]
    assert api.get(f"/jobs/{stack['related']}").get_json()["necessity"] == "required"


# --- Versions -------------------------------------------------------------------------------

@pytest.mark.parametrize("resource", ["customers", "jobs", "outcomes"])
def test_stale_version_is_409_and_nothing_changes(api, stack, resource):
    ids = {"customers": stack["customer"], "jobs": stack["high"],
           "outcomes": new_outcome(api, stack["related"])["id"]}
    field = {"customers": "description", "jobs": "circumstance", "outcomes": "statement"}[resource]
    path = f"/{resource}/{ids[resource]}"
    assert api.patch(path, json={field: "first", "version": 1}).status_code == 200
    stale = api.patch(path, json={field: "second", "version": 1})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "version-conflict"
    body = api.get(path).get_json()
    assert (body[field], body["version"]) == ("first", 2)


# --- Outcomes and ratings -------------------------------------------------------------------

def test_outcome_crud_is_unrated_until_rated(api, app, stack):
    outcome = new_outcome(api, stack["related"], "A bill is paid on time", direction="maximize")
    segments = {"segment": None, "respondents": None, "weighting": "unrated", "weighting_note": "",
                "overall_opportunity": None, "by_segment": [], "underserved_segments": []}  # additions
    assert outcome == {"id": outcome["id"], "version": 1, "job_id": stack["related"],
                       "statement": "A bill is paid on time", "direction": "maximize",
                       "importance": None, "satisfaction": None, "opportunity": None,
                       "status": "unrated", "rated_on": None} | segments
    assert api.patch(f"/outcomes/{outcome['id']}", json={"direction": "minimize"}).get_json()["version"] == 2
    read_only = api.patch(f"/outcomes/{outcome['id']}", json={"importance": 9})
    assert read_only.status_code == 422 and "importance" in read_only.get_json()["error"]["fields"]
    foreign_job = api.post("/outcomes", json={"job_id": 999_999, "statement": "x"})
    assert foreign_job.status_code == 422 and "job_id" in foreign_job.get_json()["error"]["fields"]
    assert api.get(f"/outcomes?job_id={stack['related']}").get_json()["total"] == 1
    assert api.get(f"/outcomes?customer_id={stack['other']}").get_json()["total"] == 0
    assert api.delete(f"/outcomes/{outcome['id']}").status_code == 204
    assert audit_actions(app, "Outcome") == ["create", "update", "delete"]


def answers(n_top_importance: int, n_top_satisfaction: int, n: int = 10) -> list[dict]:
    """n answers: the first ones 4s and 5s, the rest 1s to 3s."""
    return [{"importance": (5 if i % 2 else 4) if i < n_top_importance else 1 + i % 3,
             "satisfaction": 4 if i < n_top_satisfaction else 1 + i % 3} for i in range(n)]


def test_top_two_box_from_raw_answers_by_hand(api, app, stack):
    oid = new_outcome(api, stack["related"])["id"]
    # 7 of 10 answered importance 4 or 5 -> 7.0; 3 of 10 satisfaction -> 3.0.
    rating = created(api.post(f"/outcomes/{oid}/ratings",
                              json={"rated_on": "2026-03-02", "responses": answers(7, 3), "segment": "new"}))
    assert {k: rating[k] for k in ("importance", "satisfaction", "respondents", "source", "segment")} == \
        {"importance": 7.0, "satisfaction": 3.0, "respondents": 10, "source": "responses", "segment": "new"}
    assert rating["version"] == 1 and rating["opportunity"] == 11.0  # 7 + (7 - 3)
    outcome = api.get(f"/outcomes/{oid}").get_json()
    assert (outcome["opportunity"], outcome["status"], outcome["rated_on"]) == (11.0, "underserved", "2026-03-02")
    assert audit_actions(app, "OutcomeRating") == ["create"]


def test_top_two_box_of_three_answers_is_not_rounded(api, stack):
    oid = new_outcome(api, stack["related"])["id"]
    responses = [{"importance": 5, "satisfaction": 1}, {"importance": 4, "satisfaction": 3},
                 {"importance": 3, "satisfaction": 5}]
    rating = created(api.post(f"/outcomes/{oid}/ratings", json={"rated_on": "2026-03-02",
                                                                "responses": responses}))
    assert rating["importance"] == pytest.approx(20 / 3) and rating["satisfaction"] == pytest.approx(10 / 3)


def test_the_newest_rating_by_date_counts(api, stack):
    oid = new_outcome(api, stack["related"])["id"]
    post = lambda **body: created(api.post(f"/outcomes/{oid}/ratings", json=body))  # noqa: E731
    post(rated_on="2026-01-10", importance=8, satisfaction=2, respondents=120)
    post(rated_on="2025-06-01", importance=3, satisfaction=9)  # entered later, but older
    outcome = api.get(f"/outcomes/{oid}").get_json()
    assert (outcome["importance"], outcome["satisfaction"], outcome["opportunity"]) == (8, 2, 14)
    assert outcome["status"] == "underserved" and outcome["rated_on"] == "2026-01-10"
    post(rated_on="2026-04-01", importance=6, satisfaction=7.5)
    outcome = api.get(f"/outcomes/{oid}").get_json()
    assert (outcome["opportunity"], outcome["status"]) == (6, "overserved")
    history = api.get(f"/outcomes/{oid}/ratings").get_json()
    assert [r["rated_on"] for r in history["items"]] == ["2026-04-01", "2026-01-10", "2025-06-01"]
    assert history["items"][1]["respondents"] == 120 and history["items"][1]["opportunity"] == 14


def test_status_uses_the_organizations_thresholds(api, app, admin, stack):
    oid = new_outcome(api, stack["related"])["id"]
    api.post(f"/outcomes/{oid}/ratings", json={"rated_on": "2026-01-10", "importance": 7, "satisfaction": 3})
    assert api.get(f"/outcomes/{oid}").get_json()["status"] == "underserved"  # 11 >= 10
    with app.app_context():
        db.session.get(Organization, admin.organization_id).underserved_threshold = 12.0
        db.session.commit()
    body = api.get(f"/outcomes/{oid}").get_json()
    assert (body["opportunity"], body["status"]) == (11, "served")
    listed = api.get("/outcomes").get_json()["items"][0]
    assert listed["status"] == "served"


@pytest.mark.parametrize(("body", "fields"), [
    ({"rated_on": "2026-01-10", "importance": 7, "satisfaction": 3,
      "responses": [{"importance": 4, "satisfaction": 2}]}, {"importance", "satisfaction"}),  # both forms
    ({"rated_on": "2026-01-10"}, {"importance", "satisfaction"}),  # neither
    ({"rated_on": "2026-01-10", "importance": 7}, {"satisfaction"}),
    ({"rated_on": "2026-01-10", "importance": 11, "satisfaction": 3}, {"importance"}),
    ({"rated_on": "2026-01-10", "importance": -1, "satisfaction": 3}, {"importance"}),
    ({"rated_on": "2026-01-10", "importance": "7", "satisfaction": 3}, {"importance"}),
    ({"rated_on": "2026-01-10", "importance": 7, "satisfaction": 3, "respondents": 0}, {"respondents"}),
    ({"rated_on": "2026-01-10", "responses": [{"importance": 6, "satisfaction": 2}]},
     {"responses.0.importance"}),
    ({"rated_on": "2026-01-10", "responses": [{"importance": 4, "satisfaction": 0}]},
     {"responses.0.satisfaction"}),
    ({"rated_on": "2026-01-10", "responses": []}, {"responses"}),
    ({"rated_on": "2026-01-10", "responses": [{"importance": 4}]}, {"responses.0.satisfaction"}),
    ({"rated_on": "2026-01-10", "responses": [{"importance": 4, "satisfaction": 2}], "respondents": 3},
     {"respondents"}),
    ({"rated_on": "10/01/2026", "importance": 7, "satisfaction": 3}, {"rated_on"}),
    ({"importance": 7, "satisfaction": 3}, {"rated_on"}),
    ({"rated_on": "2026-01-10", "importance": 7, "satisfaction": 3, "weight": 2}, {"weight"}),
])
def test_invalid_rating_is_422_naming_the_fields_and_nothing_is_saved(api, app, stack, body, fields):
    oid = new_outcome(api, stack["related"])["id"]
    response = api.post(f"/outcomes/{oid}/ratings", json=body)
    assert response.status_code == 422, response.get_json()
    assert fields <= set(response.get_json()["error"]["fields"])
    assert count(app, OutcomeRating) == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_422(api, app, stack, literal):
    oid = new_outcome(api, stack["related"])["id"]
    raw = '{"rated_on": "2026-01-10", "importance": ' + literal + ', "satisfaction": 3}'
    response = api.post(f"/outcomes/{oid}/ratings", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert "importance" in response.get_json()["error"]["fields"]
    position = api.patch(f"/jobs/{stack['related']}", data='{"position": ' + literal + "}",
                         content_type="application/json")
    assert position.status_code == 422 and "position" in position.get_json()["error"]["fields"]
    assert count(app, OutcomeRating) == 0


def test_unreadable_body_is_400(api):
    response = api.post("/customers", data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_a_rating_can_be_deleted_and_is_audited(api, app, stack):
    oid = new_outcome(api, stack["related"])["id"]
    rating = created(api.post(f"/outcomes/{oid}/ratings", json={"rated_on": "2026-01-10", "importance": 7,
                                                                "satisfaction": 3}))
    other = new_outcome(api, stack["related"], "Another")["id"]
    assert api.delete(f"/outcomes/{other}/ratings/{rating['id']}").status_code == 404
    assert api.delete(f"/outcomes/{oid}/ratings/{rating['id']}").status_code == 204
    assert api.get(f"/outcomes/{oid}").get_json()["status"] == "unrated"
    assert audit_actions(app, "OutcomeRating") == ["create", "delete"]


# --- Roles ----------------------------------------------------------------------------------

def _write_routes(s: dict, outcome_id: int, rating_id: int) -> list[tuple[str, str, dict | None]]:
    return [
        ("POST", "/customers", {"name": "New"}),
        ("PATCH", f"/customers/{s['customer']}", {"description": "x"}),
        ("DELETE", f"/customers/{s['customer']}", None),
        ("POST", "/jobs", {"customer_id": s["customer"], "statement": "New job"}),
        ("PATCH", f"/jobs/{s['high']}", {"statement": "x"}),
        ("DELETE", f"/jobs/{s['related']}", None),
        ("POST", "/outcomes", {"job_id": s["related"], "statement": "New outcome"}),
        ("PATCH", f"/outcomes/{outcome_id}", {"statement": "x"}),
        ("DELETE", f"/outcomes/{outcome_id}", None),
        ("POST", f"/outcomes/{outcome_id}/ratings", {"rated_on": "2026-01-10", "importance": 5,
                                                     "satisfaction": 5}),
        ("DELETE", f"/outcomes/{outcome_id}/ratings/{rating_id}", None),
    ]


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_owners_and_viewers_read_but_every_write_is_403(api, api_as, make, app, admin, stack, role):
    oid = new_outcome(api, stack["related"])["id"]
    rid = created(api.post(f"/outcomes/{oid}/ratings", json={"rated_on": "2026-01-10", "importance": 7,
                                                             "satisfaction": 3}))["id"]
    with app.app_context():
        org = db.session.get(Organization, admin.organization_id)
        org_ref = type("OrgRef", (), {"id": org.id, "slug": org.slug})
    reader = api_as(make.user(org_ref, role))
    counts = [count(app, m) for m in (Customer, Job, Outcome, OutcomeRating)]
    for method, path, body in _write_routes(stack, oid, rid):
        response = reader._call(method, path, json=body) if body is not None else reader._call(method, path)
        assert response.status_code == 403, (method, path, response.get_json())
        assert response.get_json()["error"]["code"] == "forbidden"
    # An invalid body is refused for the role before it is read.
    assert reader.post("/customers", json={"bogus": 1}).status_code == 403
    assert [count(app, m) for m in (Customer, Job, Outcome, OutcomeRating)] == counts
    for path in ("/customers", f"/customers/{stack['customer']}", "/jobs", f"/jobs/{stack['high']}/stack",
                 f"/outcomes/{oid}", f"/outcomes/{oid}/ratings"):
        assert reader.get(path).status_code == 200, path


def test_managers_write(api_as, make):
    manager = api_as(make.user(make.org("M", "m"), "manager"))
    cid = new_customer(manager)["id"]
    jid = new_job(manager, cid, "Improve a credit score")["id"]
    oid = new_outcome(manager, jid)["id"]
    created(manager.post(f"/outcomes/{oid}/ratings", json={"rated_on": "2026-01-10", "importance": 5,
                                                           "satisfaction": 5}))


def test_without_a_token_is_401(client):
    assert client.get("/api/v1/customers").status_code == 401
    assert client.post("/api/v1/customers", json={"name": "x"}).status_code == 401


# --- Tenancy --------------------------------------------------------------------------------

def test_another_organizations_records_are_404_and_unchanged(api, api_as, make, app, stack):
    oid = new_outcome(api, stack["related"])["id"]
    rid = created(api.post(f"/outcomes/{oid}/ratings", json={"rated_on": "2026-01-10", "importance": 7,
                                                             "satisfaction": 3}))["id"]
    stranger = api_as(make.user(make.org("Other", "other"), "admin"))
    reads = [f"/customers/{stack['customer']}", f"/jobs/{stack['high']}", f"/jobs/{stack['high']}/stack",
             f"/outcomes/{oid}", f"/outcomes/{oid}/ratings"]
    for path in reads:
        assert stranger.get(path).status_code == 404, path
    writes = [("PATCH", f"/customers/{stack['customer']}", {"name": "Mine"}),
              ("DELETE", f"/customers/{stack['customer']}", None),
              ("PATCH", f"/jobs/{stack['high']}", {"statement": "Mine"}),
              ("DELETE", f"/jobs/{stack['high']}", None),
              ("PATCH", f"/outcomes/{oid}", {"statement": "Mine"}),
              ("DELETE", f"/outcomes/{oid}", None),
              ("POST", f"/outcomes/{oid}/ratings", {"rated_on": "2026-01-11", "importance": 1,
                                                    "satisfaction": 1}),
              ("DELETE", f"/outcomes/{oid}/ratings/{rid}", None)]
    for method, path, body in writes:
        response = stranger._call(method, path, json=body) if body else stranger._call(method, path)
        assert response.status_code == 404, (method, path)
    # Ids of another organization in a body are unknown there: 422 naming the field.
    response = stranger.post("/jobs", json={"customer_id": stack["customer"], "statement": "x"})
    assert response.status_code == 422 and "customer_id" in response.get_json()["error"]["fields"]
    response = stranger.post("/outcomes", json={"job_id": stack["high"], "statement": "x"})
    assert response.status_code == 422 and "job_id" in response.get_json()["error"]["fields"]
    assert stranger.get("/customers").get_json()["total"] == 0
    assert stranger.get("/outcomes").get_json()["total"] == 0
    assert api.get(f"/customers/{stack['customer']}").get_json()["name"] == "Household"
    assert api.get(f"/outcomes/{oid}/ratings").get_json()["total"] == 1
    assert count(app, Job) == 3


def test_openapi_documents_the_customer_operations(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/customers", "/api/v1/jobs/{job_id}/stack", "/api/v1/outcomes/{outcome_id}/ratings"):
        assert path in doc["paths"]
    schemas = doc["components"]["schemas"]
    assert {"CustomerIn", "JobIn", "OutcomeOut", "RatingIn", "JobStackOut"} <= set(schemas)
    assert schemas["RatingIn"]["properties"]["importance"]["anyOf"][0]["maximum"] == 10
    json.dumps(doc)
